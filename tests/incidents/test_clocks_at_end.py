"""Ending a response stops its deadline clocks in the store (not only on the page), except
the closing report's, which runs after the end; closing stops whatever still runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.incidents.conftest import World, add_event
from tests.web.conftest import _password_hash
from yuqing.auth.models import User
from yuqing.incidents import service
from yuqing.incidents.models import DeadlineClock, Incident, IncidentLog
from yuqing.incidents.service import clocks, reports


def _ended_with_reports_undone(w: World) -> Incident:
    """A case at the most severe level, ended before any report was submitted."""
    event_id = add_event(w.session, w.clock)
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], event_ids=[event_id]
    )
    service.confirm_level(
        session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id,
        level=w.most_severe,
    )  # fmt: skip
    for track in ("offline", "online"):
        task = service.add_task(
            session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id,
            title=f"{track} 处置", owner="boss", track=track,
        )  # fmt: skip
        service.complete_task(
            session=w.session, clock=w.clock, actor=w.actors["boss"], task_id=task.id
        )
    w.clock.advance(timedelta(minutes=5))
    service.end_response(
        session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id,
        reason="舆情平息",
    )  # fmt: skip
    return incident


def _states(w: World, incident: Incident) -> dict[str, str]:
    rows = clocks.get_all(session=w.session, incident_id=incident.id)
    return {f"{r.name}#{r.number}": r.state for r in rows}


def test_ending_stops_every_running_clock_but_the_closing_report(world: World) -> None:
    w = world
    incident = _ended_with_reports_undone(w)
    ended_at = w.clock.now()
    rows = clocks.get_all(session=w.session, incident_id=incident.id)
    running = [r.name for r in rows if r.state == "running"]
    has_closing = clocks.has_deadline(w.plan, w.most_severe, "closing")
    assert running == (["report:closing"] if has_closing else []), _states(w, incident)
    stopped = [r for r in rows if r.state == "stopped"]
    assert stopped and all(r.done_at == ended_at and r.late_minutes is None for r in stopped)
    # Long past every due time, the check neither reminds nor escalates a stopped clock.
    w.clock.advance(timedelta(days=3))
    before = {r.id: (r.reminded_at, r.escalated_at) for r in stopped}
    service.check_deadlines(session=w.session, clock=w.clock)
    assert {r.id: (r.reminded_at, r.escalated_at) for r in stopped} == before
    # A report submitted after the end keeps its clock stopped (neither met nor missed).
    initial = next(
        r for r in reports.get_all(session=w.session, incident_id=incident.id)
        if r.kind == "initial"
    )  # fmt: skip
    service.submit_report(
        session=w.session, clock=w.clock, actor=w.actors["boss"], report_id=initial.id
    )
    assert clocks.find(w.session, incident.id, "report:initial") in stopped
    assert all(r.state == "stopped" for r in stopped)


def test_closing_stops_what_still_runs_and_the_page_says_stopped(world: World) -> None:
    w = world
    incident = _ended_with_reports_undone(w)
    for report in reports.get_all(session=w.session, incident_id=incident.id):
        if report.kind == "closing":
            service.submit_report(
                session=w.session, clock=w.clock, actor=w.actors["boss"], report_id=report.id
            )
    service.write_review(
        session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id,
        summary="总结",
    )  # fmt: skip
    # A clock still running at the close (a store written before clocks stopped at the end).
    w.session.add(
        DeadlineClock(
            incident_id=incident.id,
            name="answer",
            number=9,
            source="deadlines.x",
            started_at=w.clock.now(),
            due_at=w.clock.now() + timedelta(hours=1),
        )
    )
    w.session.flush()
    service.close_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id
    )
    running = w.session.scalars(
        select(DeadlineClock).where(
            DeadlineClock.incident_id == incident.id, DeadlineClock.state == "running"
        )
    ).all()
    assert running == []


def test_reopening_restarts_an_answer_stopped_unanswered(world: World) -> None:
    w = world
    incident = _ended_with_reports_undone(w)
    answer = clocks.find(w.session, incident.id, clocks.ANSWER)
    if answer is None:
        return  # the plan asks no first answer at this level
    assert answer.state == "stopped"
    levels = w.plan.levels_by_severity()
    # Re-opening takes a more severe level: lower the confirmed one first, as a plan might.
    incident.level = levels[1].id
    w.session.flush()
    w.clock.advance(timedelta(hours=1))
    service.reopen(
        session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id,
        level=levels[0].id, reason="再次升温",
    )  # fmt: skip
    again = clocks.find_running(w.session, incident.id, clocks.ANSWER)
    assert again is not None and again.started_at == w.clock.now() and again.number == 2
    kinds = list(
        w.session.scalars(select(IncidentLog.kind).where(IncidentLog.incident_id == incident.id))
    )
    assert kinds[-2:] == ["reopened", "level_raised"]


def test_the_incident_page_says_a_clock_stopped_when_the_response_ended(
    world: World, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    w = world
    incident = _ended_with_reports_undone(w)
    for user in w.session.query(User).filter(User.name == "boss"):
        user.password_hash = _password_hash()
    number = incident.id
    w.session.commit()
    browser, _token = signed_in("boss")
    page = browser.get(f"/incidents/{number}").text
    assert "stopped unfinished at" in page and "min overdue</strong>" not in page
