"""A person's decision to route an event to a department, or to take it off one.

The watches route an event to the departments of the watches its posts matched, and once
routed it stays routed (facts.route). An administrator may add a department the watches
missed, or remove one they got wrong: its users gain or lose the event (department scope,
web/deps.py). A removal is kept on the event (`extra["departments_removed"]`) so that
the next post matching that department's watch does not route the event back; adding
the department again clears it. The caller records the decision in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.analysis.facts import DEPARTMENTS, REMOVED_DEPARTMENTS
from yuqing.analysis.models import Event
from yuqing.analysis.pages import departments_of
from yuqing.auth.models import Department
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import _

Action = Literal["add", "remove"]
ACTIONS: tuple[Action, ...] = ("add", "remove")
MAX_REASON = 2000
LEGACY_KEY = "department"  # one department, as stores written by hand still say


@dataclass(frozen=True)
class Rerouted:
    """The event's departments before and after the decision (for the audit trail)."""

    event_id: str
    before: list[str]
    after: list[str]


def reroute(
    *,
    session: Session,
    clock: Clock,
    event_id: str,
    department: str,
    action: str,
    reason: str,
) -> Rerouted:
    """Add `department` to the event's departments, or remove it, for `reason`."""
    department, reason = department.strip(), reason.strip()
    if action not in ACTIONS:
        raise InvalidInput(_("the action must be add or remove, not {action!r}").format(
            action=action[:20]))  # fmt: skip
    if not department:
        raise InvalidInput(_("name a department"))
    if not reason:
        raise InvalidInput(_("give the reason for routing the event"))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("the reason is too long: at most {n} characters").format(n=MAX_REASON))
    # Locked until the commit: the pipeline rewrites `extra` when posts join the event,
    # and locks the row first too (facts.update_facts), so neither loses the other's change.
    event = session.scalar(
        select(Event).where(Event.id == event_id).with_for_update().execution_options(
            populate_existing=True)
    )  # fmt: skip
    if event is None:
        raise NotFound(_("no event {event_id!r}").format(event_id=event_id))
    if event.merged_into:
        raise Conflict(
            _("event {event_id!r} was merged into {other!r}; route that one").format(
                event_id=event_id, other=event.merged_into
            )
        )
    held = set(departments_of(event))
    removed = set((event.extra or {}).get(REMOVED_DEPARTMENTS) or ())
    if action == "add":
        if department in held:
            raise Conflict(
                _("event {event_id!r} is routed to {department} already").format(
                    event_id=event_id, department=department
                )
            )
        if session.scalar(select(Department.id).where(Department.name == department)) is None:
            raise InvalidInput(_("no department {name!r}").format(name=department))
        after, removed = held | {department}, removed - {department}
    else:
        if department not in held:
            raise Conflict(
                _("event {event_id!r} is not routed to {department}").format(
                    event_id=event_id, department=department
                )
            )
        after, removed = held - {department}, removed | {department}
    extra = {k: v for k, v in (event.extra or {}).items() if k != LEGACY_KEY}
    extra[DEPARTMENTS] = sorted(after)
    extra[REMOVED_DEPARTMENTS] = sorted(removed)
    event.extra = extra  # a new dict: the JSON column sees the change
    event.updated_at = clock.now()  # pages keyed on the event's change read it afresh
    session.flush()
    return Rerouted(event_id=event.id, before=sorted(held), after=sorted(after))
