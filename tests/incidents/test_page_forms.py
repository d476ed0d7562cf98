"""The incident page's controls, form by form, through the pages only (TestClient):
a whole case from the event's button to the case library against each example plan on
both stores, and the refusals (a skipped stage, publishing without approval, ending with
an open task, a stale version) shown on the page with nothing changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.incidents.conftest import World, add_event
from tests.web.conftest import _password_hash
from yuqing.auth.models import User
from yuqing.incidents.models import Case, CorrectiveAction, Incident, Report, Statement, Task
from yuqing.incidents.wording import minutes_left
from yuqing.reports.models import ReportVersion

SignedIn = Callable[[str], tuple[TestClient, str]]


def _ready(w: World) -> tuple[str, list[str]]:
    """An event, and passwords for the plan's users and the approvers of its most severe
    level (one per step)."""
    event_id = add_event(w.session, w.clock)
    approvers = [a.name for a in w.approvers(w.most_severe)]
    w.add("spokes2", "spokesperson")
    names = {"boss", "monitor1", "spokes", "spokes2", "duty_office", *approvers}
    for user in w.session.scalars(select(User).where(User.name.in_(names))):
        user.password_hash = _password_hash()
    w.session.commit()  # and no read on it while the pages write: SQLite would lock them out
    return event_id, approvers


def _version(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, page
    return found.group(1)


def _post(client: TestClient, csrf: str, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf, **data})


def _done(answer: httpx.Response, number: int) -> None:
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"/incidents/{number}"), answer.headers


def test_a_whole_case_through_the_page_controls(world: World, signed_in: SignedIn) -> None:
    w = world
    event_id, approvers = _ready(w)
    level, stages = w.most_severe, list(w.plan.stages)
    boss, csrf = signed_in("boss")

    # From the event's page: open an incident (the boss is its first receiver).
    event_page = boss.get(f"/events/{event_id}").text
    assert 'action="/incidents"' in event_page and f'value="{event_id}"' in event_page
    opened = _post(boss, csrf, "/incidents", event_ids=event_id)
    assert opened.status_code == 303, opened.text
    number = int(opened.headers["location"].rsplit("/", 1)[1])
    event_page = boss.get(f"/events/{event_id}").text
    assert f"/incidents/{number}" in event_page
    # Its stage reads by the plan's name for it, never its id.
    assert f"· {stages[0].name} · " in event_page and f"· {stages[0].id} ·" not in event_page
    page = boss.get(f"/incidents/{number}").text
    _done(_post(boss, csrf, f"/incidents/{number}/level", level=level, version=_version(page)),
          number)  # fmt: skip

    # A stage change that skips a required stage is refused with the stage's name.
    here = 0
    skipped = next((s for s in stages[1:-1] if s.required), None)
    if skipped is not None:
        beyond = stages[stages.index(skipped) + 1]
        refused = _post(boss, csrf, f"/incidents/{number}/stage", stage=beyond.id)
        assert refused.status_code == 409 and "cannot skip the required stage" in refused.text
        assert skipped.name in refused.text and 'role="alert"' in refused.text
    _done(_post(boss, csrf, f"/incidents/{number}/stage", stage=stages[here + 1].id,
                reason="核实中"), number)  # fmt: skip

    # Hand over to the office, who accepts from "my work".
    _done(_post(boss, csrf, f"/incidents/{number}/handover", to="duty_office"), number)
    office, office_csrf = signed_in("duty_office")
    assert f"/incidents/{number}" in office.get("/my-work").text
    assert "Accept the hand-over" in office.get(f"/incidents/{number}").text
    _done(_post(office, office_csrf, f"/incidents/{number}/handover/accept"), number)

    # Double handling: one task on each line; ending with one open is refused.
    _done(_post(office, office_csrf, f"/incidents/{number}/tasks", title="食堂整顿",
                owner="duty_office", track="offline", due="2026-03-02T18:00"), number)  # fmt: skip
    _done(_post(office, office_csrf, f"/incidents/{number}/tasks", title="网上回应",
                owner="spokes", track="online"), number)  # fmt: skip
    bad_due = _post(office, office_csrf, f"/incidents/{number}/tasks", title="x", owner="spokes",
                    due="tomorrow")  # fmt: skip
    assert bad_due.status_code == 422 and "due" in bad_due.text and "tomorrow" in bad_due.text
    w.session.rollback()
    tasks = w.session.scalars(select(Task).where(Task.incident_id == number)).all()
    assert [(t.track, t.status) for t in tasks] == [("offline", "open"), ("online", "open")]
    task_ids = [t.id for t in tasks]
    w.session.rollback()
    _done(_post(office, office_csrf, f"/incidents/{number}/tasks/{task_ids[0]}/done"), number)
    still_open = _post(boss, csrf, f"/incidents/{number}/end", reason="平息")
    assert still_open.status_code == 409 and "still open" in still_open.text

    # The initial report: its draft prefilled from the event, edited, submitted.
    w.session.rollback()
    initial = w.session.scalar(
        select(Report).where(Report.incident_id == number, Report.kind == "initial")
    )
    assert initial is not None
    initial_id = initial.id
    w.session.rollback()
    report_page = office.get(f"/incidents/{number}/reports/{initial_id}").text
    assert "某校食堂饭菜变质引发家长质疑" in report_page and 'name="cause"' in report_page
    # Times as people write them (the plan's zone, minutes), the tier by its name.
    assert 'value="2026-03-02 08:00"' in report_page and "+00:00" not in report_page
    assert "highest media tier county" in report_page
    _post(office, office_csrf, f"/incidents/{number}/reports/{initial_id}", cause="进货把关不严",
          version=_version(report_page), then="save")  # fmt: skip
    submitted = _post(office, office_csrf, f"/incidents/{number}/reports/{initial_id}",
                      cause="进货把关不严", then="submit")  # fmt: skip
    assert submitted.status_code == 303, submitted.text
    in_place = _post(office, office_csrf, f"/incidents/{number}/reports/{initial_id}", cause="改")
    assert in_place.status_code == 409 and "never edited in place" in in_place.text
    revised = _post(office, office_csrf, f"/incidents/{number}/reports/{initial_id}/revision")
    assert revised.status_code == 303 and "/reports/" in revised.headers["location"]
    progress = _post(office, office_csrf, f"/incidents/{number}/reports", kind="progress")
    assert progress.status_code == 303 and "/reports/" in progress.headers["location"]

    # Fact sheet, a statement, publishing refused until the whole chain has approved.
    _done(_post(office, office_csrf, f"/incidents/{number}/fact-sheet", facts="3 名学生不适",
                figures="不适学生: 3\n送医: 3", wording="已成立工作组"), number)  # fmt: skip
    spokes, spokes_csrf = signed_in("spokes")
    _done(_post(spokes, spokes_csrf, f"/incidents/{number}/statements", text="情况通报：已核查"),
          number)  # fmt: skip
    w.session.rollback()
    statement_id = w.session.scalars(
        select(Statement.id).where(Statement.incident_id == number)
    ).one()
    w.session.rollback()
    publish = f"/incidents/{number}/statements/{statement_id}/publish"
    early = _post(spokes, spokes_csrf, publish, channel="官方微博")
    assert early.status_code == 409 and "cannot be published" in early.text
    for name in approvers:
        client, client_csrf = signed_in(name)
        assert f"#statement-{statement_id}" in client.get("/my-work").text
        _done(_post(client, client_csrf, f"/incidents/{number}/statements/{statement_id}/review",
                    decision="approve", comment="同意"), number)  # fmt: skip
    _done(_post(spokes, spokes_csrf, publish, channel="官方微博", link="https://w.example/s",
                published_at="2026-03-02T09:40"), number)  # fmt: skip

    # An action with its evidence; both tasks done; the response ends.
    no_evidence = _post(spokes, spokes_csrf, f"/incidents/{number}/actions",
                        kind="official_reply", description="回复", evidence="")  # fmt: skip
    assert no_evidence.status_code == 422 and "evidence" in no_evidence.text
    _done(_post(spokes, spokes_csrf, f"/incidents/{number}/actions", kind="official_reply",
                description="官方账号回复家长", evidence="https://w.example/r"), number)  # fmt: skip
    _done(_post(office, office_csrf, f"/incidents/{number}/tasks/{task_ids[1]}/done"), number)
    _done(_post(boss, csrf, f"/incidents/{number}/end", reason="舆情平息"), number)

    # Review, a corrective action to done, the closing report, then close.
    refused_close = _post(boss, csrf, f"/incidents/{number}/close")
    assert refused_close.status_code == 409 and "review" in refused_close.text
    _done(_post(boss, csrf, f"/incidents/{number}/review", summary="处置及时", worked="快速核实",
                failed="回应偏慢", evaluation="达标"), number)  # fmt: skip
    _done(_post(boss, csrf, f"/incidents/{number}/corrective-actions", title="完善进货查验",
                owner="duty_office", due="2026-03-09T17:00"), number)  # fmt: skip
    w.session.rollback()
    closing = w.session.scalars(
        select(Report.id).where(Report.incident_id == number, Report.kind == "closing")
    ).all()
    corrective_id = w.session.scalars(
        select(CorrectiveAction.id).where(CorrectiveAction.incident_id == number)
    ).one()
    w.session.rollback()
    _done(_post(boss, csrf, f"/incidents/{number}/corrective-actions/{corrective_id}/done"),
          number)  # fmt: skip
    for report_id in closing:
        answer = _post(boss, csrf, f"/incidents/{number}/reports/{report_id}", then="submit")
        assert answer.status_code == 303, answer.text
    w.clock.advance(timedelta(minutes=5))
    _done(_post(boss, csrf, f"/incidents/{number}/close"), number)
    final = boss.get(f"/incidents/{number}").text
    assert "case library" in final and "End the response" not in final
    w.session.rollback()
    incident = w.session.get(Incident, number)
    assert incident is not None and incident.status == "closed" and incident.owner == "duty_office"
    assert w.session.get(Case, number) is not None


def test_a_stale_form_is_refused_on_the_page_and_changes_nothing(
    world: World, signed_in: SignedIn
) -> None:
    w = world
    event_id, _approvers = _ready(w)
    boss, csrf = signed_in("boss")
    number = int(_post(boss, csrf, "/incidents", event_ids=event_id).headers["location"]
                 .rsplit("/", 1)[1])  # fmt: skip
    shown = _version(boss.get(f"/incidents/{number}").text)
    # Someone else changes the case after the page was shown …
    _done(_post(boss, csrf, f"/incidents/{number}/stage", stage=w.plan.stages[1].id), number)
    # … so a form from the old page is refused, with the reason, and stores nothing.
    stale = _post(boss, csrf, f"/incidents/{number}/tasks", title="旧页面的任务", owner="boss",
                  version=shown)  # fmt: skip
    assert stale.status_code == 409 and "changed meanwhile" in stale.text
    assert 'role="alert"' in stale.text
    w.session.rollback()
    assert w.session.scalars(select(Task).where(Task.incident_id == number)).all() == []
    w.session.rollback()
    # A monitor may open from an alert but not add tasks; other refusals read the same.
    monitor, monitor_csrf = signed_in("monitor1")
    refused = _post(monitor, monitor_csrf, f"/incidents/{number}/tasks", title="t", owner="x")
    assert refused.status_code == 403 and "needs one of the roles" in refused.text
    missing = _post(boss, csrf, f"/incidents/{number}/tasks/999999/done")
    assert missing.status_code == 404


def test_a_tip_by_phone_opens_a_case_from_the_list_page(world: World, signed_in: SignedIn) -> None:
    _ready(world)
    monitor, csrf = signed_in("monitor1")
    assert 'name="tip_channel"' in monitor.get("/incidents").text
    opened = _post(monitor, csrf, "/incidents", tip_channel="phone", title="家长来电反映食堂问题",
                   tip_text="孩子午饭后腹痛")  # fmt: skip
    assert opened.status_code == 303, opened.text
    page = monitor.get(opened.headers["location"]).text
    assert "家长来电反映食堂问题" in page and "phone" in page
    bad = _post(monitor, csrf, "/incidents", tip_channel="pigeon", title="t", tip_text="x")
    assert bad.status_code == 422 and "pigeon" in bad.text
    world.session.rollback()
    titles = world.session.scalars(select(Incident.title)).all()
    assert titles == ["家长来电反映食堂问题"]


def test_a_published_link_that_is_not_http_is_shown_as_text(
    world: World, signed_in: SignedIn
) -> None:
    """A statement's link comes from a person's form: only http(s) becomes a link."""
    w = world
    event_id, approvers = _ready(w)
    boss, csrf = signed_in("boss")
    number = int(_post(boss, csrf, "/incidents", event_ids=event_id).headers["location"]
                 .rsplit("/", 1)[1])  # fmt: skip
    _done(_post(boss, csrf, f"/incidents/{number}/level", level=w.most_severe), number)
    spokes, spokes_csrf = signed_in("spokes")
    _done(_post(spokes, spokes_csrf, f"/incidents/{number}/statements", text="通报"), number)
    w.session.rollback()
    statement_id = w.session.scalars(
        select(Statement.id).where(Statement.incident_id == number)
    ).one()
    w.session.rollback()
    for name in approvers:
        client, client_csrf = signed_in(name)
        _done(_post(client, client_csrf, f"/incidents/{number}/statements/{statement_id}/review",
                    decision="approve"), number)  # fmt: skip
    _done(_post(spokes, spokes_csrf, f"/incidents/{number}/statements/{statement_id}/publish",
                channel="微博", link="javascript:alert(1)"), number)  # fmt: skip
    page = spokes.get(f"/incidents/{number}").text
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page


def _open_with(client: TestClient, csrf: str, *event_ids: str) -> int:
    opened = client.post("/incidents", data={"csrf_token": csrf, "event_ids": list(event_ids)})
    assert opened.status_code == 303, opened.text
    return int(opened.headers["location"].rsplit("/", 1)[1])


def test_split_and_level_proposal_from_the_page_with_their_refusals(
    world: World, signed_in: SignedIn
) -> None:
    w = world
    first, _approvers = _ready(w)
    second = add_event(w.session, w.clock, "ev-2")
    w.session.commit()
    boss, csrf = signed_in("boss")
    number = _open_with(boss, csrf, first, second)
    page = boss.get(f"/incidents/{number}").text
    assert f'action="/incidents/{number}/split"' in page and f'value="{second}"' in page

    # A monitor proposes a level (and may not split); an unknown level is refused.
    monitor, monitor_csrf = signed_in("monitor1")
    monitor_page = monitor.get(f"/incidents/{number}").text
    assert f'action="/incidents/{number}/level/proposal"' in monitor_page
    assert f'action="/incidents/{number}/split"' not in monitor_page
    proposal = f"/incidents/{number}/level/proposal"
    unknown = _post(monitor, monitor_csrf, proposal, level="XIV", version=_version(monitor_page))
    assert unknown.status_code == 422 and "unknown level" in unknown.text
    assert 'role="alert"' in unknown.text
    low = w.plan.levels_by_severity()[-1].id
    _done(_post(monitor, monitor_csrf, proposal, level=low, reason="转发上升",
                version=_version(monitor_page)), number)  # fmt: skip
    not_yours = _post(monitor, monitor_csrf, f"/incidents/{number}/split", event_ids=second,
                      reason="两件事")  # fmt: skip
    assert not_yours.status_code == 403 and "needs one of the roles" in not_yours.text

    # Splitting needs a reason and leaves at least one event; refused, nothing moves.
    split = f"/incidents/{number}/split"
    no_reason = _post(boss, csrf, split, event_ids=second)
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
    every = boss.post(split, data={"csrf_token": csrf, "event_ids": [first, second],
                                   "reason": "两件事"})  # fmt: skip
    assert every.status_code == 422 and "at least one event" in every.text
    w.session.rollback()
    assert w.session.scalars(select(Incident.id)).all() == [number]
    w.session.rollback()
    moved = _post(boss, csrf, split, event_ids=second, reason="两件事", title="另一件事")
    assert moved.status_code == 303, moved.text
    new = int(moved.headers["location"].rsplit("/", 1)[1])
    assert new != number
    new_page = boss.get(f"/incidents/{new}").text
    assert "另一件事" in new_page and f"/events/{second}" in new_page
    w.session.rollback()
    incident = w.session.get(Incident, number)
    assert incident is not None and incident.proposed_level == low
    w.session.rollback()
    assert f"/events/{second}" not in boss.get(f"/incidents/{number}").text


def test_an_ended_response_reopens_from_the_page_only_at_a_more_severe_level(
    world: World, signed_in: SignedIn
) -> None:
    w = world
    event_id, _approvers = _ready(w)
    low, high = w.plan.levels_by_severity()[-1].id, w.most_severe
    boss, csrf = signed_in("boss")
    number = _open_with(boss, csrf, event_id)
    _done(_post(boss, csrf, f"/incidents/{number}/level", level=low), number)
    for track in ("offline", "online"):
        _done(_post(boss, csrf, f"/incidents/{number}/tasks", title=track, owner="boss",
                    track=track), number)  # fmt: skip
    w.session.rollback()
    task_ids = w.session.scalars(select(Task.id).where(Task.incident_id == number)).all()
    w.session.rollback()
    for task_id in task_ids:
        _done(_post(boss, csrf, f"/incidents/{number}/tasks/{task_id}/done"), number)
    open_page = boss.get(f"/incidents/{number}").text
    assert f'action="/incidents/{number}/reopen"' not in open_page  # nothing to re-open yet
    _done(_post(boss, csrf, f"/incidents/{number}/end", reason="平息"), number)

    page = boss.get(f"/incidents/{number}").text
    reopen = f"/incidents/{number}/reopen"
    assert f'action="{reopen}"' in page
    offered = re.search(r'<select id="reopen-level" name="level">(.*?)</select>', page)
    assert offered and f'value="{high}"' in offered.group(1)
    assert f'value="{low}"' not in offered.group(1)  # not more severe than itself
    version = _version(page)
    same = _post(boss, csrf, reopen, level=low, reason="再次升温", version=version)
    assert same.status_code == 409 and "more severe" in same.text and 'role="alert"' in same.text
    monitor, monitor_csrf = signed_in("monitor1")
    assert f'action="{reopen}"' not in monitor.get(f"/incidents/{number}").text
    refused = _post(monitor, monitor_csrf, reopen, level=high, reason="再次升温")
    assert refused.status_code == 403
    w.session.rollback()
    ended = w.session.get(Incident, number)
    assert ended is not None and (ended.status, ended.level) == ("ended", low)
    w.session.rollback()

    w.clock.advance(timedelta(minutes=10))  # within the sign-in's idle limit
    _done(_post(boss, csrf, reopen, level=high, reason="再次升温", version=version), number)
    w.session.rollback()
    reopened = w.session.get(Incident, number)
    assert reopened is not None and (reopened.status, reopened.level) == ("open", high)


def test_the_list_names_stages_and_deadlines_carry_their_due_time_for_the_countdown(
    world: World, signed_in: SignedIn
) -> None:
    w = world
    event_id, _approvers = _ready(w)
    first, second = w.plan.stages[0], w.plan.stages[1]
    boss, csrf = signed_in("boss")
    number = _open_with(boss, csrf, event_id)
    _done(_post(boss, csrf, f"/incidents/{number}/level", level=w.most_severe), number)

    listed = boss.get("/incidents").text
    assert f"<td>{first.name}</td>" in listed
    assert f'<option value="{second.id}">{second.name}</option>' in listed  # filter by name
    assert f'href="/incidents/{number}"' in boss.get(f"/incidents?stage={first.id}").text
    assert f'href="/incidents/{number}"' not in boss.get(f"/incidents?stage={second.id}").text

    page = boss.get(f"/incidents/{number}").text
    assert 'data-now="2026-03-02T01:00:00Z"' in page
    assert 'data-left="{n} min left"' in page and 'data-overdue="{n} min overdue"' in page
    dues = re.findall(r'class="countdown" data-due="([0-9T:Z-]+)">(\d+) min left<', page)
    assert dues, page
    # The server's text and the due time agree (what the script recounts from).
    due, minutes = dues[0]
    assert minutes_left(datetime.fromisoformat(due), w.clock.now()) == int(minutes)
    # The script is a file of our origin (the CSP allows no inline script).
    assert '<script src="/static/js/countdown.js" defer></script>' in page
    assert "<script>" not in page
    script = boss.get("/static/js/countdown.js")
    assert script.status_code == 200 and "dataset.due" in script.text


def test_report_documents_are_listed_and_generated_from_the_incident(
    world: World, signed_in: SignedIn
) -> None:
    w = world
    event_id, _approvers = _ready(w)
    boss, csrf = signed_in("boss")
    number = _open_with(boss, csrf, event_id)
    page = boss.get(f"/incidents/{number}").text
    generate = f"/incidents/{number}/report-documents"
    assert f'action="{generate}"' in page and 'name="kind"' in page
    assert f'href="/reports?incident={number}"' in page
    generated = _post(boss, csrf, generate, kind="special")
    assert generated.status_code == 303, generated.text
    document = generated.headers["location"]
    assert re.fullmatch(r"/reports/\d+", document), document
    assert f'href="{document}"' in boss.get(f"/incidents/{number}").text
    # A spokesperson works on the case but neither reads nor generates report documents.
    spokes, _spokes_csrf = signed_in("spokes")
    theirs = spokes.get(f"/incidents/{number}").text
    assert f'action="{generate}"' not in theirs and f'href="{document}"' not in theirs


def test_a_refused_report_document_comes_back_on_the_incident_page_storing_nothing(
    world: World, signed_in: SignedIn
) -> None:
    w = world
    event_id, _approvers = _ready(w)
    boss, csrf = signed_in("boss")
    number = _open_with(boss, csrf, event_id)
    generate = f"/incidents/{number}/report-documents"

    # A period kind (or a made-up one) is not an incident's document: its reason, here.
    for kind in ("daily", "memo", ""):
        bad = _post(boss, csrf, generate, kind=kind)
        assert bad.status_code == 422, (kind, bad.text)
        assert 'role="alert"' in bad.text and "not a report document of an incident" in bad.text
        assert f'action="{generate}"' in bad.text  # the incident page, not the reports' error
    # A role that does not write reports is refused on the same page.
    spokes, spokes_csrf = signed_in("spokes")
    refused = _post(spokes, spokes_csrf, generate, kind="special")
    assert refused.status_code == 403 and 'role="alert"' in refused.text
    assert "needs one of the roles" in refused.text
    assert f'action="/incidents/{number}/statements"' in refused.text  # their incident page
    # An incident the user may not see stays "not found".
    unseen = _post(boss, csrf, "/incidents/999999/report-documents", kind="special")
    assert unseen.status_code == 404
    w.session.rollback()
    assert w.session.scalars(select(ReportVersion)).all() == []
    w.session.rollback()
