"""The plan's deadlines running for one incident: started, met or missed (minutes late),
and reminders before / escalation after through the alert outbox.

Every due time comes from `plan.deadlines` (STYLE §5): counted from discovery, on the
plan's calendar; progress reports at the plan's times of day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from yuqing.alerts import service as alerts_service
from yuqing.alerts.models import Alert
from yuqing.alerts.plan_routes import route_for
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.incidents.models import DeadlineClock, Incident, IncidentEvent
from yuqing.incidents.service.access import (
    SIGHT_COLUMNS,
    Sight,
    may_see,
    plan_of_version,
    record,
)
from yuqing.plan.deadlines import WorkCalendar, deadline, next_fixed_time
from yuqing.plan.response import REPORT_DEADLINES
from yuqing.plan.schema import Plan

ANSWER = "answer"  # the first public answer (first_answer_within), met by a publication
# The one clock meant to run after the response ends: the closing report and evaluation,
# due `closing_evaluation_within` from the end; every other one stops at the end.
AFTER_END: frozenset[str] = frozenset({"report:closing"})
# Rows `running_due_by` reads after its first look (twice the list's length): a later
# look only when the viewer may not see most of what came before.
DUE_BATCH = 100


def report_clock(kind: str) -> str:
    return f"report:{kind}"


def due_for(
    plan: Plan, incident: Incident, kind: str, after: datetime, *, restart: bool = False
) -> tuple[datetime, str]:
    """When a report of `kind` (or the first answer) is due for the incident's level, and
    where the plan says so. `after` is when the clock starts for progress reports, the
    closing report and every clock a rise of level restarts (`restart`); the others count
    from discovery."""
    assert incident.level is not None
    limits = plan.deadlines[incident.level]
    calendar = WorkCalendar.for_plan(plan)
    field = "first_answer_within" if kind == ANSWER else REPORT_DEADLINES[kind]
    source = f"deadlines.{incident.level}.{field}"
    if kind == "progress":
        return next_fixed_time(after, limits.progress_reports_at, calendar), source
    rule = getattr(limits, field)
    start = after if restart or kind == "closing" else incident.discovered_at
    return deadline(start, rule, calendar), source


def has_deadline(plan: Plan, level: str, kind: str) -> bool:
    limits = plan.deadlines.get(level)
    if limits is None:
        return False
    field = "first_answer_within" if kind == ANSWER else REPORT_DEADLINES[kind]
    return bool(getattr(limits, field))


def start(
    session: Session,
    incident: Incident,
    name: str,
    number: int,
    source: str,
    started_at: datetime,
    due_at: datetime,
) -> DeadlineClock:
    running = DeadlineClock(
        incident_id=incident.id,
        name=name,
        number=number,
        source=source,
        started_at=started_at,
        due_at=due_at,
        state="running",
    )
    session.add(running)
    session.flush()
    return running


def get_all(*, session: Session, incident_id: int) -> list[DeadlineClock]:
    return list(
        session.scalars(
            select(DeadlineClock)
            .where(DeadlineClock.incident_id == incident_id)
            .order_by(DeadlineClock.due_at, DeadlineClock.id)
        )
    )


@dataclass(frozen=True)
class DueClock:
    """A running clock as a list across incidents shows it (plain values: a list kept
    between requests holds no rows of a closed session)."""

    clock_id: int
    name: str  # report:initial, answer … (wording.clock_label puts it in words)
    number: int
    due_at: datetime
    incident_id: int
    title: str


def _due_query(until: datetime) -> Select[*tuple[Any, ...]]:
    return (
        select(
            DeadlineClock.id, DeadlineClock.name, DeadlineClock.number, DeadlineClock.due_at,
            Incident.id, Incident.title, Incident.plan_version, *SIGHT_COLUMNS,
        )
        .join(Incident, Incident.id == DeadlineClock.incident_id)
        .where(
            DeadlineClock.state == "running",
            DeadlineClock.due_at <= until,
            Incident.status != "closed",
        )
        .order_by(DeadlineClock.due_at, DeadlineClock.id)
    )  # fmt: skip


def first_due(*, session: Session, until: datetime, limit: int) -> tuple[tuple[Any, ...], ...]:
    """The rows `running_due_by` reads first for any viewer (plain values): what viewers
    can share, each then keeping those they may see (the dashboard, web/dashboard.py)."""
    rows = session.execute(_due_query(until).limit(2 * limit)).all()
    return tuple(tuple(row) for row in rows)


def running_due_by(
    *,
    session: Session,
    actor: Actor,
    until: datetime,
    limit: int,
    first: tuple[tuple[Any, ...], ...] | None = None,
) -> list[DueClock]:
    """The running clocks due by `until` (those overdue too) of the incidents not closed
    that `actor` may see (`may_see`, as the incident page decides), soonest first, at most
    `limit`. One indexed read (`ix_incident_clocks_running`) of twice `limit` rows, of
    the columns shown and those `may_see` reads (whole rows cost 0.2 ms each), and more,
    `DUE_BATCH` at a time, only while the viewer may see fewer than `limit` of them.
    `first`: that first read, made already (`first_due`, the same `until` and `limit`)."""
    query = _due_query(until)
    found: list[DueClock] = []
    plans: dict[int, Plan] = {}  # one read of each plan version, however many incidents
    looked, batch = 0, 2 * limit
    while len(found) < limit:
        if looked == 0 and first is not None:
            rows: Sequence[Any] = first
        else:
            rows = session.execute(query.offset(looked).limit(batch)).all()
        looked += len(rows)
        for clock_id, name, number, due_at, incident_id, title, version, *sight in rows:
            if version not in plans:
                plans[version] = plan_of_version(session, version)
            if not may_see(actor, Sight(*sight), plans[version]):
                continue
            found.append(DueClock(clock_id, name, number, due_at, incident_id, title))
            if len(found) >= limit:
                break
        if len(rows) < batch:
            break
        batch = DUE_BATCH
    return found


def find(session: Session, incident_id: int, name: str, number: int = 1) -> DeadlineClock | None:
    return session.scalar(
        select(DeadlineClock).where(
            DeadlineClock.incident_id == incident_id,
            DeadlineClock.name == name,
            DeadlineClock.number == number,
        )
    )


def find_running(session: Session, incident_id: int, name: str) -> DeadlineClock | None:
    """The running clock of that name (after a rise of level, the restarted one)."""
    return session.scalar(
        select(DeadlineClock)
        .where(
            DeadlineClock.incident_id == incident_id,
            DeadlineClock.name == name,
            DeadlineClock.state == "running",
        )
        .order_by(DeadlineClock.number.desc())
        .limit(1)
    )


def next_number(session: Session, incident_id: int, name: str) -> int:
    top = session.scalar(
        select(func.max(DeadlineClock.number)).where(
            DeadlineClock.incident_id == incident_id, DeadlineClock.name == name
        )
    )
    return (top or 0) + 1


def finish(clock_row: DeadlineClock, at: datetime) -> None:
    """Met when done by its due time, else missed with the whole minutes it was late."""
    if clock_row.state != "running":
        return
    clock_row.done_at = at
    late = (at - clock_row.due_at).total_seconds()
    if late <= 0:
        clock_row.state, clock_row.late_minutes = "met", 0
    else:
        clock_row.state, clock_row.late_minutes = "missed", math.ceil(late / 60)


def cancel_running(session: Session, incident_id: int, name: str) -> None:
    for row in session.scalars(
        select(DeadlineClock).where(
            DeadlineClock.incident_id == incident_id,
            DeadlineClock.name == name,
            DeadlineClock.state == "running",
        )
    ):
        row.state = "cancelled"


def stop_running(
    session: Session, incident_id: int, at: datetime, *, keep: frozenset[str] = frozenset()
) -> int:
    """The response ended (or the case closed): every running clock but those named in
    `keep` stops at `at` (`stopped`, `done_at`), neither met nor missed, so no reminder,
    escalation or count of running deadlines takes it for one still due. Returns how many
    stopped."""
    stopped = 0
    for row in session.scalars(
        select(DeadlineClock).where(
            DeadlineClock.incident_id == incident_id, DeadlineClock.state == "running"
        )
    ):
        if row.name in keep:
            continue
        row.state, row.done_at = "stopped", at
        stopped += 1
    session.flush()
    return stopped


def alert_of(session: Session, incident: Incident) -> Alert | None:
    """The alert the outbox hangs the incident's reminders on: its own, or its events'."""
    if incident.alert_id is not None:
        return session.get(Alert, incident.alert_id)
    return session.scalar(
        select(Alert)
        .join(IncidentEvent, IncidentEvent.event_id == Alert.event_id)
        .where(IncidentEvent.incident_id == incident.id)
        .order_by(Alert.level_rank, Alert.id)
        .limit(1)
    )


@dataclass(frozen=True)
class Checked:
    reminded: int
    escalated: int
    deliveries: int


def check(*, session: Session, clock: Clock) -> Checked:
    """Remind `response.remind_before` each running deadline and escalate once it passed.

    Each clock reminds once and escalates once (the times are recorded on it). Messages go
    through the alert outbox to the level's route (escalation to its `escalate_to`) when
    the incident has an alert to hang them on; either way the incident's log says so.
    """
    now = clock.now()
    reminded = escalated = sent = 0
    plans: dict[int, Plan] = {}  # by version: one read of each a round, not one a clock

    def plan_for(version: int) -> Plan:
        if version not in plans:
            plans[version] = plan_of_version(session, version)
        return plans[version]

    # Only the clocks that may need something now: it runs every worker tick (two
    # seconds) inside a write transaction, and reading every running clock with its
    # incident and plan held SQLite's write lock for 0.5 s and more with a few hundred
    # open incidents (bench/web.py --locks). The exact test per plan stays below.
    versions = session.scalars(
        select(Incident.plan_version)
        .join(DeadlineClock, DeadlineClock.incident_id == Incident.id)
        .where(DeadlineClock.state == "running")
        .distinct()
    ).all()
    if not versions:
        return Checked(0, 0, 0)
    ahead = max(plan_for(version).response.remind_before for version in versions)
    rows = session.scalars(
        select(DeadlineClock)
        .where(
            DeadlineClock.state == "running",
            or_(
                and_(DeadlineClock.escalated_at.is_(None), DeadlineClock.due_at <= now),
                and_(DeadlineClock.reminded_at.is_(None), DeadlineClock.due_at <= now + ahead),
            ),
        )
        .order_by(DeadlineClock.due_at, DeadlineClock.id)
    ).all()
    for row in rows:
        incident = session.get(Incident, row.incident_id)
        if incident is None or incident.level is None or incident.status == "closed":
            continue
        if incident.status == "ended" and row.name not in AFTER_END:
            continue  # stopped by the end in stores written since; older rows still say running
        plan = plan_for(incident.plan_version)
        purpose = None
        if now >= row.due_at and row.escalated_at is None:
            purpose, row.escalated_at = "escalation", now
            row.reminded_at = row.reminded_at or now
            escalated += 1
        elif now >= row.due_at - plan.response.remind_before and row.reminded_at is None:
            purpose, row.reminded_at = "reminder", now
            reminded += 1
        if purpose is None:
            continue
        route = route_for(plan, incident.level, now)
        alert = alert_of(session, incident)
        if route is not None and alert is not None:
            people = route.recipients
            if purpose == "escalation" and route.escalation:
                people = route.escalation[0]
            sent += alerts_service.add_deliveries(
                session,
                alert,
                people,
                purpose=f"deadline-{purpose[:3]}",
                round_no=row.id,
                not_before=now,
            )
        record(
            session,
            clock,
            incident,
            "system",
            f"deadline_{purpose}",
            after=f"{row.name}#{row.number}",
            reason=f"{row.source} due {row.due_at.isoformat()}",
        )
    return Checked(reminded, escalated, sent)
