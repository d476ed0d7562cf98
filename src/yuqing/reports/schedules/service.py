"""Running the plan's report schedules: each due time once, generated or skipped.

A schedule is due at its time of day (`at`, in the plan's zone) on each matching day:
every day (daily), its weekday (weekly, bulletin), its day of the month (monthly). The
report covers the period of its kind that ended last before the due time, so a weekly
report due Monday 08:00 covers the Monday to Sunday just gone.

Exactly once: every due time gets one `ReportRun` row, unique per (schedule, due time),
committed with its files and delivery rows. A worker looks at the due times after the
schedule's last run (or, for a new schedule, after the plan version naming it was
loaded), so a restarted worker catches up what it missed and repeats nothing. It looks
back at most `CATCH_UP`: a store switched off for a season does not flood mailboxes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yuqing.alerts.plan_routes import reach
from yuqing.alerts.routing import Recipient
from yuqing.core.clock import Clock
from yuqing.core.errors import YuQingError
from yuqing.core.i18n import _
from yuqing.plan import service as plan_service
from yuqing.plan.deadlines import WorkCalendar
from yuqing.plan.report_schedules import ReportSchedule
from yuqing.plan.schema import Plan
from yuqing.reports import figures as figures_mod
from yuqing.reports import service as reports_service
from yuqing.reports import templates_store
from yuqing.reports.document import DocumentInfo, summary, title
from yuqing.reports.periods import Period, default_period
from yuqing.reports.schedules.models import ReportDelivery, ReportFile, ReportRun

log = logging.getLogger(__name__)

CATCH_UP = timedelta(days=62)  # two months: a monthly report missed by a long outage
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "json": "application/json",
}

# Renders figures into one format: `reports.service.render` with the kind's template.
Renderer = Callable[[figures_mod.Figures, DocumentInfo, reports_service.Format, str | None], bytes]


def _render(
    figures: figures_mod.Figures,
    doc: DocumentInfo,
    fmt: reports_service.Format,
    template: str | None,
) -> bytes:
    return reports_service.render(figures, doc, fmt, template=template)


def due_times(
    schedule: ReportSchedule, calendar: WorkCalendar, after: datetime, until: datetime
) -> Iterator[datetime]:
    """The schedule's due times (aware UTC) in (after, until], oldest first."""
    day = calendar.local(after).date()
    last = calendar.local(until).date()
    while day <= last:
        if _matches(schedule, day):
            due = calendar.at(day, schedule.at)
            if after < due <= until:
                yield due
        day += timedelta(days=1)


def _matches(schedule: ReportSchedule, day: date) -> bool:
    if schedule.kind == "daily":
        return True
    if schedule.kind == "monthly":
        return day.day == schedule.month_day
    return day.weekday() == schedule.weekday_number  # weekly, bulletin


@dataclass(frozen=True)
class RunOutcome:
    schedule_id: str
    due_at: datetime
    status: str  # generated | skipped | failed
    run_id: int


def run_due_schedules(
    *, session: Session, clock: Clock, render: Renderer = _render
) -> list[RunOutcome]:
    """Generate (or skip) every due time of the active plan's schedules not run yet."""
    version = plan_service.get_active(session=session)
    if version is None:
        return []
    # Parsed once per version (plan_service.parse): this runs every worker tick.
    plan = plan_service.parse(version)
    if not plan.report_schedules:
        return []
    now = clock.now()
    calendar = WorkCalendar.for_plan(plan)
    outcomes = []
    for schedule in plan.report_schedules:
        last = session.scalar(
            select(func.max(ReportRun.due_at)).where(ReportRun.schedule_id == schedule.id)
        )
        after = max(last or version.loaded_at, now - CATCH_UP)
        for due in due_times(schedule, calendar, after, now):
            run = _run_once(
                session=session,
                clock=clock,
                plan=plan,
                plan_version=version.version,
                schedule=schedule,
                due=due,
                render=render,
            )
            if run is not None:
                outcomes.append(RunOutcome(schedule.id, due, run.status, run.id))
    return outcomes


def _run_once(
    *,
    session: Session,
    clock: Clock,
    plan: Plan,
    plan_version: int,
    schedule: ReportSchedule,
    due: datetime,
    render: Renderer,
) -> ReportRun | None:
    """One due time in a savepoint: None when another worker recorded it first."""
    calendar = WorkCalendar.for_plan(plan)
    period = default_period(schedule.kind, now=due, zone=calendar.zone)
    run = ReportRun(
        schedule_id=schedule.id,
        kind=schedule.kind,
        due_at=due,
        period_start=period.start,
        period_end=period.end,
        status="generated",
        plan_version=plan_version,
        created_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()  # the unique (schedule, due) claims the run before the work
            day = calendar.local(due).date()
            if schedule.working_days and not calendar.is_workday(day):
                run.status = "skipped"
                run.reason = _("{day} is not a working day").format(day=day.isoformat())
            else:
                _generate(session, clock, plan, schedule, run, period, render)
    except IntegrityError:
        return None  # another worker holds this due time
    except YuQingError as exc:
        # Bad plan data (an unknown watch or department …): record it, do not retry it
        # every round.
        log.warning("report schedule %s at %s failed: %s", schedule.id, due, exc)
        failed = ReportRun(
            schedule_id=schedule.id,
            kind=schedule.kind,
            due_at=due,
            period_start=period.start,
            period_end=period.end,
            status="failed",
            reason=str(exc)[:2000],
            plan_version=plan_version,
            created_at=clock.now(),
        )
        session.add(failed)
        session.flush()
        return failed
    return run


def _generate(
    session: Session,
    clock: Clock,
    plan: Plan,
    schedule: ReportSchedule,
    run: ReportRun,
    period: Period,
    render: Renderer,
) -> None:
    figures = figures_mod.compute(
        session=session,
        kind=schedule.kind,
        period=period,
        watch=schedule.watch,
        plan=plan,
        department=schedule.department,
    )
    doc = DocumentInfo(organization=plan.organization.name, issued=period.end.date())
    run.title = f"{title(figures)} {period.start.date().isoformat()}"
    run.summary = summary(figures)
    template = templates_store.active_source(session=session, kind=schedule.kind)
    scope = f"{schedule.department}-" if schedule.department else ""
    stem = f"{schedule.kind}-{scope}{period.start.date().isoformat()}"
    for fmt in schedule.formats:
        data = render(figures, doc, fmt, template)
        session.add(
            ReportFile(
                run_id=run.id,
                format=fmt,
                filename=f"{stem}.{fmt}",
                media_type=MEDIA_TYPES[fmt],
                sha256=hashlib.sha256(data).hexdigest(),
                content=data,
            )
        )
    now = clock.now()
    for recipient in recipients(plan, schedule):
        digest = hashlib.sha256(f"{recipient.channel}:{recipient.address}".encode()).hexdigest()
        session.add(
            ReportDelivery(
                run_id=run.id,
                recipient=recipient.id,
                recipient_name=recipient.name,
                channel=recipient.channel,
                address=recipient.address,
                idempotency_key=f"report-{run.id}-{digest[:24]}",
                status="pending",
                attempts=0,
                not_before=now,
            )
        )
    session.flush()


def recipients(plan: Plan, schedule: ReportSchedule) -> list[Recipient]:
    """Who gets a schedule's report, once per channel and address."""
    found = reach(plan, list(schedule.recipients), schedule.channels)
    found += [Recipient(id=a, name=a, channel="email", address=a) for a in schedule.emails]
    unique: dict[tuple[str, str], Recipient] = {}
    for recipient in found:
        unique.setdefault((recipient.channel, recipient.address), recipient)
    return list(unique.values())


def get_runs(*, session: Session, limit: int = 50) -> list[ReportRun]:
    """The latest runs, newest first."""
    query = select(ReportRun).order_by(ReportRun.due_at.desc(), ReportRun.id.desc())
    return list(session.scalars(query.limit(limit)))
