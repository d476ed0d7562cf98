"""The demo's incident: the hottest event with a proposed level opened as a case by the
demo monitor and its level confirmed by the demo leader, so a newcomer sees the report
drafts and their deadlines (docs/incidents.md)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import LevelDecision
from yuqing.analysis.facts import DEPARTMENTS
from yuqing.analysis.models import Event
from yuqing.auth import service as auth_service
from yuqing.core.clock import Clock
from yuqing.core.i18n import _
from yuqing.incidents import service
from yuqing.incidents.models import Incident
from yuqing.incidents.service import clocks
from yuqing.incidents.wording import clock_label
from yuqing.plan import service as plan_service
from yuqing.plan.wording import level_name


def open_demo_incident(
    *, engine: Engine, clock: Clock, timezone: str, echo: Callable[[str], None]
) -> bool:
    """Open the demo's case once an event has a proposed level; whether one is open now."""
    with Session(engine) as session:
        if session.scalar(select(Incident.id).limit(1)) is not None:
            return True  # opened before (a demo resumed in its home)
        found = session.execute(
            select(Event, LevelDecision.proposed_level)
            .join(LevelDecision, LevelDecision.event_id == Event.id)
            .order_by(Event.heat.desc())
            .limit(1)
        ).first()
        if found is None:
            return False
        event, level = found
        monitor = auth_service.actor_of(
            auth_service.get_user_or_raise(session=session, name="monitor")
        )
        leader = auth_service.actor_of(
            auth_service.get_user_or_raise(session=session, name="leader")
        )
        # Led by the department the event is routed to (the canteen story: 后勤处), so the
        # demo's department user works on the case too.
        routed = event.extra.get(DEPARTMENTS) or []
        incident = service.open_incident(
            session=session, clock=clock, actor=monitor, event_ids=[event.id],
            lead_department=routed[0] if routed else None,
        )  # fmt: skip
        service.confirm_level(
            session=session, clock=clock, actor=leader, incident_id=incident.id, level=level
        )
        plan = plan_service.get_active_plan(session=session)
        zone = ZoneInfo(timezone)
        echo(
            "\n"
            + _("Incident {id} opened from the hottest event, level {level} confirmed:").format(
                id=incident.id, level=level_name(plan, level)
            )
        )
        for row in clocks.get_all(session=session, incident_id=incident.id):
            due = row.due_at.astimezone(zone).strftime("%m-%d %H:%M")
            # In words (初次报告), with the plan's line that sets the deadline.
            line = _("  {clock} #{number}, due {due} (plan: {source})")
            echo(line.format(clock=clock_label(row.name), number=row.number, due=due,
                             source=row.source))  # fmt: skip
        session.commit()
    return True
