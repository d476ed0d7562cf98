"""A person decides on a proposed level: confirm, change (with a reason) or dismiss.

The system only proposes (P2 第四条). Who may decide is plan data: the roles named in the
level's approval chain, or the leader and office roles (领导小组及其办公室). Every
decision keeps who, when and why; a lower level is set only this way.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts.models import LevelDecision
from yuqing.analysis.models import Event
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yuqing.core.i18n import N_, _
from yuqing.plan.schema import Plan

DECIDING_ROLES = ("leader", "office")
_DECIDED = {
    "confirmed": N_("the level of {event_id} was confirmed already by {by}"),
    "changed": N_("the level of {event_id} was changed already by {by}"),
    "dismissed": N_("the level of {event_id} was dismissed already by {by}"),
}


def may_decide(plan: Plan, person_id: str, level_id: str, *, role: str | None = None) -> bool:
    """Whether the person holds a role that decides on `level_id` under the plan.

    `role` is the role of a signed-in user (web/deps.py): a `leader` or `office` account,
    or one whose role the level's approval chain names, decides without being listed
    among the plan's people.
    """
    chain_roles = {step.role for step in plan.approvals.get(level_id, []) if step.role}
    if role is not None and role in set(DECIDING_ROLES) | chain_roles:
        return True
    try:
        person = plan.person(person_id)
    except (KeyError, LookupError, InvalidInput):
        return False
    roles = set(DECIDING_ROLES)
    roles |= {step.role for step in plan.approvals.get(level_id, []) if step.role}
    named = {step.person for step in plan.approvals.get(level_id, []) if step.person}
    return person.id in named or bool(roles & set(person.roles))


def current(*, session: Session, event_id: str) -> LevelDecision:
    """The latest proposal or decision of an event."""
    decision = session.scalar(
        select(LevelDecision)
        .where(LevelDecision.event_id == event_id, LevelDecision.status != "superseded")
        .order_by(LevelDecision.id.desc())
        .limit(1)
    )
    if decision is None:
        raise NotFound(
            _("no level has been proposed for event {event_id!r}").format(event_id=event_id)
        )
    return decision


def decide(
    *,
    session: Session,
    clock: Clock,
    plan: Plan,
    event_id: str,
    by: str,
    action: str,
    level: str | None = None,
    reason: str | None = None,
    role: str | None = None,
) -> LevelDecision:
    """Confirm, change or dismiss the proposed level of an event."""
    decision = current(session=session, event_id=event_id)
    if decision.status != "proposed":
        said = _DECIDED.get(
            decision.status, N_("the level of {event_id} was decided already by {by}")
        )
        raise Conflict(_(said).format(event_id=event_id, by=decision.decided_by))
    target = decision.proposed_level if action == "confirm" else level
    if action not in ("confirm", "change", "dismiss"):
        raise InvalidInput(
            _("action must be confirm, change or dismiss, not {action!r}").format(action=action)
        )
    if action == "change":
        if level is None or level not in {lvl.id for lvl in plan.levels}:
            raise InvalidInput(_("unknown level {level!r} for this plan").format(level=level))
        if not reason:
            raise InvalidInput(_("changing a proposed level needs a reason"))
    if not may_decide(plan, by, target or decision.proposed_level, role=role):
        raise Forbidden(
            _("{by!r} holds no role that decides this level under the plan").format(by=by)
        )
    decision.status = {"confirm": "confirmed", "change": "changed", "dismiss": "dismissed"}[action]
    decision.level = None if action == "dismiss" else target
    decision.decided_by, decision.decided_at, decision.reason = by, clock.now(), reason
    event = session.get(Event, event_id)
    if event is not None and action != "dismiss" and target is not None:
        rank = plan.level(target).rank
        # A person's level stands; later proposals must be more severe than it.
        event.extra = {**event.extra, "level": target, "level_rank": rank, "level_by": by}
    session.flush()
    return decision
