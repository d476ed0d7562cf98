"""The incident pages: the list, the incident (deadlines with their source), and a
statement approved from the page by the person whose step it is."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.incidents.conftest import World, add_event
from tests.web.conftest import _password_hash, sign_in
from yuqing.auth.models import User
from yuqing.incidents import service
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
