"""Who may see and change an incident, the version check, and the one place a change is
recorded (the incident's log and the hash-chained audit trail together)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from yuqing.auth import audit
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, Forbidden, NotFound
from yuqing.core.i18n import _
from yuqing.incidents.models import Incident, IncidentLog
from yuqing.incidents.wording import label
from yuqing.plan import service as plan_service
from yuqing.plan.schema import Plan

# Roles that open incidents (the monitor who found it is its first receiver).
OPENERS: frozenset[str] = frozenset({"admin", "office", "leader", "monitor", "department"})
# Roles that work on an incident (a department only on its own or those it helps with).
HANDLERS: frozenset[str] = frozenset({"admin", "office", "leader", "department", "spokesperson"})
# Roles that confirm a level (the system and monitors only propose: P2 第四条).
LEVEL_DECIDERS: frozenset[str] = frozenset({"admin", "office", "leader"})
# Roles that propose a level: whoever works on the case, and the monitor who saw it rise.
LEVEL_PROPOSERS: frozenset[str] = HANDLERS | {"monitor"}


def plan_of(session: Session, incident: Incident) -> Plan:
    """The plan version the incident was opened under (a later plan does not change it)."""
    return plan_of_version(session, incident.plan_version)


def plan_of_version(session: Session, version: int) -> Plan:
    return plan_service.plan_of_version(session=session, version=version)  # parsed once


class Seen(Protocol):
    """What decides who sees an incident: an `Incident`, or those columns of it alone (a
    list across incidents reads no more)."""

    @property
    def confidential(self) -> bool: ...
    @property
    def owner(self) -> str: ...
    @property
    def opened_by(self) -> str: ...
    @property
    def handover_to(self) -> str | None: ...
    @property
    def readers(self) -> Sequence[str]: ...
    @property
    def lead_department(self) -> str | None: ...
    @property
    def helpers(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Sight:
    """The columns of an incident `may_see` reads (`Seen`), read without the whole row."""

    confidential: bool
    owner: str
    opened_by: str
    handover_to: str | None
    readers: list[str]
    lead_department: str | None
    helpers: list[str]


SIGHT_COLUMNS = (
    Incident.confidential,
    Incident.owner,
    Incident.opened_by,
    Incident.handover_to,
    Incident.readers,
    Incident.lead_department,
    Incident.helpers,
)


def may_see(actor: Actor, incident: Seen, plan: Plan) -> bool:
    if incident.confidential:
        named = {incident.owner, incident.opened_by, incident.handover_to, *incident.readers}
        return actor.name in named or actor.role in plan.response.confidential_roles
    if actor.role == "department":
        return actor.department in {incident.lead_department, *incident.helpers} or (
            actor.name in {incident.owner, incident.handover_to}
        )
    return True


def get_visible(session: Session, actor: Actor, incident_id: int) -> tuple[Incident, Plan]:
    """The incident and its plan; one the actor may not see reads as missing."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(_("no incident {id}").format(id=incident_id))
    plan = plan_of(session, incident)
    if not may_see(actor, incident, plan):
        # Confidential cases are not confirmed to exist to those not named in them.
        raise NotFound(_("no incident {id}").format(id=incident_id))
    return incident, plan


def require_role(actor: Actor, roles: Iterable[str], what: str) -> None:
    allowed = sorted(roles)
    if actor.role not in allowed:
        raise Forbidden(
            _("{what} needs one of the roles {roles}; {name} is {role}").format(
                what=what, roles=", ".join(allowed), name=actor.name, role=actor.role
            )
        )


def get_changeable(
    session: Session,
    actor: Actor,
    incident_id: int,
    expected_version: int | None,
    *,
    roles: Iterable[str] = HANDLERS,
    what: str,
    open_only: bool = True,
) -> tuple[Incident, Plan]:
    """The incident, once the actor may change it and nobody changed it meanwhile."""
    incident, plan = get_visible(session, actor, incident_id)
    if not (roles is HANDLERS and actor.name == incident.owner):
        require_role(actor, roles, what)  # the owner works on their case whatever their role
    if expected_version is not None and expected_version != incident.version:
        raise Conflict(
            _(
                "incident {id} was changed meanwhile (now version {now}, yours {yours}): "
                "reload it and try again"
            ).format(id=incident.id, now=incident.version, yours=expected_version)
        )
    if open_only and incident.status != "open":
        raise Conflict(
            _("incident {id} is {status}: nothing more can change").format(
                id=incident.id, status=label(incident.status)
            )
        )
    return incident, plan


def record(
    session: Session,
    clock: Clock,
    incident: Incident,
    actor: str,
    kind: str,
    *,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> None:
    """Log one change of the incident and append it to the audit trail; raises the
    incident's version, refusing the change when another one got in first."""
    now = clock.now()
    session.add(
        IncidentLog(
            incident_id=incident.id,
            at=now,
            actor=actor,
            kind=kind,
            before=None if before is None else str(before),
            after=None if after is None else str(after),
            reason=reason,
        )
    )
    audit.record(
        session=session,
        clock=clock,
        actor=actor,
        action=f"incident.{kind}",
        target=f"incident:{incident.id}",
        before=before,
        after=after,
    )
    incident.updated_at = now
    # An UPDATE even when nothing else changed (and the clock did not move): the version
    # rises with every recorded change, so a writer holding the old one is refused.
    flag_modified(incident, "updated_at")
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            _("incident {id} was changed meanwhile: reload it and try again").format(id=incident.id)
        ) from None
