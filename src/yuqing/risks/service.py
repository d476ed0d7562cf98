"""The risk register's rules: who reads and writes which risk point, the version check,
one status per point and month, overdue points, and the audit trail of every change.

Roles (docs/risks.md): admin, office and leader read and write every point; a
`department` user reads and writes the points its department leads or is responsible
for; an auditor reads them all. Every write appends to the hash-chained audit trail in
the same transaction as the change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yuqing.core.i18n import _, pgettext
from yuqing.plan import service as plan_service
from yuqing.risks.models import RiskMonth, RiskPoint

STATUSES: tuple[str, ...] = ("open", "mitigated", "closed")
EDIT_STATUSES: tuple[str, ...] = ("open", "mitigated")  # closing and re-opening are their own
# Roles that read and write every point; a department user only its department's.
WRITERS: frozenset[str] = frozenset({"admin", "office", "leader"})
READERS: frozenset[str] = WRITERS | {"auditor", "department"}
DEFAULT_ZONE = "Asia/Shanghai"  # CONTRACTS: naive time means Asia/Shanghai

MAX_TITLE = 500
MAX_NAME = 100  # a department id, a domain
MAX_PERSON = 200
MAX_TEXT = 20_000  # one cell of the register: a long paragraph, never a document
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
# NUL (PostgreSQL refuses it), the other C0 controls but tab, CR and LF, DEL, surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")  # a name: no line breaks


def status_label(status: str) -> str:
    """A status in words (未化解, 已缓解, 已销号)."""
    words = {
        "open": pgettext("risk status", "open"),
        "mitigated": pgettext("risk status", "mitigated"),
        "closed": pgettext("risk status", "closed"),
    }
    return words.get(status, status)


# --- input ---------------------------------------------------------------------------


def _within(value: str, field: str, limit: int) -> str:
    if len(value) > limit:
        raise InvalidInput(
            _("longer than {limit} characters ({length})").format(limit=limit, length=len(value)),
            where=field,
        )
    return value


def text(value: str | None, field: str, *, limit: int = MAX_TEXT) -> str:
    """A free text field, kept as written (line breaks included), or refused in one line."""
    value = (value or "").strip()
    if _CONTROL.search(value):
        raise InvalidInput(_("must not contain control characters"), where=field)
    return _within(value, field, limit)


def name(value: str | None, field: str, *, limit: int = MAX_NAME) -> str:
    """A one-line name (a department, a domain, a person)."""
    value = (value or "").strip()
    if _LINE_CONTROL.search(value):
        raise InvalidInput(_("must be one line without control characters"), where=field)
    return _within(value, field, limit)


def parse_month(value: str, field: str = "month") -> str:
    """`YYYY-MM`, checked (2026-13 and 26-3 are refused)."""
    value = value.strip()
    if not MONTH.fullmatch(value) or not 2000 <= int(value[:4]) <= 2099:
        raise InvalidInput(
            _("expected a month like 2026-03, got {value!r}").format(value=value[:20]), where=field
        )
    return value


def parse_day(value: str, field: str = "deadline") -> date | None:
    """A day `YYYY-MM-DD` ("" is none)."""
    value = value.strip()
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            _("expected a day like 2026-03-31, got {value!r}").format(value=value[:20]),
            where=field,
        ) from None


def _title(value: str | None) -> str:
    title = name(value, "title", limit=MAX_TITLE)
    if not title:
        raise InvalidInput(_("a risk point needs a title"), where="title")
    return title


def _known_departments(session: Session) -> set[str]:
    plan = plan_service.get_active_plan(session=session)
    names = {d.name for d in auth_service.get_all_departments(session=session)}
    return names | ({unit.id for unit in plan.units} if plan is not None else set())


def _departments(
    session: Session, lead: str | None, others: Iterable[str]
) -> tuple[str, list[str]]:
    """The lead department and the responsible ones, each known to the store or the plan
    (when either names any), the lead not repeated among the others."""
    lead = name(lead, "lead_department")
    if not lead:
        raise InvalidInput(_("a risk point needs a lead department"), where="lead_department")
    responsible: list[str] = []
    for other in others:
        other = name(other, "departments")
        if other and other != lead and other not in responsible:
            responsible.append(other)
    known = _known_departments(session)
    for department in (lead, *responsible):
        if known and department not in known:
            raise InvalidInput(
                _("unknown department '{name}'").format(name=department),
                where="lead_department" if department == lead else "departments",
            )
    return lead, responsible


# --- time ----------------------------------------------------------------------------


def zone(session: Session) -> ZoneInfo:
    plan = plan_service.get_active_plan(session=session)
    return ZoneInfo(plan.organization.timezone if plan else DEFAULT_ZONE)


def today(*, session: Session, clock: Clock) -> date:
    """The day it is where the organization is (a deadline is such a day)."""
    return clock.now().astimezone(zone(session)).date()


def current_month(*, session: Session, clock: Clock) -> str:
    return today(session=session, clock=clock).strftime("%Y-%m")


def is_overdue(point: RiskPoint, day: date) -> bool:
    """Still open the day after its deadline (a mitigated or closed point is not)."""
    return point.status == "open" and point.deadline is not None and point.deadline < day


# --- access --------------------------------------------------------------------------


def _units(point: RiskPoint) -> set[str]:
    return {point.lead_department, *point.departments}


def may_read(actor: Actor, point: RiskPoint) -> bool:
    if actor.role == "department":
        return actor.department in _units(point)
    return actor.role in READERS


def may_write(actor: Actor, point: RiskPoint) -> bool:
    if actor.role == "department":
        return actor.department in _units(point)
    return actor.role in WRITERS


def _require_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise Forbidden(
            _("{what} needs one of the roles {roles}; {name} is {role}").format(
                what=_("the risk register"),
                roles=", ".join(sorted(READERS)),
                name=actor.name,
                role=actor.role,
            )
        )


def _require_writer(actor: Actor, point: RiskPoint) -> None:
    if may_write(actor, point):
        return
    if actor.role == "department":
        raise Forbidden(
            _("{name}'s department {department} neither leads nor shares risk point {id}").format(
                name=actor.name, department=actor.department, id=point.id or "-"
            )
        )
    raise Forbidden(
        _("{what} needs one of the roles {roles}; {name} is {role}").format(
            what=_("changing the risk register"),
            roles=", ".join(sorted(WRITERS | {"department"})),
            name=actor.name,
            role=actor.role,
        )
    )


def get_or_raise(*, session: Session, actor: Actor, risk_id: int) -> RiskPoint:
    """The point; one the actor may not read reads as missing."""
    _require_reader(actor)
    point = session.get(RiskPoint, risk_id)
    if point is None or not may_read(actor, point):
        raise NotFound(_("no risk point {id}").format(id=risk_id))
    return point


def _changeable(
    session: Session, actor: Actor, risk_id: int, expected_version: int | None
) -> RiskPoint:
    point = get_or_raise(session=session, actor=actor, risk_id=risk_id)
    _require_writer(actor, point)
    if expected_version is not None and expected_version != point.version:
        raise Conflict(
            _(
                "risk point {id} was changed meanwhile (now version {now}, yours {yours}): "
                "reload it and try again"
            ).format(id=point.id, now=point.version, yours=expected_version)
        )
    return point


# --- the record ----------------------------------------------------------------------


def _snapshot(point: RiskPoint) -> dict[str, Any]:
    return {
        "title": point.title,
        "description": point.description,
        "domain": point.domain,
        "lead_department": point.lead_department,
        "departments": list(point.departments),
        "owner": point.owner,
        "measures": point.measures,
        "deadline": point.deadline.isoformat() if point.deadline else None,
        "status": point.status,
        "close_reason": point.close_reason,
    }


def _month_snapshot(row: RiskMonth) -> dict[str, str]:
    return {
        "month": row.month,
        "situation": row.situation,
        "measures": row.measures,
        "effect": row.effect,
        "next_steps": row.next_steps,
        "note": row.note,
        "recorded_by": row.recorded_by,
    }


def _audit(
    session: Session,
    clock: Clock,
    actor: Actor,
    action: str,
    point: RiskPoint,
    before: Any,
    after: Any,
) -> None:
    auth_service.record(
        session=session,
        clock=clock,
        actor=actor.name,
        action=f"risk.{action}",
        target=f"risk:{point.id}",
        before=before,
        after=after,
    )


def _store(session: Session, point: RiskPoint) -> None:
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict(
            _("risk point {id} was changed meanwhile: reload it and try again").format(id=point.id)
        ) from None


def add_risk(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    title: str,
    lead_department: str,
    description: str = "",
    domain: str | None = None,
    departments: Sequence[str] = (),
    owner: str | None = None,
    measures: str = "",
    deadline: date | None = None,
) -> RiskPoint:
    """A new open risk point; a department user must name its own department."""
    _require_reader(actor)
    lead, responsible = _departments(session, lead_department, departments)
    now = clock.now()
    point = RiskPoint(
        title=_title(title),
        description=text(description, "description"),
        domain=name(domain, "domain") or None,
        lead_department=lead,
        departments=responsible,
        owner=name(owner, "owner", limit=MAX_PERSON) or None,
        measures=text(measures, "measures"),
        deadline=deadline,
        status="open",
        created_at=now,
        created_by=actor.name,
        updated_at=now,
        updated_by=actor.name,
    )
    if actor.role == "department" and not may_write(actor, point):
        raise Forbidden(
            _(
                "{name}'s department {department} must lead or be responsible for the risk point"
            ).format(name=actor.name, department=actor.department)
        )
    _require_writer(actor, point)
    session.add(point)
    session.flush()
    _audit(session, clock, actor, "created", point, None, _snapshot(point))
    return point


UPDATABLE = (
    "title",
    "description",
    "domain",
    "lead_department",
    "departments",
    "owner",
    "measures",
    "deadline",
    "status",
)


def update_risk(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    risk_id: int,
    expected_version: int | None = None,
    changes: dict[str, Any],
) -> RiskPoint:
    """Change the fields named in `changes` (a key with None clears domain, owner or
    deadline); the status only between open and mitigated."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise InvalidInput(_("cannot change '{field}'").format(field=unknown[0]), where=unknown[0])
    point = _changeable(session, actor, risk_id, expected_version)
    before = _snapshot(point)
    if "lead_department" in changes or "departments" in changes:
        # First: resolving them reads the store, which would flush fields changed before
        # it, and every flush of a point is a version (one edit must be one version).
        lead = changes.get("lead_department") or point.lead_department
        others = changes.get("departments", point.departments)
        lead, others = _departments(session, lead, others or [])
        if (lead, others) != (point.lead_department, list(point.departments)):
            point.lead_department, point.departments = lead, others
        if actor.role == "department" and not may_write(actor, point):
            # A department may hand a point on, but not out of its own reach by mistake.
            raise Forbidden(
                _("{name}'s department {department} must stay lead or responsible").format(
                    name=actor.name, department=actor.department
                )
            )
    if "title" in changes:
        point.title = _title(changes["title"])
    if "description" in changes:
        point.description = text(changes["description"], "description")
    if "domain" in changes:
        point.domain = name(changes["domain"], "domain") or None
    if "owner" in changes:
        point.owner = name(changes["owner"], "owner", limit=MAX_PERSON) or None
    if "measures" in changes:
        point.measures = text(changes["measures"], "measures")
    if "deadline" in changes:
        deadline = changes["deadline"]
        point.deadline = parse_day(deadline) if isinstance(deadline, str) else deadline
    if "status" in changes:
        status = changes["status"]
        if point.status == "closed":
            raise Conflict(_("risk point {id} is closed: re-open it first").format(id=point.id))
        if status not in EDIT_STATUSES:
            raise InvalidInput(
                _("unknown status '{value}' (expected one of: {allowed})").format(
                    value=str(status)[:20], allowed=", ".join(EDIT_STATUSES)
                ),
                where="status",
            )
        point.status = status
    after = _snapshot(point)
    if after == before:
        return point
    point.updated_at = clock.now()
    point.updated_by = actor.name
    _store(session, point)
    changed = sorted(k for k in after if after[k] != before[k])
    _audit(session, clock, actor, "changed", point,
           {k: before[k] for k in changed}, {k: after[k] for k in changed})  # fmt: skip
    return point


def _set_status(
    session: Session,
    clock: Clock,
    actor: Actor,
    risk_id: int,
    expected_version: int | None,
    *,
    closing: bool,
    reason: str,
) -> RiskPoint:
    point = _changeable(session, actor, risk_id, expected_version)
    if closing == (point.status == "closed"):
        raise Conflict(
            (
                _("risk point {id} is closed already")
                if closing
                else _("risk point {id} is not closed")
            ).format(id=point.id)
        )
    before = {"status": point.status, "close_reason": point.close_reason}
    point.status = "closed" if closing else "open"
    point.close_reason = text(reason, "reason") or None if closing else None
    point.updated_at = clock.now()
    point.updated_by = actor.name
    _store(session, point)
    after = {"status": point.status, "close_reason": point.close_reason}
    _audit(session, clock, actor, "closed" if closing else "reopened", point, before, after)
    return point


def close_risk(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    risk_id: int,
    expected_version: int | None = None,
    reason: str = "",
) -> RiskPoint:
    """Close the point (销号): the risk is resolved; its months stay in the register."""
    return _set_status(
        session, clock, actor, risk_id, expected_version, closing=True, reason=reason
    )


def reopen_risk(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    risk_id: int,
    expected_version: int | None = None,
) -> RiskPoint:
    """Open a closed point again (the risk came back)."""
    return _set_status(session, clock, actor, risk_id, expected_version, closing=False, reason="")


def record_month(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    risk_id: int,
    month: str | None = None,
    situation: str = "",
    measures: str = "",
    effect: str = "",
    next_steps: str = "",
    note: str = "",
) -> RiskMonth:
    """The point's status for `month` (this month when None); a second one for the same
    month replaces the first, and the audit trail keeps what it said."""
    point = _changeable(session, actor, risk_id, None)
    if point.status == "closed":
        raise Conflict(_("risk point {id} is closed: re-open it first").format(id=point.id))
    month = parse_month(month) if month else current_month(session=session, clock=clock)
    fields = {
        "situation": text(situation, "situation"),
        "measures": text(measures, "measures"),
        "effect": text(effect, "effect"),
        "next_steps": text(next_steps, "next_steps"),
        "note": text(note, "note"),
    }
    if not any(fields.values()):
        raise InvalidInput(
            _("say something of the month: situation, measures, effect, next steps or note")
        )
    row = session.scalar(
        select(RiskMonth).where(RiskMonth.risk_id == point.id, RiskMonth.month == month)
    )
    before = _month_snapshot(row) if row is not None else None
    if row is None:
        row = RiskMonth(risk_id=point.id, month=month)
        session.add(row)
    for key, value in fields.items():
        setattr(row, key, value)
    row.recorded_at = clock.now()
    row.recorded_by = actor.name
    session.flush()
    action = "month_replaced" if before is not None else "month_recorded"
    _audit(session, clock, actor, action, point, before, _month_snapshot(row))
    return row


# --- reading -------------------------------------------------------------------------


@dataclass
class Listed:
    """A point as the register lists it for one month."""

    point: RiskPoint
    month: RiskMonth | None  # its status for the month asked, if recorded
    overdue: bool

    @property
    def month_missing(self) -> bool:
        return self.month is None and self.point.status != "closed"


def get_all(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    month: str | None = None,
    department: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    missing: bool = False,
    limit: int = 1000,
) -> tuple[str, list[Listed]]:
    """The month asked (this one by default) and the points the actor may read, oldest
    first (the register's 序号), with their status for that month. `missing`: only those
    not closed with no status for the month."""
    _require_reader(actor)
    month = parse_month(month) if month else current_month(session=session, clock=clock)
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            _("unknown status '{value}' (expected one of: {allowed})").format(
                value=status[:20], allowed=", ".join(STATUSES)
            ),
            where="status",
        )
    query = select(RiskPoint).order_by(RiskPoint.id)
    if status is not None:
        query = query.where(RiskPoint.status == status)
    points = [p for p in session.scalars(query) if may_read(actor, p)]
    if department:
        points = [p for p in points if department in _units(p)]
    ids = [p.id for p in points]
    months = {
        row.risk_id: row
        for row in session.scalars(
            select(RiskMonth).where(RiskMonth.month == month, RiskMonth.risk_id.in_(ids))
        )
    } if ids else {}  # fmt: skip
    day = today(session=session, clock=clock)
    found = [Listed(p, months.get(p.id), is_overdue(p, day)) for p in points]
    if overdue:
        found = [row for row in found if row.overdue]
    if missing:
        found = [row for row in found if row.month_missing]
    return month, found[:limit]


def months_of(*, session: Session, actor: Actor, risk_id: int) -> list[RiskMonth]:
    """The point's monthly status, newest month first."""
    point = get_or_raise(session=session, actor=actor, risk_id=risk_id)
    return list(
        session.scalars(
            select(RiskMonth).where(RiskMonth.risk_id == point.id).order_by(RiskMonth.month.desc())
        )
    )
