"""Writers of one process take SQLite's write lock in the order they ask (db/writegate.py).

Without the queue, a thread that commits and begins again at once (the live pipeline,
batch after batch) retook the lock while a waiting writer slept in SQLite's busy
handler: a duty officer's confirmation waited for seconds behind later batches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import yuqing.db.engine as engine_module
from tests.conftest import Store
from yuqing.db.engine import make_engine, make_reader
from yuqing.db.migrate import upgrade
from yuqing.db.writegate import WriteGate, gate_for

INSERT = text("INSERT INTO departments (name, display_name, created_at) VALUES (:n, '', :t)")
AT = "2026-03-02 01:00:00"


def _until(condition: Callable[[], bool], what: str) -> None:
    """Wait (at most 10 s of real time) for another thread to reach a point."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        threading.Event().wait(0.001)


def _write(conn: Connection, name: str) -> None:
    conn.execute(INSERT, {"n": name, "t": AT})


def test_a_waiting_writer_goes_before_the_next_transaction_of_the_holder(store: Store) -> None:
    """The holder commits and begins again at once; the writer that was waiting goes
    first (SQLite: served in order; PostgreSQL: it never waited for the store)."""
    order: list[str] = []
    asked = threading.Event()

    def officer() -> None:
        asked.set()
        with Session(store.engine) as session:
            session.execute(INSERT, {"n": "officer", "t": AT})
            session.commit()
        order.append("officer")

    thread = threading.Thread(target=officer)
    with store.engine.begin() as conn:
        _write(conn, "batch-1")
        thread.start()
        asked.wait(10)
        if store.backend == "sqlite":
            gate = gate_for(str(store.engine.url.database))
            _until(lambda: gate.queued == 1, "the officer waits for the lock")
            assert order == []
        else:  # no store-wide lock: the officer is done while the batch is still open
            _until(lambda: order == ["officer"], "the officer commits")
    with store.engine.begin() as conn:  # the next batch, begun right after the commit
        _write(conn, "batch-2")
        order.append("batch-2")
    thread.join(10)
    assert order == ["officer", "batch-2"]
    with store.engine.connect() as conn:
        names = conn.execute(text("SELECT name FROM departments ORDER BY id")).scalars().all()
    assert names == ["batch-1", "officer", "batch-2"]


def _gated(tmp_path: Path) -> tuple[Engine, WriteGate]:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    upgrade(engine)
    return engine, gate_for(str(tmp_path / "gate.db"))


@pytest.mark.parametrize("ending", ["commit", "error", "session-closed", "rollback"])
def test_the_turn_is_given_back_however_the_transaction_ends(tmp_path: Path, ending: str) -> None:
    engine, gate = _gated(tmp_path)
    if ending == "commit":
        with engine.begin() as conn:
            _write(conn, "a")
    elif ending == "error":

        def fails() -> None:
            with engine.begin() as conn:
                _write(conn, "a")
                raise ZeroDivisionError

        with pytest.raises(ZeroDivisionError):
            fails()
    elif ending == "session-closed":
        session = Session(engine)
        session.execute(INSERT, {"n": "a", "t": AT})
        session.close()  # neither committed nor rolled back
    else:
        with engine.connect() as conn:
            _write(conn, "a")
            conn.rollback()
    assert not gate.held and gate.queued == 0
    with engine.begin() as conn:
        _write(conn, "b")  # and the next writer gets in at once


def test_engines_on_one_file_share_the_gate_and_the_reader_does_not_queue(tmp_path: Path) -> None:
    first, gate = _gated(tmp_path)
    second = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    reader = make_reader(second)
    waited: list[bool] = []
    with first.begin() as conn:
        _write(conn, "a")
        # The reader reads beside the writer (WAL) without asking for a turn.
        with reader.connect() as read:
            assert read.execute(text("SELECT count(*) FROM departments")).scalar() == 0
        assert gate.queued == 0

        def other() -> None:
            with second.begin() as conn2:
                waited.append(True)
                _write(conn2, "b")

        thread = threading.Thread(target=other)
        thread.start()
        _until(lambda: gate.queued == 1, "the second engine's writer queues")
        assert waited == []
    thread.join(10)
    assert waited == [True]
    reader.dispose()
    second.dispose()


def test_a_writer_whose_turn_does_not_come_in_time_is_told_the_database_is_locked(
    tmp_path: Path,
) -> None:
    gate = WriteGate()
    assert gate.acquire(1)
    assert not gate.acquire(0.05)  # what `make_engine` turns into "database is locked"
    assert gate.queued == 0  # the one that gave up left the queue
    gate.release()
    assert gate.acquire(0.05)
    gate.release()
    # Through the engine: a second connection while the first holds the lock.
    engine = make_engine(f"sqlite:///{tmp_path / 'locked.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    original = engine_module.BUSY_TIMEOUT
    try:
        engine_module.BUSY_TIMEOUT = 0.05
        short = make_engine(f"sqlite:///{tmp_path / 'locked.db'}")
    finally:
        engine_module.BUSY_TIMEOUT = original
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(OperationalError, match="database is locked"), short.begin() as other:
            other.execute(text("INSERT INTO t VALUES (2)"))
    with short.begin() as other:  # nothing was left held by the one that gave up
        other.execute(text("INSERT INTO t VALUES (3)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t ORDER BY x")).scalars().all() == [1, 3]
