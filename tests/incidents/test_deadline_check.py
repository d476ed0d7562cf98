"""The worker's deadline check reads only the clocks that may need it now: it runs every
two seconds inside a write transaction, however many incidents are open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from tests.incidents.conftest import World
from yuqing.incidents import service
from yuqing.incidents.models import DeadlineClock
from yuqing.incidents.service import clocks


def _open(w: World, n: int) -> None:
    for i in range(n):
        incident = service.open_incident(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            tip_channel="phone",
            tip_text=f"家长来电反映食堂问题 {i}",
        )
        service.confirm_level(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            incident_id=incident.id,
            level=w.most_severe,
        )
    w.session.flush()


def _statements(w: World) -> int:
    """How many statements one check sends to the store."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = w.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        checked = service.check_deadlines(session=w.session, clock=w.clock)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (checked.reminded, checked.escalated) == (0, 0)
    return len(sent)


def test_a_check_with_nothing_due_reads_as_much_for_many_incidents_as_for_one(
    world: World,
) -> None:
    w = world
    _open(w, 1)
    one = _statements(w)
    _open(w, 6)
    assert w.session.scalar(select(DeadlineClock.id).where(DeadlineClock.state == "running"))
    assert _statements(w) == one <= 3


def test_only_the_clocks_due_are_reminded_and_escalated_each_once(world: World) -> None:
    w = world
    _open(w, 3)
    running = w.session.scalars(
        select(DeadlineClock)
        .where(DeadlineClock.state == "running")
        .order_by(DeadlineClock.due_at, DeadlineClock.id)
    ).all()
    first = running[0]
    # Just inside the first clock's reminder window: only clocks due as soon are reminded.
    w.clock.set(first.due_at - w.plan.response.remind_before + timedelta(minutes=1))
    checked = service.check_deadlines(session=w.session, clock=w.clock)
    window = [c for c in running if c.due_at <= w.clock.now() + w.plan.response.remind_before]
    assert checked.reminded == len(window) and checked.escalated == 0
    assert all(c.reminded_at is not None for c in window)
    assert all(c.reminded_at is None for c in running if c not in window)
    w.clock.set(first.due_at + timedelta(minutes=1))
    late = [c for c in running if c.due_at <= w.clock.now()]
    assert service.check_deadlines(session=w.session, clock=w.clock).escalated == len(late)
    again = service.check_deadlines(session=w.session, clock=w.clock)
    assert (again.reminded, again.escalated) == (0, 0)


def test_viewers_sharing_the_first_read_of_due_clocks_see_what_they_saw_alone(
    world: World,
) -> None:
    """The dashboard reads the due clocks once for all viewers (`first_due`) and keeps
    each viewer's own: the same list as each viewer's own read, confidential cases and
    department scope included, and more read only for a viewer who sees few."""
    w = world
    w.add("dept_user", "department", "logistics")
    opened = [
        service.open_incident(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            tip_channel="phone",
            tip_text=f"家长来电反映食堂问题 {n}",
            confidential=n % 2 == 1,
            readers=["spokes"] if n % 2 else [],
            lead_department="logistics" if n == 2 else None,
        )
        for n in range(4)
    ]
    for incident in opened:
        service.confirm_level(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            incident_id=incident.id,
            level=w.most_severe,
        )
    until = w.clock.now() + timedelta(days=30)
    for limit in (1, 2, 10):
        first = clocks.first_due(session=w.session, until=until, limit=limit)
        for name in ("boss", "monitor1", "spokes", "duty_office", "dept_user"):
            actor = w.actors[name]
            alone = clocks.running_due_by(session=w.session, actor=actor, until=until, limit=limit)
            shared = clocks.running_due_by(
                session=w.session, actor=actor, until=until, limit=limit, first=first
            )
            assert shared == alone, (name, limit)
