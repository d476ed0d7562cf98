"""The whole life of an incident through the service, against each example plan, on
both stores, with a frozen clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.incidents.conftest import World, add_event
from yuqing.alerts.models import Delivery
from yuqing.auth.models import AuditEntry
from yuqing.core.errors import Conflict, Forbidden
from yuqing.incidents import service
from yuqing.incidents.models import Incident, Report
from yuqing.incidents.service import cases, clocks, reports, statements


def _open(w: World) -> Incident:
    event_id = add_event(w.session, w.clock)
    return service.open_incident(
        session=w.session,
        clock=w.clock,
        actor=w.actors["monitor1"],
        event_ids=[event_id],
        category="食品安全",
        lead_department="office",
    )


def _approve_and_publish(w: World, incident: Incident) -> None:
    service.update_fact_sheet(
        session=w.session,
        clock=w.clock,
        actor=w.actors["spokes"],
        incident_id=incident.id,
        facts="3 名学生不适，已送医",
        wording="",
    )
    statement = service.draft_statement(
        session=w.session,
        clock=w.clock,
        actor=w.actors["spokes"],
        incident_id=incident.id,
        text="关于食堂情况的通报",
    )
    for approver in w.approvers(incident.level or ""):
        statement = service.review_statement(
            session=w.session,
            clock=w.clock,
            actor=approver,
            statement_id=statement.id,
            decision="approve",
        )
    assert statement.status == "approved"
    service.publish_statement(
        session=w.session,
        clock=w.clock,
        actor=w.actors["spokes"],
        statement_id=statement.id,
        channel="官方微博",
        link="https://w.example/official/1",
    )


def test_a_most_severe_case_meets_every_deadline_and_lands_in_the_case_library(
    world: World,
) -> None:
    w = world
    s, c = w.session, w.clock
    incident = _open(w)
    assert incident.owner == "monitor1" and incident.stage == w.plan.stages[0].id
    service.confirm_level(
        session=s,
        clock=c,
        actor=w.actors["boss"],
        incident_id=incident.id,
        level=w.most_severe,
        reason="省级媒体转载",
    )
    drafts = reports.get_all(session=s, incident_id=incident.id)
    kinds = {r.kind for r in drafts}
    assert "initial" in kinds  # every example plan asks for a first report at its top level
    assert all(r.status == "draft" and r.fields["event_name"] for r in drafts)
    assert "3" in drafts[0].fields["scope"]  # prefilled from the event's facts (3 posts)
    running = clocks.get_all(session=s, incident_id=incident.id)
    assert {f"report:{k}" for k in kinds} <= {r.name for r in running}

    # Hand-over: the receiver stays owner until the next owner accepts.
    service.hand_over(
        session=s,
        clock=c,
        actor=w.actors["monitor1"],
        incident_id=incident.id,
        to="duty_office",
        reason="交办公室",
    )
    assert incident.owner == "monitor1"
    service.accept_handover(
        session=s, clock=c, actor=w.actors["duty_office"], incident_id=incident.id
    )
    assert incident.owner == "duty_office" and incident.handover_to is None

    c.advance(timedelta(minutes=10))
    for report in drafts:
        service.submit_report(
            session=s, clock=c, actor=w.actors["duty_office"], report_id=report.id
        )
    _approve_and_publish(w, incident)
    for stage in w.plan.stages[1:]:
        service.move_stage(
            session=s,
            clock=c,
            actor=w.actors["duty_office"],
            incident_id=incident.id,
            stage=stage.id,
        )
    for track in ("offline", "online"):
        task = service.add_task(
            session=s,
            clock=c,
            actor=w.actors["duty_office"],
            incident_id=incident.id,
            title=f"{track} 处置",
            owner="duty_office",
            track=track,
        )
        service.complete_task(session=s, clock=c, actor=w.actors["duty_office"], task_id=task.id)
    service.record_action(
        session=s,
        clock=c,
        actor=w.actors["spokes"],
        incident_id=incident.id,
        kind="official_reply",
        description="官方账号回复",
        evidence=["https://w.example/official/1"],
    )
    service.end_response(
        session=s, clock=c, actor=w.actors["boss"], incident_id=incident.id, reason="舆情平息"
    )
    closing = [
        r for r in reports.get_all(session=s, incident_id=incident.id) if r.kind == "closing"
    ]
    c.advance(timedelta(days=2))
    for report in closing:
        service.submit_report(
            session=s, clock=c, actor=w.actors["duty_office"], report_id=report.id
        )
    service.write_review(
        session=s,
        clock=c,
        actor=w.actors["duty_office"],
        incident_id=incident.id,
        summary="食堂事件处置总结",
        worked="响应快",
        failed="初报信息不全",
    )
    service.add_corrective_action(
        session=s,
        clock=c,
        actor=w.actors["boss"],
        incident_id=incident.id,
        title="食堂检查制度",
        owner="duty_office",
        due_at=c.now() + timedelta(days=30),
    )
    service.close_incident(session=s, clock=c, actor=w.actors["boss"], incident_id=incident.id)
    s.commit()

    states = {
        (r.name, r.number): (r.state, r.late_minutes)
        for r in clocks.get_all(session=s, incident_id=incident.id)
    }
    done = {k: v for k, v in states.items() if v[0] not in ("cancelled", "stopped")}
    assert done and all(v == ("met", 0) for v in done.values()), states
    # Only the next progress report was still due when the response ended: it stopped.
    stopped = [name for (name, _n), (state, _m) in states.items() if state == "stopped"]
    assert set(stopped) <= {"report:progress"}, states
    found = cases.search(session=s, actor=w.actors["boss"], query="食堂")
    assert [case.incident_id for case in found] == [incident.id]
    document = json.loads(json.dumps(found[0].document))  # exportable as JSON
    assert len(document["posts"]) == 3 and document["posts"][0]["text"].startswith("家长说")
    assert document["review"]["summary"] == "食堂事件处置总结"
    actions = set(s.scalars(select(AuditEntry.action)))
    assert {"incident.opened", "incident.level_confirmed", "incident.closed"} <= actions


def test_a_late_report_is_recorded_late_with_its_minutes(world: World) -> None:
    w = world
    incident = _open(w)
    service.confirm_level(
        session=w.session,
        clock=w.clock,
        actor=w.actors["boss"],
        incident_id=incident.id,
        level=w.most_severe,
    )
    initial = next(
        r
        for r in reports.get_all(session=w.session, incident_id=incident.id)
        if r.kind == "initial"
    )
    running = clocks.find(w.session, incident.id, "report:initial")
    assert running is not None
    w.clock.set(running.due_at + timedelta(minutes=25, seconds=10))
    service.submit_report(
        session=w.session, clock=w.clock, actor=w.actors["boss"], report_id=initial.id
    )
    assert (running.state, running.late_minutes) == ("missed", 26)


def test_an_unapproved_statement_cannot_be_published(world: World) -> None:
    w = world
    incident = _open(w)
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
        text="初稿",
    )
    with pytest.raises(Conflict, match="not approved"):
        service.publish_statement(
            session=w.session,
            clock=w.clock,
            actor=w.actors["spokes"],
            statement_id=statement.id,
            channel="官方微博",
        )
    assert statement.status == "in_review" and statement.published_at is None
    # The first step is not the author's own to take, nor anybody's but its holder's.
    with pytest.raises(Forbidden):
        service.review_statement(
            session=w.session,
            clock=w.clock,
            actor=w.actors["monitor1"],
            statement_id=statement.id,
            decision="approve",
        )


def test_the_author_may_not_approve_their_own_statement(world: World) -> None:
    w = world
    incident = _open(w)
    service.confirm_level(
        session=w.session,
        clock=w.clock,
        actor=w.actors["boss"],
        incident_id=incident.id,
        level=w.most_severe,
    )
    first = w.approvers(w.most_severe)[0]
    statement = service.draft_statement(
        session=w.session, clock=w.clock, actor=first, incident_id=incident.id, text="初稿"
    )
    with pytest.raises(Forbidden, match="own statement"):
        service.review_statement(
            session=w.session,
            clock=w.clock,
            actor=first,
            statement_id=statement.id,
            decision="approve",
        )
    assert statements.approvals(w.session, statement.id) == []


def test_refusals_change_nothing(world: World) -> None:
    w = world
    incident = _open(w)
    required = w.plan.stages[2:]
    with pytest.raises(Conflict, match="cannot skip the required stage"):
        service.move_stage(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            incident_id=incident.id,
            stage=required[-1].id,
        )
    assert incident.stage == w.plan.stages[0].id
    version = incident.version
    service.confirm_level(
        session=w.session,
        clock=w.clock,
        actor=w.actors["boss"],
        incident_id=incident.id,
        level=w.most_severe,
        expected_version=version,
    )
    with pytest.raises(Conflict, match="changed meanwhile"):  # a second person, same version
        service.confirm_level(
            session=w.session,
            clock=w.clock,
            actor=w.actors["duty_office"],
            incident_id=incident.id,
            level=w.plan.levels[-1].id,
            expected_version=version,
        )
    assert incident.level == w.most_severe
    task = service.add_task(
        session=w.session,
        clock=w.clock,
        actor=w.actors["boss"],
        incident_id=incident.id,
        title="核实",
        owner="boss",
        track="offline",
    )
    with pytest.raises(Conflict, match="still open"):
        service.end_response(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            incident_id=incident.id,
            reason="结束",
        )
    assert incident.status == "open" and task.status == "open"
    with pytest.raises(Forbidden):
        service.end_response(
            session=w.session,
            clock=w.clock,
            actor=w.actors["duty_office"],
            incident_id=incident.id,
            reason="结束",
        )
    initial = w.session.scalars(select(Report).where(Report.kind == "initial")).first()
    assert initial is not None
    service.submit_report(
        session=w.session, clock=w.clock, actor=w.actors["boss"], report_id=initial.id
    )
    with pytest.raises(Conflict, match="never edited in place"):
        service.update_report(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            report_id=initial.id,
            fields={"cause": "改"},
        )
    revised = service.revise_report(
        session=w.session, clock=w.clock, actor=w.actors["boss"], report_id=initial.id
    )
    assert (revised.revision, revised.corrects, revised.status) == (2, initial.id, "draft")
    assert "cause" in initial.fields and initial.fields["cause"] == ""


def test_reminder_before_and_escalation_after_a_deadline_go_through_the_outbox(
    world: World,
) -> None:
    w = world
    from yuqing.alerts import service as alerts_service
    from yuqing.alerts.plan_routes import route_for

    event_id = add_event(w.session, w.clock)
    route = route_for(w.plan, w.most_severe)
    assert route is not None
    alert = alerts_service.raise_alert(
        session=w.session,
        clock=w.clock,
        event_id=event_id,
        level=w.most_severe,
        level_rank=1,
        title="t",
        text="t",
        route=route,
    )
    assert alert is not None
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], alert_id=alert.id
    )
    assert incident.proposed_level == w.most_severe and incident.origin == "alert"
    service.confirm_level(
        session=w.session,
        clock=w.clock,
        actor=w.actors["boss"],
        incident_id=incident.id,
        level=w.most_severe,
    )
    first_due = min(r.due_at for r in clocks.get_all(session=w.session, incident_id=incident.id))
    w.clock.set(first_due - w.plan.response.remind_before + timedelta(minutes=1))
    checked = service.check_deadlines(session=w.session, clock=w.clock)
    assert checked.reminded >= 1 and checked.deliveries >= 1
    w.clock.set(first_due + timedelta(minutes=1))
    assert service.check_deadlines(session=w.session, clock=w.clock).escalated >= 1
    purposes = set(w.session.scalars(select(Delivery.purpose)))
    assert {"deadline-rem", "deadline-esc"} <= purposes
    again = service.check_deadlines(session=w.session, clock=w.clock)  # once each, not again
    assert (again.reminded, again.escalated, again.deliveries) == (0, 0, 0)


def test_a_tip_opens_a_case_and_a_confidential_one_is_hidden(world: World) -> None:
    w = world
    from yuqing.core.errors import NotFound
    from yuqing.incidents.service.access import get_visible

    incident = service.open_incident(
        session=w.session,
        clock=w.clock,
        actor=w.actors["duty_office"],
        tip_channel="phone",
        tip_text="家长来电反映食堂问题",
        confidential=True,
        readers=["spokes"],
    )
    assert incident.origin == "tip" and incident.title.startswith("家长来电")
    get_visible(w.session, w.actors["spokes"], incident.id)
    with pytest.raises(NotFound):
        get_visible(w.session, w.actors["monitor1"], incident.id)
    seen = service.get_all(session=w.session, actor=w.actors["monitor1"])
    assert incident not in seen
