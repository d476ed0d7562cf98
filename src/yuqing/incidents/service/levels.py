"""Levels of an incident: proposed (by the system or anyone), confirmed by a role that
may, each with its history. A confirmed level drafts at once the reports the plan
requires for it and starts their deadline clocks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.incidents.models import Incident
from yuqing.incidents.service import clocks, reports
from yuqing.incidents.service.access import HANDLERS, LEVEL_DECIDERS, get_changeable, record
from yuqing.plan.schema import Plan


def _known(plan: Plan, level: str) -> None:
    known = [lvl.id for lvl in plan.levels]
    if level not in known:
        raise InvalidInput(
            _("unknown level {value!r}; the plan has {known}").format(
                value=level, known=", ".join(known)
            ),
            where="level",
        )


def propose_level(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    level: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    incident, plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        roles=HANDLERS | {"monitor"},
        what=_("proposing a level"),
    )
    _known(plan, level)
    before, incident.proposed_level = incident.proposed_level, level
    record(
        session,
        clock,
        incident,
        actor.name,
        "level_proposed",
        before=before,
        after=level,
        reason=reason,
    )
    return incident


def required_reports(plan: Plan, level: str) -> list[str]:
    """The report kinds drafted when `level` is confirmed (the closing one waits)."""
    listed = plan.response.reports.get(level)
    kinds = listed if listed is not None else ["initial", "flash", "special", "progress"]
    return [k for k in kinds if k != "closing" and clocks.has_deadline(plan, level, k)]


def confirm_level(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    level: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Confirm (or change) the level: drafts and clocks for the reports the plan requires
    at that level that have no clock yet. A report kind already clocked keeps its clock
    (a rise to a stricter level adds the kinds the new level asks for, and no more)."""
    incident, plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        roles=LEVEL_DECIDERS,
        what=_("confirming a level"),
    )
    _known(plan, level)
    before = incident.level
    incident.level = level
    now = clock.now()
    for kind in required_reports(plan, level):
        name = clocks.report_clock(kind)
        if any(
            c.name == name and c.state != "cancelled"
            for c in clocks.get_all(session=session, incident_id=incident.id)
        ):
            continue
        report = reports.draft(session, clock, incident, plan, kind, "system")
        due, source = clocks.due_for(plan, incident, kind, now)
        clocks.start(session, incident, name, report.number, source, incident.discovered_at, due)
    if clocks.has_deadline(plan, level, clocks.ANSWER) and not clocks.find(
        session, incident.id, clocks.ANSWER
    ):
        due, source = clocks.due_for(plan, incident, clocks.ANSWER, now)
        clocks.start(session, incident, clocks.ANSWER, 1, source, incident.discovered_at, due)
    record(
        session,
        clock,
        incident,
        actor.name,
        "level_confirmed",
        before=before,
        after=level,
        reason=reason,
    )
    return incident
