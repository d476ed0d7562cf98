"""One round of alert work: reminders and escalation (of alerts and of incident
deadlines), the risk register's monthly status reminders, then the due deliveries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts import service as alerts_service
from yuqing.alerts.dispatcher import SendFn, dispatch_due
from yuqing.alerts.models import Alert
from yuqing.alerts.plan_routes import route_for
from yuqing.alerts.routing import RoutePlan
from yuqing.core.clock import Clock
from yuqing.db.engine import session_scope
from yuqing.incidents.service.clocks import check as check_deadlines
from yuqing.plan import service as plan_service
from yuqing.risks.reminders import remind_missing_status


def alert_round(
    *, sessions: sessionmaker[Session], clock: Clock, send: SendFn
) -> tuple[list[int], Sequence[int]]:
    """Remind and escalate where nobody acknowledged; send what is due. Returns the ids."""
    with session_scope(sessions) as session:
        # Every tick: the plan comes from the parse-once cache (one parse per version).
        plan = plan_service.get_active_plan(session=session)

        def routes(alert: Alert) -> RoutePlan | None:
            return route_for(plan, alert.level) if plan is not None else None

        reminded = alerts_service.run_reminders(session=session, clock=clock, route_for=routes)
        # Incident deadlines remind and escalate through the same outbox, sent just below.
        check_deadlines(session=session, clock=clock)
        if plan is not None:  # so do the register's lead departments, once a month
            remind_missing_status(session=session, clock=clock, plan=plan)
    sent = dispatch_due(sessions=sessions, clock=clock, send=send)
    return reminded, sent
