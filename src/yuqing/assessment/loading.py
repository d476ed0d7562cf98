"""The rows an assessment counts, read from the incidents and alerts of a period.

The plan each incident was opened under says how long its approval chains are and how
its levels rank; alerts carry no plan version, so the plan in force says which of their
levels need a report and by when.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Alert
from yuqing.analysis.models import Event
from yuqing.analysis.pages import departments_of
from yuqing.assessment.service import (
    NO_DEPARTMENT,
    AlertRow,
    ClockRow,
    CorrectionRow,
    IncidentRow,
    LevelRiseRow,
    Period,
    ReplyRow,
    ReportRow,
    Rows,
    StatementRow,
)
from yuqing.auth.service import get_all_users
from yuqing.core.i18n import _
from yuqing.incidents.models import (
    Action,
    DeadlineClock,
    Incident,
    IncidentEvent,
    Report,
    Statement,
    StatementReview,
)
from yuqing.incidents.service.levels import required_reports
from yuqing.plan.deadlines import WorkCalendar, deadline
from yuqing.plan.schema import Plan
from yuqing.plan.service import get_active_plan, plan_of_version

# A report whose level or one of these fields changed in its correction is a candidate.
KEY_FIELDS: tuple[str, ...] = ("level", "scope", "harm")
# An alert this long before the period may still have its report deadline inside it.
ALERT_LOOKBACK = timedelta(days=31)


def load_rows(*, session: Session, period: Period) -> Rows:
    """The incidents in hand during `period` (opened before its end, not closed before
    its start) with their clocks, reports, statements and replies; the alerts raised in
    it (and a month before, whose report deadline may fall in it)."""
    incidents = list(
        session.scalars(
            select(Incident).where(
                Incident.opened_at < period.end,
                or_(Incident.closed_at.is_(None), Incident.closed_at >= period.start),
            )
        )
    )
    plans: dict[int, Plan] = {}

    def plan_for(version: int) -> Plan:
        if version not in plans:
            plans[version] = plan_of_version(session=session, version=version)
        return plans[version]

    by_id = {i.id: i for i in incidents}
    ids = list(by_id)
    rows = Rows()
    statements = _in(session, Statement, Statement.incident_id, ids)
    published: dict[int, Any] = {}
    for s in statements:
        if s.published_at is not None:
            first = published.get(s.incident_id)
            published[s.incident_id] = min(first, s.published_at) if first else s.published_at
    for i in incidents:
        rows.incidents.append(
            IncidentRow(
                id=i.id,
                title=_("(confidential)") if i.confidential else i.title,
                lead=i.lead_department or NO_DEPARTMENT,
                helpers=tuple(i.helpers or ()),
                owner=i.owner,
                discovered_at=i.discovered_at,
                opened_at=i.opened_at,
                first_published_at=published.get(i.id),
            )
        )
    for c in _in(session, DeadlineClock, DeadlineClock.incident_id, ids):
        rows.clocks.append(
            ClockRow(c.incident_id, c.name, c.number, c.due_at, c.state, c.done_at, c.late_minutes)
        )
    reports = [
        r
        for r in _in(session, Report, Report.incident_id, ids)
        if r.status == "submitted" and r.submitted_at is not None
    ]
    _reports(rows, reports, by_id, plan_for)
    _statements(session, rows, statements, by_id, plan_for)
    _alerts(session, rows, period)
    return rows


def people_names(*, session: Session) -> dict[str, str]:
    """The names people read, by sign-in name: a user's display name, else the name of
    the plan person of the same id (the plan in force)."""
    plan = get_active_plan(session=session)
    names = {person.id: person.name for person in plan.people} if plan is not None else {}
    for user in get_all_users(session=session):
        if user.display_name:
            names[user.name] = user.display_name
    return names


def _in(session: Session, model: Any, column: Any, ids: list[int]) -> list[Any]:
    """The rows of `model` whose `column` is among `ids`, read a thousand ids at a time."""
    found: list[Any] = []
    for n in range(0, len(ids), 1000):
        found.extend(session.scalars(select(model).where(column.in_(ids[n : n + 1000]))))
    return found


def _reports(rows: Rows, reports: list[Report], by_id: dict[int, Incident], plan_for: Any) -> None:
    by_report = {r.id: r for r in reports}
    first_initial: dict[int, Report] = {}
    for r in sorted(reports, key=lambda r: (r.submitted_at, r.id)):
        rows.reports.append(
            ReportRow(r.id, r.incident_id, r.kind, r.submitted_at, r.submitted_by or "")  # type: ignore[arg-type]
        )
        if r.kind == "initial":
            first_initial.setdefault(r.incident_id, r)
        earlier = by_report.get(r.corrects) if r.corrects is not None else None
        if earlier is None:
            continue
        changed = tuple(
            k for k in KEY_FIELDS if (earlier.fields or {}).get(k) != (r.fields or {}).get(k)
        )
        rows.corrections.append(
            CorrectionRow(
                report_id=r.id,
                corrects=earlier.id,
                incident_id=r.incident_id,
                submitted_at=r.submitted_at,  # type: ignore[arg-type]
                earlier_by=earlier.submitted_by or "",
                changed=changed,
            )
        )
    for incident_id, r in first_initial.items():
        incident = by_id[incident_id]
        if incident.level is None:
            continue
        plan = plan_for(incident.plan_version)
        ranks = {level.name: level.rank for level in plan.levels}
        ranks.update({level.id: level.rank for level in plan.levels})
        said = str((r.fields or {}).get("level") or "")
        try:
            confirmed = plan.level(incident.level)
        except KeyError:
            continue
        if said in ranks and confirmed.rank < ranks[said]:  # rank 1 is the most severe
            rows.rises.append(
                LevelRiseRow(
                    incident_id=incident_id,
                    report_id=r.id,
                    submitted_at=r.submitted_at,  # type: ignore[arg-type]
                    submitted_by=r.submitted_by or "",
                    reported=said,
                    confirmed=confirmed.name,
                )
            )


def _statements(
    session: Session,
    rows: Rows,
    statements: list[Statement],
    by_id: dict[int, Incident],
    plan_for: Any,
) -> None:
    """Published statements and their approvals; official replies and whether an
    approved statement of the incident stood behind them by then."""
    reviews: dict[int, list[StatementReview]] = {}
    for review in _in(session, StatementReview, StatementReview.statement_id,
                      [s.id for s in statements]):  # fmt: skip
        if review.decision == "approve":
            reviews.setdefault(review.statement_id, []).append(review)
    approved_at: dict[int, list[Any]] = {}
    for s in statements:
        plan = plan_for(by_id[s.incident_id].plan_version)
        chain = len(plan.approvals.get(s.level or "", []))
        approvals = sorted(reviews.get(s.id, []), key=lambda r: (r.at, r.id))
        if len(approvals) >= chain:
            done = approvals[chain - 1].at if chain else s.created_at
            approved_at.setdefault(s.incident_id, []).append(done)
        if s.published_at is not None:
            rows.statements.append(
                StatementRow(s.id, s.incident_id, s.published_at, len(approvals), chain)
            )
    for a in _in(session, Action, Action.incident_id, list(by_id)):
        if a.kind != "official_reply":
            continue
        backed = any(at <= a.at for at in approved_at.get(a.incident_id, []))
        rows.replies.append(ReplyRow(a.id, a.incident_id, a.at, a.actor, backed))


def _alerts(session: Session, rows: Rows, period: Period) -> None:
    alerts = list(
        session.scalars(
            select(Alert).where(
                Alert.created_at >= period.start - ALERT_LOOKBACK, Alert.created_at < period.end
            )
        )
    )
    if not alerts:
        return
    plan = get_active_plan(session=session)
    calendar = WorkCalendar.for_plan(plan) if plan is not None else None
    event_ids = sorted({a.event_id for a in alerts})
    events: dict[str, Event] = {e.id: e for e in _in(session, Event, Event.id, event_ids)}  # type: ignore[arg-type]
    covered: dict[str, Any] = {}
    for n in range(0, len(event_ids), 1000):
        for event_id, at in session.execute(
            select(IncidentEvent.event_id, func.min(Incident.opened_at))
            .join(Incident, Incident.id == IncidentEvent.incident_id)
            .where(IncidentEvent.event_id.in_(event_ids[n : n + 1000]))
            .group_by(IncidentEvent.event_id)
        ):
            covered[event_id] = at
    own: dict[int, Any] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Incident.alert_id, func.min(Incident.opened_at))
            .where(Incident.alert_id.in_([a.id for a in alerts]))
            .group_by(Incident.alert_id)
        ).all()
    )
    for a in alerts:
        name, due = a.level, None
        if plan is not None and calendar is not None and a.level in plan.deadlines:
            name = plan.level(a.level).name if a.level in {lv.id for lv in plan.levels} else a.level
            rule = plan.deadlines[a.level].report_within
            if rule is not None and "initial" in required_reports(plan, a.level):
                due = deadline(a.created_at, rule, calendar)
        times = [t for t in (covered.get(a.event_id), own.get(a.id)) if t is not None]
        event = events.get(a.event_id)
        rows.alerts.append(
            AlertRow(
                id=a.id,
                event_id=a.event_id,
                title=a.title,
                level=name,
                created_at=a.created_at,
                acknowledged_at=a.acknowledged_at,
                acknowledged_by=a.acknowledged_by,
                departments=tuple(sorted(departments_of(event))) if event is not None else (),
                report_due_at=due,
                incident_at=min(times) if times else None,
            )
        )
