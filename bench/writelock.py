"""Who holds the store's write lock, and who waits for it (a bench instrument).

On SQLite every transaction of the writer engine begins with `BEGIN IMMEDIATE`, which
takes the write lock or waits for it (in SQLite's busy handler); the lock goes at
commit or rollback. `trace(engine)` records, per transaction: the code that opened it
(the first frame outside SQLAlchemy and the engine module), how long its BEGIN waited,
and how long it then held the lock. On PostgreSQL there is no store-wide lock: the
BEGIN is SQLAlchemy's and the wait is zero, only the holding times say something.
"""

from __future__ import annotations

import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, text

SKIP = ("/sqlalchemy/", "/yuqing/db/", "writelock.py", "/contextlib.py", "/threading.py")


def _opener() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith("<") and not any(part in name for part in SKIP):
            where = f"{name.rsplit('/', 1)[-1]}:{frame.f_code.co_name}"
            thread = re.sub(r"-\d+(_\d+)?", "", threading.current_thread().name)
            return f"{thread} {where}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


@dataclass
class Trace:
    # opener → [(began at, waited, held)] in wall seconds
    rows: dict[str, list[tuple[float, float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    lock: threading.Lock = field(default_factory=threading.Lock)
    # PostgreSQL: statement → samples of it waiting for a lock (pg_stat_activity, 20 ms apart)
    lock_waits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: int = 0

    def holders_during(self, start: float, end: float) -> list[tuple[str, float, float]]:
        """The transactions that held the lock at some moment between start and end."""
        found = []
        for who, rows in self.rows.items():
            for began, waited, held in rows:
                got = began + waited
                if got < end and got + held > start:
                    found.append((who, got - start, held))
        return sorted(found, key=lambda row: row[1])

    def report(self) -> str:
        lines = ["write transactions: opener, count, BEGIN waited p50/p99/max, held p50/p99/max"]
        ordered = sorted(self.rows.items(), key=lambda kv: -sum(h for _, _, h in kv[1]))
        for who, rows in ordered:
            waits = sorted(w for _, w, _ in rows)
            holds = sorted(h for _, _, h in rows)

            def ms(v: list[float]) -> str:
                p99 = v[min(len(v) - 1, int(0.99 * len(v)))]
                return f"{1000 * statistics.median(v):.1f}/{1000 * p99:.1f}/{1000 * v[-1]:.1f}"

            lines.append(f"  {who}: {len(rows)}, waited {ms(waits)} ms, held {ms(holds)} ms")
        if self.samples:
            lines.append(f"PostgreSQL lock waits in {self.samples} samples 20 ms apart:")
            for query, n in sorted(self.lock_waits.items(), key=lambda kv: -kv[1])[:8]:
                lines.append(f"  {n} × {query}")
        return "\n".join(lines)

    def sample_pg(self, engine: Engine, stop: threading.Event) -> None:
        """Count, every 20 ms, the statements that wait for a lock (until `stop`)."""
        query = text(
            "SELECT wait_event, left(query, 90) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        with engine.connect() as conn:
            while not stop.wait(0.02):
                rows = conn.execute(query).all()
                conn.rollback()
                self.samples += 1
                for wait, statement in rows:
                    self.lock_waits[f"{wait}: {' '.join(statement.split())}"] += 1


def _gate_of(engine: Engine) -> Any:
    """The engine's write gate (yuqing.db.writegate), or None: PostgreSQL, or a build
    without gates (the baseline of a before / after pair)."""
    try:
        from yuqing.db.writegate import gate_for
    except ImportError:
        return None
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return gate_for(database)


def trace(engine: Engine) -> Trace:
    found = Trace()

    asking = threading.local()  # when this thread began to wait for its turn, if gated
    gate = _gate_of(engine)
    if gate is not None:
        acquire = gate.acquire

        def timed_acquire(timeout: float) -> bool:
            asking.at = time.time()
            return acquire(timeout)

        gate.acquire = timed_acquire  # type: ignore[method-assign]

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN"):
            conn.info["lock_asked"] = getattr(asking, "at", None) or time.time()
            asking.at = None
            conn.info["lock_opener"] = _opener()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN"):
            conn.info["lock_got"] = time.time()

    @event.listens_for(engine, "begin")
    def begin(conn: Any) -> None:
        if engine.dialect.name != "sqlite":  # no BEGIN statement seen: now is the start
            now = time.time()
            conn.info.update(lock_asked=now, lock_got=now, lock_opener=_opener())

    def end(conn: Any) -> None:
        asked = conn.info.pop("lock_asked", None)
        got = conn.info.pop("lock_got", None)
        if asked is None or got is None:
            return
        with found.lock:
            found.rows[conn.info.pop("lock_opener", "?")].append(
                (asked, got - asked, time.time() - got)
            )

    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    return found
