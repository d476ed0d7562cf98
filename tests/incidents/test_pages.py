"""The incident pages: the list, the incident (deadlines with their source), and a
statement approved from the page by the person whose step it is."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.incidents.conftest import World, add_event
from tests.web.conftest import _password_hash, sign_in
from yuqing.auth.models import User
from yuqing.incidents import service
from yuqing.incidents.models import Incident, Statement
from yuqing.incidents.service import statements


def test_an_approver_approves_from_the_incident_page(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    w = world
    event_id = add_event(w.session, w.clock)
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], event_ids=[event_id]
    )
    service.confirm_level(
        session=w.session,
        clock=w.clock,
        actor=w.actors["boss"],
        incident_id=incident.id,
        level=w.most_severe,
    )
    statement = service.draft_statement(
        session=w.session,
        clock=w.clock,
        actor=w.actors["spokes"],
        incident_id=incident.id,
        text="关于食堂的情况通报",
    )
    first = w.approvers(w.most_severe)[0]
    for user in w.session.query(User).filter(User.name.in_([first.name, "boss"])):
        user.password_hash = _password_hash()
    number, statement_id, level = incident.id, statement.id, w.most_severe
    w.session.commit()  # and no read on this session below: SQLite would lock the pages out

    browser, _token = signed_in("boss")
    listing = browser.get("/incidents")
    assert listing.status_code == 200 and "食堂" in listing.text
    page = browser.get(f"/incidents/{number}")
    assert page.status_code == 200 and f"deadlines.{level}." in page.text

    approver = TestClient(browser.app, follow_redirects=False)
    with approver:
        csrf = sign_in(approver, first.name)
        assert 'value="approve"' in approver.get(f"/incidents/{number}").text
        assert str(number) in approver.get("/my-work").text
        answer = approver.post(
            f"/incidents/{number}/statements/{statement_id}/review",
            data={"decision": "approve", "csrf_token": csrf},
        )
        assert answer.status_code == 303, answer.text
    w.session.rollback()
    assert [r.reviewer for r in statements.approvals(w.session, statement_id)] == [first.name]


def _opened(w: World) -> int:
    """An incident from an alert that proposes the plan's most severe level."""
    event_id = add_event(w.session, w.clock)
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], event_ids=[event_id]
    )
    service.propose_level(session=w.session, clock=w.clock, actor=w.actors["boss"],
                          incident_id=incident.id, level=w.most_severe)  # fmt: skip
    for user in w.session.query(User).filter(User.name.in_(["boss", "monitor1", "spokes"])):
        user.password_hash = _password_hash()
    number = incident.id
    w.session.commit()  # and no read after it: SQLite would lock the pages out
    return number


def test_a_leader_confirms_the_proposed_level_from_the_page_and_a_monitor_may_not(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    number, level = _opened(world), world.most_severe
    monitor, csrf = signed_in("monitor1")
    assert f'name="level" value="{level}"' not in monitor.get(f"/incidents/{number}").text
    refused = monitor.post(f"/incidents/{number}/level", data={"level": level, "csrf_token": csrf})
    assert refused.status_code == 403
    boss, csrf = signed_in("boss")
    page = boss.get(f"/incidents/{number}").text
    assert f'name="level" value="{level}"' in page and f"Confirm level {level}" in page
    no_token = boss.post(f"/incidents/{number}/level", data={"level": level})
    assert no_token.status_code == 403
    world.session.rollback()
    unchanged = world.session.get(Incident, number)
    assert unchanged is not None and unchanged.level is None
    world.session.rollback()  # let go of SQLite's read lock before the page writes
    answer = boss.post(f"/incidents/{number}/level", data={"level": level, "csrf_token": csrf})
    assert answer.status_code == 303 and answer.headers["location"] == f"/incidents/{number}"
    page = boss.get(f"/incidents/{number}").text
    assert f"deadlines.{level}." in page and "Confirm level" not in page


def test_publishing_an_unapproved_statement_from_the_page_is_refused_with_its_reason(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    w = world
    number = _opened(w)
    service.confirm_level(session=w.session, clock=w.clock, actor=w.actors["boss"],
                          incident_id=number, level=w.most_severe)  # fmt: skip
    statement = service.draft_statement(session=w.session, clock=w.clock,
                                        actor=w.actors["spokes"], incident_id=number,
                                        text="关于食堂的情况通报")  # fmt: skip
    statement_id = statement.id
    w.session.commit()
    spokes, csrf = signed_in("spokes")
    assert f"/statements/{statement_id}/publish" in spokes.get(f"/incidents/{number}").text
    answer = spokes.post(f"/incidents/{number}/statements/{statement_id}/publish",
                         data={"channel": "weibo", "csrf_token": csrf})  # fmt: skip
    assert answer.status_code == 409
    assert "not approved" in answer.text and "cannot be published" in answer.text
    elsewhere = spokes.post(f"/incidents/{number + 1}/statements/{statement_id}/publish",
                            data={"channel": "weibo", "csrf_token": csrf})  # fmt: skip
    assert elsewhere.status_code == 404
    w.session.rollback()
    row = w.session.get(Statement, statement_id)
    assert row is not None and row.status == "in_review" and row.published_at is None
