"""A first-come, first-served queue for SQLite's write lock among the threads of a process.

SQLite has one writer at a time. A connection that finds the lock taken waits in
SQLite's busy handler, which sleeps and tries again (1, 2, 5 … 100 ms apart): whoever
asks at the moment the lock is free gets it, not whoever asked first. The live pipeline
commits a batch and begins the next at once, so a duty officer's confirmation waiting
behind it could miss every gap and wait for seconds (`bench/incident_ingest.py --locks`
under load: its BEGIN waited p99 1.3 s, max 3.0 s, while the pipeline's waited 0.1 ms;
bench/RESULTS.md).

`yuqing serve` runs the worker, the push API and the pages in one process, so there a
queue in front of `BEGIN IMMEDIATE` serves the writers in the order they asked: a
waiting writer waits for the transactions ahead of it, never for later ones. Writers
in other processes still meet only the busy handler. Each connection of a gated engine
takes its turn before its BEGIN and gives it back after its COMMIT or ROLLBACK (or when
it is closed), at the DBAPI level, so the pool's own rollback on return counts too.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError


class WriteGate:
    """A fair lock with a time limit: the waiters are served in the order they came."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._waiting: deque[object] = deque()
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    @property
    def queued(self) -> int:
        """How many wait for their turn now."""
        return len(self._waiting)

    def acquire(self, timeout: float) -> bool:
        """Wait for this caller's turn, at most `timeout` seconds; False if it did not come."""
        with self._changed:
            if not self._held and not self._waiting:
                self._held = True
                return True
            me = object()
            self._waiting.append(me)
            deadline = time.monotonic() + timeout
            while self._held or self._waiting[0] is not me:
                left = deadline - time.monotonic()
                if left <= 0 or not self._changed.wait(left):
                    if not self._held and self._waiting[0] is me:
                        break  # the turn came just as the time ran out: take it
                    self._waiting.remove(me)
                    self._changed.notify_all()  # the one behind may be first now
                    return False
            self._waiting.popleft()
            self._held = True
            return True

    def release(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def gate_for(path: str) -> WriteGate:
    """The one gate of a database file in this process (engines on one file share it)."""
    key = str(Path(path).expanduser().resolve())
    with _gates_lock:
        return _gates.setdefault(key, WriteGate())


def gated_connection(gate: WriteGate, timeout: float) -> type[sqlite3.Connection]:
    """A sqlite3 connection class that waits for its turn at `gate` before a write
    transaction (`take_turn`) and gives it back when the transaction ends."""

    class GatedConnection(sqlite3.Connection):
        _turn = False  # whether this connection holds the gate now

        def take_turn(self) -> None:
            if self._turn:
                return
            if not gate.acquire(timeout):
                # What SQLite says when its own busy timeout runs out.
                raise sqlite3.OperationalError("database is locked")
            self._turn = True

        def give_back(self) -> None:
            if self._turn:
                self._turn = False
                gate.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                if not self.in_transaction:
                    self.give_back()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.give_back()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self.give_back()

    return GatedConnection


def begin_immediate(conn: Connection) -> None:
    """BEGIN IMMEDIATE on `conn`, after its turn at the gate when its engine has one."""
    raw = conn.connection.dbapi_connection
    take_turn = getattr(raw, "take_turn", None)
    if take_turn is not None:
        try:
            take_turn()
        except sqlite3.OperationalError as exc:  # as the BEGIN's own timeout would say it
            raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        give_back = getattr(raw, "give_back", None)
        if give_back is not None:
            give_back()
        raise
