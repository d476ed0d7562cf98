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
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Connection, Engine, event

# How long a request waits for the same value another request is making before it makes
# its own (a maker that failed wakes them at once).
WAIT_FOR_MAKER = 5.0


class Memo:
    """The values of the last `size` keys; a missing one is made (outside the lock) by the
    first request that asks, while those asking for the same key meanwhile wait for it:
    under fifty users, every request that arrived while a key's value was being made used
    to make it again (the dashboard's counts made 13 to 61 times a 20 s run)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.made = 0  # how many values were computed (tests)
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._making: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            making = self._making.get(key)
            if making is None:
                mine = self._making[key] = threading.Event()
        if making is not None:
            making.wait(WAIT_FOR_MAKER)
            with self._lock:
                if key in self._values:
                    return self._values[key]
            return make()  # its maker failed or is slow: this request's own, not kept
        try:
            value = make()
            with self._lock:
                self.made += 1
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
        finally:
            with self._lock:
                del self._making[key]
            mine.set()
        return value

    def clear(self) -> None:
        """Forget every value: after a change the keys cannot see (within one tick of a
        coarse clock), such as who an event is routed to."""
        with self._lock:
            self._values.clear()


_WROTE = "yuqing_wrote"  # in a connection's `info` from its first write to its commit
_READS = ("SELECT", "BEGIN", "PRAGMA", "SHOW")


class StoreVersion:
    """A count of the commits that wrote, made by this process to a store: a figure read
    before a request's first query and unchanged after it was computed was computed on
    the store as it is, as far as this process knows. Commits that only read (every
    page's, on PostgreSQL, where pages read through the writing engine) do not count."""

    def __init__(self) -> None:
        self.commits = 0

    def executed(self, conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip()[:6].upper().startswith(_READS):
            conn.info[_WROTE] = True  # anything not known to read counts as a write

    def committed(self, conn: Connection) -> None:
        if conn.info.pop(_WROTE, False):
            self.commits += 1  # under the GIL: two at once may count once, never zero

    def rolled_back(self, conn: Connection) -> None:
        conn.info.pop(_WROTE, None)


_VERSIONS: weakref.WeakKeyDictionary[Engine, StoreVersion] = weakref.WeakKeyDictionary()
_VERSIONS_LOCK = threading.Lock()


def store_version(engine: Engine) -> StoreVersion:
    """The commit count of `engine` (its listener added once, however many apps share it)."""
    with _VERSIONS_LOCK:
        version = _VERSIONS.get(engine)
        if version is None:
            version = _VERSIONS[engine] = StoreVersion()
            event.listen(engine, "before_cursor_execute", version.executed)
            event.listen(engine, "commit", version.committed)
            event.listen(engine, "rollback", version.rolled_back)
        return version


class Recent:
    """One value shared by all requests for `fresh` seconds, computed again at once after
    a commit of this process (the request's own decision shows on the next page).

    `get(make, seen)`: `seen` is the commit count read before the request's session first
    read the store (web/deps.py). A value is shared when it was made, and is asked for,
    by requests that began after the latest commit; any other request makes its own.
    Commits of other processes (another server, `yuqing worker`) show within `fresh`
    seconds.
    """

    def __init__(self, version: StoreVersion, fresh: float) -> None:
        self.version = version
        self.fresh = fresh
        self._value: Any = None
        self._made_at = 0.0
        self._made_in = -1  # the commit count the value was made in
        self._making: threading.Event | None = None  # a value being made to share
        self._making_in = -1  # … by a request that began after this many commits
        self._lock = threading.Lock()

    def _shared(self, seen: int | None, now: float) -> bool:
        # Only for a request that began after the value's commit: an older one may read
        # an older snapshot, and must not pair it with a newer fingerprint.
        return seen == self._made_in == self.version.commits and now - self._made_at < self.fresh

    def get(self, make: Callable[[], Any], seen: int | None) -> Any:
        now = time.monotonic()
        mine = None
        with self._lock:
            if self._shared(seen, now):
                return self._value
            # The requests that may share a value wait for the one making it rather than
            # all making it at once when it expires (the herd of fifty users).
            making = self._making if seen == self._making_in == self.version.commits else None
            if making is None and seen is not None and seen == self.version.commits:
                mine = self._making = threading.Event()
                self._making_in = seen
        if making is not None:
            making.wait(WAIT_FOR_MAKER)
            with self._lock:
                if self._shared(seen, now):
                    return self._value
            return make()  # its maker failed, is slow, or a commit came meanwhile
        try:
            value = make()
            if seen is not None and seen == self.version.commits:
                with self._lock:
                    self._value, self._made_at, self._made_in = value, now, seen
        finally:
            if mine is not None:
                with self._lock:
                    if self._making is mine:
                        self._making = None
                mine.set()
        return value
