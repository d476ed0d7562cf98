"""A period report of one department (docs/reports.md "Scope").

Posts carry no department: an event does, once routing sent it there (the watches its
posts matched, or an administrator; `extra["departments"]`, analysis/pages.py
`departments_of`). So a department's report covers the events routed to that department
as the store has them when the report is made: their posts published in the period,
their levels and the alerts raised on them; and the incidents the department leads or
helps with that were in hand during the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from yuqing.analysis.models import Event
from yuqing.auth.models import Department
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.incidents.models import Incident
from yuqing.monitor.models import Watch
from yuqing.plan.schema import Plan
from yuqing.reports.periods import Period

LEGACY_KEY = "department"  # one department, as stores written by hand still say


@dataclass
class DepartmentIncident:
    """An incident the department leads or helps with, as a period report lists it."""

    id: int
    title: str
    role: str  # lead | helper
    level: str | None  # the plan's name of its level (confirmed, else proposed)
    status: str  # open | ended | closed
    opened_at: str  # ISO 8601 in the report's zone
    ended_at: str | None
    closed_at: str | None


def known_departments(*, session: Session, plan: Plan | None) -> set[str]:
    """The departments a report may name: the departments table, the plan's units, and
    those the watches route to (a watch file may name one nobody signs in for)."""
    names = set(session.scalars(select(Department.name)))
    names |= {unit.id for unit in plan.units} if plan is not None else set()
    names |= {d for d in session.scalars(select(Watch.department).distinct()) if d}
    return names


def check_department(*, session: Session, department: str, plan: Plan | None) -> None:
    """Refuse a department nothing in the store or the plan names (as an unknown watch)."""
    if department not in known_departments(session=session, plan=plan):
        raise NotFound(_("unknown department '{name}'").format(name=department))


def routed_to(session: Session, department: str) -> ColumnElement[bool]:
    """Whether an event is routed to `department`: `departments_of(event)` in SQL, so a
    year of events is never read into Python to pick a department's few."""
    if session.get_bind().dialect.name == "postgresql":
        extra = type_coerce(Event.extra, JSONB)
        return or_(
            extra["departments"].contains([department]),
            extra[LEGACY_KEY].astext == department,
        )
    each = func.json_each(Event.extra, "$.departments").table_valued("value")
    return or_(
        exists(select(1).select_from(each).where(each.c.value == department)),
        func.json_extract(Event.extra, f"$.{LEGACY_KEY}") == department,
    )


def routed_events(session: Session, department: str) -> Select[str]:
    """The ids of the events routed to `department`, as a subquery."""
    return select(Event.id).where(routed_to(session, department))


def incidents_of(
    *, session: Session, department: str, period: Period, plan: Plan | None
) -> list[DepartmentIncident]:
    """The incidents `department` leads or helps with that were in hand during `period`:
    opened before its end and not closed before its start, oldest first.

    A confidential incident is left out: a report goes to people it does not name.
    """
    names = {level.id: level.name for level in plan.levels} if plan else {}
    zone = period.start.tzinfo
    rows = session.scalars(
        select(Incident)
        .where(
            Incident.opened_at < period.end,
            or_(Incident.closed_at.is_(None), Incident.closed_at >= period.start),
            Incident.confidential.is_(False),
        )
        .order_by(Incident.opened_at, Incident.id)
    )
    found = []
    for incident in rows:
        # The helpers are a JSON list: picked here, among the incidents of the period.
        if incident.lead_department == department:
            role = "lead"
        elif department in (incident.helpers or ()):
            role = "helper"
        else:
            continue
        level = incident.level or incident.proposed_level
        found.append(
            DepartmentIncident(
                id=incident.id,
                title=incident.title,
                role=role,
                level=names.get(level, level) if level else None,
                status=incident.status,
                opened_at=incident.opened_at.astimezone(zone).isoformat(),
                ended_at=_local(incident.ended_at, zone),
                closed_at=_local(incident.closed_at, zone),
            )
        )
    return found


def _local(at: Any, zone: Any) -> str | None:
    return at.astimezone(zone).isoformat() if at is not None else None


def in_events(column: Any, events: Select[str] | None) -> list[ColumnElement[bool]]:
    """The condition that `column` (an event id) is among `events`; none when all count."""
    return [] if events is None else [column.in_(events)]
