"""An incident to report on: the school plan, an event with posts (two negative), the
incident opened by a monitor, its level confirmed by a leader (so the plan's report
drafts exist), a person's edit of the initial report, and an official reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.incidents.conftest import World, add_event
from yuqing.analysis.models import EventPost
from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import FrozenClock
from yuqing.incidents import service as incidents
from yuqing.incidents.models import Incident, Report
from yuqing.monitor.models import StoredPost
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

EDITED_CAUSE = "食材储存不当，冷库温控失灵"  # a person's edit of the initial report
REVIEW_SUMMARY = "食堂事件处置总结：当日核实、次日通报"


@dataclass(frozen=True)
class IncidentCase:
    incident: int
    store: Store
    monitor: Actor
    leader: Actor
    office: Actor


def _actor(session: Session, clock: FrozenClock, name: str, role: str) -> Actor:
    existing = auth_service.get_user(session=session, name=name)
    if existing is None:
        existing = auth_service.create_user(
            session=session, clock=clock, actor="test", name=name, role=role, password=None
        )
    return auth_service.actor_of(existing)


def open_reported_incident(store: Store, clock: FrozenClock) -> IncidentCase:
    with Session(store.engine) as session:
        plan_service.load(
            session=session,
            clock=clock,
            author="test",
            text=example_plan_text("school"),
            source_name="school.yaml",
        )
        plan = plan_service.get_active_plan(session=session)
        assert plan is not None
        monitor = _actor(session, clock, "monitor1", "monitor")
        leader = _actor(session, clock, "boss", "leader")
        office = _actor(session, clock, "duty_office", "office")
        add_event(session, clock, "ev-1", posts=3)
        for post in session.scalars(select(StoredPost).order_by(StoredPost.pk).limit(2)):
            post.sentiment_label = "negative"
        incident = incidents.open_incident(
            session=session,
            clock=clock,
            actor=monitor,
            event_ids=["ev-1"],
            category="食品安全",
            lead_department="office",
        )
        level = plan.levels_by_severity()[-1].id
        incidents.confirm_level(
            session=session, clock=clock, actor=leader, incident_id=incident.id, level=level
        )
        initial = session.scalar(
            select(Report).where(Report.incident_id == incident.id, Report.kind == "initial")
        )
        if initial is None:
            initial = incidents.create_report(
                session=session, clock=clock, actor=monitor, incident_id=incident.id, kind="initial"
            )
        incidents.update_report(
            session=session,
            clock=clock,
            actor=monitor,
            report_id=initial.id,
            fields={"cause": EDITED_CAUSE, "measures": "已封存食材并送检"},
        )
        incidents.record_action(
            session=session,
            clock=clock,
            actor=office,
            incident_id=incident.id,
            kind="official_reply",
            description="学校官网发布情况说明",
            evidence=["https://school.example/notice"],
        )
        session.commit()
        return IncidentCase(incident.id, store, monitor, leader, office)


@pytest.fixture(name="incident_case")
def incident_case_fixture(store: Store, clock: FrozenClock) -> IncidentCase:
    return open_reported_incident(store, clock)


NEW_SOURCE = "news.example"  # the site the event reaches after the first report


def _world(session: Session, clock: FrozenClock, case: IncidentCase) -> World:
    plan = plan_service.get_active_plan(session=session)
    assert plan is not None
    actors = {a.name: a for a in (case.monitor, case.leader, case.office)}
    return World(session, clock, plan, actors)


def _add_posts(session: Session, clock: FrozenClock, n: int) -> None:
    """`n` posts joining ev-1 from a site it had not reached; the first is negative."""
    now = clock.now()
    for i in range(n):
        post = StoredPost(
            uid=f"later-{i}",
            post_id=f"later{i}",
            source=NEW_SOURCE,
            url=f"https://news.example/{i}",
            title=f"后续 {i}",
            text=f"媒体跟进报道食堂事件 {i}",
            folded=f"媒体跟进报道食堂事件 {i}",
            published_at=now - timedelta(minutes=5 - i),
            received_at=now,
            content_key=f"later{i}",
            sentiment_label="negative" if i == 0 else "neutral",
        )
        session.add(post)
        session.flush()
        session.add(EventPost(event_id="ev-1", post_pk=post.pk, joined_at=now))
    session.flush()


def _approve_and_publish(w: World, incident: Incident) -> None:
    """A statement through the level's whole approval chain, then published."""
    spokes = w.add("spokes", "spokesperson")
    incidents.update_fact_sheet(
        session=w.session,
        clock=w.clock,
        actor=spokes,
        incident_id=incident.id,
        facts="3 名学生不适，已送医",
        wording="",
    )
    statement = incidents.draft_statement(
        session=w.session,
        clock=w.clock,
        actor=spokes,
        incident_id=incident.id,
        text="关于食堂情况的通报",
    )
    chain = w.approvers(incident.level or "")
    # The departments in the chain help on the incident (helpers named at opening), so
    # their heads may see it to approve.
    incident.helpers = [a.department for a in chain if a.department]
    for approver in chain:
        statement = incidents.review_statement(
            session=w.session,
            clock=w.clock,
            actor=approver,
            statement_id=statement.id,
            decision="approve",
        )
    assert statement.status == "approved"
    incidents.publish_statement(
        session=w.session,
        clock=w.clock,
        actor=spokes,
        statement_id=statement.id,
        channel="官方微博",
        link="https://w.example/official/1",
    )


def advance_to_progress(case: IncidentCase, clock: FrozenClock) -> None:
    """The initial report submitted; then two posts from a new site, a statement
    approved and published, and a correction of the initial report drafted."""
    with Session(case.store.engine) as session:
        w = _world(session, clock, case)
        initial = session.scalar(
            select(Report).where(Report.incident_id == case.incident, Report.kind == "initial")
        )
        assert initial is not None
        clock.advance(timedelta(minutes=10))
        incidents.submit_report(
            session=session, clock=clock, actor=case.office, report_id=initial.id
        )
        clock.advance(timedelta(hours=1))
        _add_posts(session, clock, 2)
        incident = session.get(Incident, case.incident)
        assert incident is not None
        _approve_and_publish(w, incident)
        clock.advance(timedelta(hours=2))
        incidents.revise_report(
            session=session, clock=clock, actor=case.office, report_id=initial.id
        )
        session.commit()


def close_course(case: IncidentCase, clock: FrozenClock) -> None:
    """After `advance_to_progress`: every stage, both lines of 双处置 done, the response
    ended, the closing report submitted, the review written, two 整改 items (one done)."""
    with Session(case.store.engine) as session:
        w = _world(session, clock, case)
        office = case.office
        for stage in w.plan.stages[1:]:
            clock.advance(timedelta(minutes=30))
            incidents.move_stage(
                session=session,
                clock=clock,
                actor=office,
                incident_id=case.incident,
                stage=stage.id,
            )
        for track in ("offline", "online"):
            task = incidents.add_task(
                session=session,
                clock=clock,
                actor=office,
                incident_id=case.incident,
                title=f"{track} 处置",
                owner=office.name,
                track=track,
            )
            incidents.complete_task(session=session, clock=clock, actor=office, task_id=task.id)
        incidents.end_response(
            session=session,
            clock=clock,
            actor=case.leader,
            incident_id=case.incident,
            reason="舆情平息",
        )
        clock.advance(timedelta(hours=3))
        for report in session.scalars(
            select(Report).where(
                Report.incident_id == case.incident,
                Report.kind == "closing",
                Report.status == "draft",
            )
        ):
            incidents.submit_report(session=session, clock=clock, actor=office, report_id=report.id)
        incidents.write_review(
            session=session,
            clock=clock,
            actor=office,
            incident_id=case.incident,
            summary=REVIEW_SUMMARY,
            worked="响应快，口径统一",
            failed="初报信息不全",
            evaluation="处置得当",
        )
        done = incidents.add_corrective_action(
            session=session,
            clock=clock,
            actor=case.leader,
            incident_id=case.incident,
            title="冷库温控巡检制度",
            owner="后勤处",
            due_at=clock.now() + timedelta(days=7),
        )
        incidents.add_corrective_action(
            session=session,
            clock=clock,
            actor=case.leader,
            incident_id=case.incident,
            title="食堂检查制度",
            owner="办公室",
            due_at=clock.now() + timedelta(days=30),
        )
        incidents.complete_corrective_action(
            session=session, clock=clock, actor=case.leader, action_id=done.id
        )
        session.commit()
