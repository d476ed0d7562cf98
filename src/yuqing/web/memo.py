"""Figures every viewer shares, computed once per change instead of once per request.

The dashboard's counts, its volume chart and the events list are the same for everyone
who sees all departments; with fifty people on the dashboard, each of them asking the
store for the same counts every few seconds is most of the server's work. A value is
kept under a key that changes whenever the value could (the store's figures' fingerprint,
the plan's version, the minute for windows counted back from now), so a cached value is
never stale; only the last few keys are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Memo:
    """The values of the last `size` keys; a missing one is made (outside the lock)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.made = 0  # how many values were computed (tests)
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()  # two threads may both make it: the same value, kept once
        with self._lock:
            self.made += 1
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every value: after a change the keys cannot see (within one tick of a
        coarse clock), such as who an event is routed to."""
        with self._lock:
            self._values.clear()
