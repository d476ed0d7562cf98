"""The monthly status reminder: from the plan's due day (`risks.status_due_day`, the 25th
by default, at `risks.status_remind_at`, 09:00, in the plan's zone) the worker reminds
each risk point's lead department of a month with no status recorded yet.

Once per point and month: a `risk_reminders` row, unique on both, is written in the
same transaction as the outbox's deliveries and the `risk.status_reminded` audit entry,
so a restarted worker finds it and does not remind again. The messages go through the
alert outbox (deliveries that are no alert's, in their own words) to the people of the
lead department's unit in the plan, on `risks.status_channels` (e-mail by default),
addressed as routes address them: e-mail and SMS to each person, one group-robot
message for the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from yuqing.alerts import service as alerts_service
from yuqing.alerts.plan_routes import reach
from yuqing.alerts.routing import Recipient
from yuqing.auth import service as auth_service
from yuqing.core.clock import Clock
from yuqing.core.i18n import _
from yuqing.plan import handling
from yuqing.plan.deadlines import WorkCalendar
from yuqing.plan.schema import Plan
from yuqing.risks.models import RiskMonth, RiskPoint, RiskReminder

PURPOSE = "risk-status"  # the deliveries' purpose (`yuqing alerts` shows it)


def status_month_due(plan: Plan, now: datetime) -> str | None:
    """The month (`YYYY-MM`) whose status is due for a reminder at `now`: this month once
    its due day and time came, in the plan's zone; None before then or when turned off."""
    rules = plan.risks
    if rules.status_due_day is None:
        return None
    local = WorkCalendar.for_plan(plan).local(now)
    due = local.replace(
        day=rules.status_due_day,
        hour=rules.status_remind_at.hour,
        minute=rules.status_remind_at.minute,
        second=0,
        microsecond=0,
    )
    return local.strftime("%Y-%m") if local >= due else None


def lead_recipients(plan: Plan, department: str) -> list[Recipient]:
    """The people of the department's unit in the plan on `risks.status_channels`; []
    when the plan has no such unit (a department only the store knows)."""
    if department not in {unit.id for unit in plan.units}:
        return []
    return reach(plan, [handling.Recipient(unit=department)], plan.risks.status_channels)


@dataclass(frozen=True)
class Reminded:
    month: str | None  # the month due now, None before its due day
    points: int  # points reminded this round
    deliveries: int  # messages queued for them


def remind_missing_status(*, session: Session, clock: Clock, plan: Plan) -> Reminded:
    """Remind the lead department of every point not closed with no status for the month
    due and no reminder for it yet, in the caller's transaction. Cheap before the due day
    (no read at all) and after everyone was reminded (one indexed read)."""
    now = clock.now()
    month = status_month_due(plan, now)
    if month is None:
        return Reminded(None, 0, 0)
    recorded = exists().where(RiskMonth.risk_id == RiskPoint.id, RiskMonth.month == month)
    reminded = exists().where(RiskReminder.risk_id == RiskPoint.id, RiskReminder.month == month)
    points = session.scalars(
        select(RiskPoint)
        .where(RiskPoint.status != "closed", ~recorded, ~reminded)
        .order_by(RiskPoint.id)
    ).all()
    due_day = f"{month}-{plan.risks.status_due_day:02d}"
    sent = 0
    for point in points:
        recipients = lead_recipients(plan, point.lead_department)
        queued = alerts_service.add_notice(
            session,
            recipients,
            subject=_("Risk point status due: {title}").format(title=point.title),
            body=_(
                "Risk point {id} “{title}” has no monthly status for {month} yet (due "
                "{day}). Record it on the risk register page or with: "
                "yuqing risk status {id} --month {month}"
            ).format(id=point.id, title=point.title, month=month, day=due_day),
            purpose=PURPOSE,
            key=f"risk:{point.id}:{month}",
            not_before=now,
        )
        session.add(
            RiskReminder(
                risk_id=point.id,
                month=month,
                department=point.lead_department,
                reminded_at=now,
                deliveries=queued,
            )
        )
        auth_service.record(
            session=session,
            clock=clock,
            actor="system",
            action="risk.status_reminded",
            target=f"risk:{point.id}",
            after={"month": month, "department": point.lead_department, "deliveries": queued},
        )
        sent += queued
    session.flush()
    return Reminded(month, len(points), sent)
