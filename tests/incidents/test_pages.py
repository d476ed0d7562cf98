"""The incident pages: the list, the incident (deadlines with their source), and a
statement approved from the page by the person whose step it is."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.incidents.conftest import World, add_event
from tests.web.conftest import _password_hash, sign_in
from yuqing.auth.models import User
from yuqing.core.i18n import use_locale
from yuqing.incidents import service
from yuqing.incidents.models import Incident, Report, Statement
from yuqing.incidents.service import statements
from yuqing.incidents.wording import label


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
    name = world.plan.level(level).name  # the page names levels as the plan does
    monitor, csrf = signed_in("monitor1")
    assert f'name="level" value="{level}"' not in monitor.get(f"/incidents/{number}").text
    refused = monitor.post(f"/incidents/{number}/level", data={"level": level, "csrf_token": csrf})
    assert refused.status_code == 403
    boss, csrf = signed_in("boss")
    page = boss.get(f"/incidents/{number}").text
    assert f'name="level" value="{level}"' in page and f"Confirm level {name}" in page
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
    # No control for it on the page; a page open since before a change still posts it.
    assert f"/statements/{statement_id}/publish" not in spokes.get(f"/incidents/{number}").text
    answer = spokes.post(f"/incidents/{number}/statements/{statement_id}/publish",
                         data={"channel": "weibo", "csrf_token": csrf})  # fmt: skip
    assert answer.status_code == 409
    assert "not approved" in answer.text and "cannot be published" in answer.text
    assert "in_review" not in answer.text  # the status in words, not its code
    elsewhere = spokes.post(f"/incidents/{number + 1}/statements/{statement_id}/publish",
                            data={"channel": "weibo", "csrf_token": csrf})  # fmt: skip
    assert elsewhere.status_code == 404
    w.session.rollback()
    row = w.session.get(Statement, statement_id)
    assert row is not None and row.status == "in_review" and row.published_at is None


def test_the_list_and_the_history_read_in_chinese_without_codes(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    """Levels, stages, statuses, report kinds and what happened, by their names: the codes
    the log keeps (level_confirmed, IV → II, initial#1) never reach the page."""
    w = world
    number = _opened(w)
    boss = w.actors["boss"]
    low, high = w.plan.levels_by_severity()[-1], w.plan.levels_by_severity()[0]
    ctx = {"session": w.session, "clock": w.clock, "actor": boss}
    service.confirm_level(**ctx, incident_id=number, level=low.id)
    service.move_stage(**ctx, incident_id=number, stage=w.plan.stages[1].id, reason="核实")
    for track in ("offline", "online"):
        task = service.add_task(**ctx, incident_id=number, title="处置", owner="boss", track=track)
        service.complete_task(**ctx, task_id=task.id)
    first_report = w.session.scalars(select(Report).where(Report.incident_id == number)).first()
    assert first_report is not None
    service.submit_report(**ctx, report_id=first_report.id)
    kind = first_report.kind
    service.end_response(**ctx, incident_id=number, reason="平息")
    service.reopen(**ctx, incident_id=number, level=high.id, reason="再次升温")
    w.session.commit()

    client, csrf = signed_in("boss")
    client.post("/account/language", data={"language": "zh_CN", "csrf_token": csrf})
    page = client.get(f"/incidents/{number}").text
    history = page[page.index('id="log-heading"') :]
    history = history[: history.index("</section>")]
    entries = re.findall(r'<li class="wrap">(.*?)</li>', history, re.S)
    assert len(entries) >= 9, history
    # Nothing Latin but the user's name, the event's id and revisions (r1).
    latin = set(re.findall(r"[A-Za-z_][A-Za-z0-9_:.-]*", " ".join(entries)))
    assert latin <= {"boss", "ev-1", "r1"}, latin
    joined = " ".join(entries)
    with use_locale("zh_CN"):
        kind_name = label(kind)
    assert f"{low.name} → {high.name}" in joined and "确认级别" in joined and "进行中" in joined
    assert f"{w.plan.stages[0].name} → {w.plan.stages[1].name}" in joined
    assert f"报送报告 · {kind_name} #1 r1" in joined  # initial#1r1 (met, 0 min late)

    listed = client.get("/incidents").text
    assert f"<td>{high.name}</td>" in listed and f"<td>{high.id}</td>" not in listed
    options = re.search(r'<select name="level">(.*?)</select>', listed, re.S)
    assert options and f">{high.name}</option>" in options.group(1)
    assert f"{high.id} ·" not in options.group(1)


def test_the_author_is_offered_no_approval_of_their_own_statement_nor_publishing_before_it(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    """The plans forbid approving one's own statement: its author sees why, not buttons
    the service refuses, and it is not in their work; nobody sees a control to publish a
    statement until it is approved (the service refused both, 403 and 409)."""
    w = world
    number = _opened(w)
    service.confirm_level(session=w.session, clock=w.clock, actor=w.actors["boss"],
                          incident_id=number, level=w.most_severe)  # fmt: skip
    author = w.approvers(w.most_severe)[0]
    w.session.query(User).filter(User.name == author.name).one().password_hash = _password_hash()
    statement = service.draft_statement(session=w.session, clock=w.clock, actor=author,
                                        incident_id=number, text="关于食堂的情况通报")  # fmt: skip
    statement_id = statement.id
    w.session.commit()
    client, _csrf = signed_in(author.name)
    page = client.get(f"/incidents/{number}").text
    assert 'value="approve"' not in page and 'value="reject"' not in page
    assert "the plan does not let the author approve their own statement" in page
    assert 'value="comment"' in page  # a comment is still theirs to add
    assert f"#statement-{statement_id}" not in client.get("/my-work").text
    spokes, _csrf = signed_in("spokes")
    assert f"/statements/{statement_id}/publish" not in spokes.get(f"/incidents/{number}").text


def test_a_report_the_system_drafted_says_so_in_words(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    """Confirming the level drafts the first reports as `system`: the page said
    `编辑人 system` in the middle of Chinese."""
    w = world
    number = _opened(w)
    service.confirm_level(session=w.session, clock=w.clock, actor=w.actors["boss"],
                          incident_id=number, level=w.most_severe)  # fmt: skip
    report = w.session.scalars(select(Report).where(Report.incident_id == number)).first()
    assert report is not None and report.edited_by == "system"
    report_id = report.id
    w.session.commit()
    client, csrf = signed_in("boss")
    client.post("/account/language", data={"language": "zh_CN", "csrf_token": csrf})
    page = client.get(f"/incidents/{number}/reports/{report_id}").text
    meta = page.split('<p class="meta wrap">', 1)[1].split("</p>", 1)[0]
    assert "编辑人 系统" in meta and "system" not in meta
    # A deadline's source is a clause of the plan, and says so (it read as a stray code).
    assert f"<small>预案：deadlines.{w.most_severe}." in client.get(f"/incidents/{number}").text


def test_my_work_names_each_incident_by_its_title(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    """A statement waiting for me read `#2 · 关于…`: the incident's id, taken for the
    statement's number (the incident page calls it #1 r1)."""
    w = world
    number = _opened(w)
    service.confirm_level(session=w.session, clock=w.clock, actor=w.actors["boss"],
                          incident_id=number, level=w.most_severe)  # fmt: skip
    service.draft_statement(session=w.session, clock=w.clock, actor=w.actors["spokes"],
                            incident_id=number, text="关于食堂的情况通报")  # fmt: skip
    service.add_task(session=w.session, clock=w.clock, actor=w.actors["boss"],
                     incident_id=number, title="核实食材", owner="boss", track="offline")  # fmt: skip
    first = w.approvers(w.most_severe)[0]
    w.session.query(User).filter(User.name == first.name).one().password_hash = _password_hash()
    title = w.session.get(Incident, number).title  # type: ignore[union-attr]
    w.session.commit()
    approver, _csrf = signed_in(first.name)
    approvals = approver.get("/my-work").text.split('id="approvals-heading"', 1)[1]
    approvals = approvals.split("</section>", 1)[0]
    assert f">{title}</a> · #1 r1 · 关于食堂的情况通报" in approvals, approvals
    boss, _csrf = signed_in("boss")
    tasks = boss.get("/my-work").text.split('id="tasks-heading"', 1)[1].split("</section>", 1)[0]
    assert f">{title}</a> · [" in tasks and f">#{number}</a>" not in tasks


def test_a_row_of_another_incident_is_not_found_in_words(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    """A report addressed under the wrong incident: the page named its table,
    `事件 2 中没有 incident_reports 1`."""
    w = world
    first, second = _opened(w), None
    service.confirm_level(session=w.session, clock=w.clock, actor=w.actors["boss"],
                          incident_id=first, level=w.most_severe)  # fmt: skip
    event_id = add_event(w.session, w.clock, "ev-2")
    second = service.open_incident(session=w.session, clock=w.clock, actor=w.actors["boss"],
                                   event_ids=[event_id]).id  # fmt: skip
    report = w.session.scalars(select(Report).where(Report.incident_id == first)).first()
    assert report is not None
    report_id = report.id
    w.session.commit()
    client, csrf = signed_in("boss")
    client.post("/account/language", data={"language": "zh_CN", "csrf_token": csrf})
    answer = client.get(f"/incidents/{second}/reports/{report_id}")
    assert answer.status_code == 404
    assert f"处置事项 {second} 中没有报告 {report_id}" in answer.text
    assert "incident_reports" not in answer.text


def test_a_closed_incident_is_not_listed_as_overdue(
    world: World, app: object, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    """A case closed with a report never sent stayed 已超时 in the list, while the
    dashboard (rightly) counted no deadline of it."""
    from datetime import timedelta

    w = world
    number = _opened(w)
    service.confirm_level(session=w.session, clock=w.clock, actor=w.actors["boss"],
                          incident_id=number, level=w.most_severe)  # fmt: skip
    w.session.commit()
    w.clock.advance(timedelta(days=2))
    boss, _csrf = signed_in("boss")

    def flagged() -> bool:
        listed = boss.get("/incidents").text
        row = listed.split(f'href="/incidents/{number}"', 1)[1].split("</td>", 1)[0]
        return 'class="overdue"' in row

    assert flagged()
    incident = w.session.get(Incident, number)
    assert incident is not None
    incident.status = "closed"  # as close_incident leaves it, its first report unsent
    w.session.commit()
    assert not flagged()
    assert f'href="/incidents/{number}"' not in boss.get("/incidents?overdue=true").text
    # Its page says what was left undone, not minutes counting up for ever.
    page = boss.get(f"/incidents/{number}").text
    deadlines = page.split('id="deadlines-heading"', 1)[1].split("</section>", 1)[0]
    assert 'class="countdown"' not in deadlines and "min overdue</strong>" not in deadlines
    assert "not done when the case closed" in deadlines


def test_the_page_keeps_the_version_for_its_forms_but_does_not_show_it(
    world: World, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    w = world
    event_id = add_event(w.session, w.clock)
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], event_ids=[event_id]
    )
    for user in w.session.query(User).filter(User.name == "boss"):
        user.password_hash = _password_hash()
        user.language = "zh_CN"
    number, version = incident.id, incident.version
    w.session.commit()
    browser, _token = signed_in("boss")
    page = browser.get(f"/incidents/{number}").text
    assert f'name="version" value="{version}"' in page  # expected_version of each form
    shown = re.sub(r"<[^>]+>", " ", page)  # the text people read, without the markup
    assert "版本" not in shown and "version" not in shown.lower()
