"""The alerts page `/alerts`: alerts newest first with their deliveries and each
delivery's attempts, and the acknowledgement (reminders and escalation stop).

A department user sees the alerts of events routed to their department. Acknowledging
goes to the audit trail (alerts/service.py records it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts import service
from yuqing.alerts.attempts import (
    channel_name,
    delivery_status,
    outcome_label,
    recipient_names,
    shown_address,
)
from yuqing.alerts.models import Alert, Delivery, DeliveryAttempt
from yuqing.analysis.models import Event
from yuqing.analysis.pages import departments_of
from yuqing.auth.schemas import Actor, Role
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.incidents.service.access import OPENERS
from yuqing.plan import service as plan_service
from yuqing.plan.wording import level_name
from yuqing.web.deps import ClockDep, Scope, SessionDep, require_role
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
ACKNOWLEDGERS: tuple[Role, ...] = ("admin", "office", "leader", "monitor", "department")
SHOWN = 100


def _scoped(session: Session, alerts: list[Alert], department: str | None) -> list[Alert]:
    if department is None:
        return alerts
    events = {
        e.id: e
        for e in session.scalars(select(Event).where(Event.id.in_({a.event_id for a in alerts})))
    }
    return [
        a
        for a in alerts
        if a.event_id in events and department in departments_of(events[a.event_id])
    ]


def deliveries_of(session: Session, alert_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each alert's deliveries, each with its attempts (oldest first)."""
    if not alert_ids:
        return {}
    deliveries = session.scalars(
        select(Delivery).where(Delivery.alert_id.in_(alert_ids)).order_by(Delivery.id)
    ).all()
    attempts: dict[int, list[DeliveryAttempt]] = defaultdict(list)
    for attempt in session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
        .order_by(DeliveryAttempt.id)
    ):
        attempts[attempt.delivery_id].append(attempt)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for delivery in deliveries:
        if delivery.alert_id is None:
            continue  # a notice's (not one of these alerts'): `in_` never picks it
        out[delivery.alert_id].append({"delivery": delivery, "attempts": attempts[delivery.id]})
    return out


@router.get("/alerts", response_class=HTMLResponse, tags=["pages"])
def read_alerts(
    request: Request,
    user: Annotated[Actor, Depends(page_roles("/alerts"))],
    session: SessionDep,
    scope: Scope,
    open_only: bool = False,
) -> HTMLResponse:
    """Alerts newest first, with deliveries and attempts; the open ones can be acknowledged."""
    alerts = list(service.get_all(session=session, open_only=open_only, limit=SHOWN))
    alerts = _scoped(session, alerts, scope.department)
    plan = plan_service.get_active_plan(session=session)
    return render(request, "alerts/alerts.html", {
        "alerts": alerts,
        "levels": {a.id: level_name(plan, a.level) for a in alerts},
        "deliveries": deliveries_of(session, [a.id for a in alerts]),
        "delivery_status": delivery_status,
        "channel_name": channel_name,
        # A recipient is kept by the plan's id (wang_jianguo): people read its name.
        "recipient_names": recipient_names(plan),
        "outcome": outcome_label,
        "shown_address": shown_address,
        "may_ack": user.role in ACKNOWLEDGERS,
        "may_open": user.role in OPENERS,
        "open_only": open_only,
        "zone": ZoneInfo(request.app.state.settings.timezone),
    })  # fmt: skip


@router.post("/alerts/{alert_id}/ack", tags=["pages"])
def acknowledge_alert(
    alert_id: int,
    user: Annotated[Actor, Depends(require_role(*ACKNOWLEDGERS))],
    session: SessionDep,
    clock: ClockDep,
    scope: Scope,
) -> RedirectResponse:
    """Acknowledge an alert as the signed-in user."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(_("no alert {alert_id}").format(alert_id=alert_id))
    event = session.get(Event, alert.event_id)
    scope.check(departments_of(event) if event else frozenset())
    if alert.acknowledged_at is None:
        service.acknowledge(session=session, clock=clock, alert_id=alert_id, by=user.name,
                            actor=user.name)  # fmt: skip
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)
