"""Undo logs: in-memory state put back as it was when a batch began.

The pipeline stores a batch in one transaction; when that transaction fails, what its
stateful steps learnt from the batch (copies, events, links) must go too, or a later
post would be linked to, or an event named after, a post that was never stored. A full
snapshot per batch costs more than the batch, so the steps log how to undo each change
instead, and the cost follows what a batch touches, not the size of the state.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from typing import Any

_MISSING: Any = object()


class UndoLog:
    """Callables that undo a batch's changes, run newest first by `rollback`."""

    __slots__ = ("_steps",)

    def __init__(self) -> None:
        self._steps: list[Callable[[], object]] = []

    def add(self, undo: Callable[[], object]) -> None:
        """Run `undo` on rollback (after the undos of later changes)."""
        self._steps.append(undo)

    def save(self, table: MutableMapping[Any, Any], key: Any) -> None:
        """Call before `table[key]` is set or deleted: rollback puts it back (a list
        value is copied, since callers change such lists in place).

        A key that existed keeps its value but not its place in an ordered table that
        moved it to the end: only the order in which old entries are forgotten changes.
        """
        old = table.get(key, _MISSING)
        if old is _MISSING:
            self._steps.append(lambda: table.pop(key, None))
        else:
            value = list(old) if isinstance(old, list) else old
            self._steps.append(lambda: table.__setitem__(key, value))

    def evicted(self, table: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        """Call after the oldest entry of `table` was dropped: rollback puts it first again."""

        def put_back() -> None:
            table[key] = value
            table.move_to_end(key, last=False)

        self._steps.append(put_back)

    def rollback(self) -> None:
        """Undo every logged change, newest first; the log is empty after."""
        steps = self._steps
        while steps:
            steps.pop()()
