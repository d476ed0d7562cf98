"""An incident to report on: the school plan, an event with posts (two negative), the
incident opened by a monitor, its level confirmed by a leader (so the plan's report
drafts exist), a person's edit of the initial report, and an official reply."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.incidents.conftest import add_event
from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import FrozenClock
from yuqing.incidents import service as incidents
from yuqing.incidents.models import Report
from yuqing.monitor.models import StoredPost
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

EDITED_CAUSE = "食材储存不当，冷库温控失灵"  # a person's edit of the initial report


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
