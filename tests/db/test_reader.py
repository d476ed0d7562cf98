"""The read-only engine the pages use: reads beside the writer, refuses writes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.conftest import Store
from yuqing.db.engine import make_reader


def test_the_reader_sees_committed_rows_and_on_sqlite_refuses_to_write(store: Store) -> None:
    reader = make_reader(store.engine)
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO departments (name, display_name, created_at) VALUES ('d1', '', :t)"),
                     {"t": "2026-03-02 01:00:00"})  # fmt: skip
    with reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM departments")).scalar() == 1
    if store.backend == "sqlite":
        assert reader is not store.engine
        with pytest.raises(OperationalError), reader.begin() as conn:
            conn.execute(text("DELETE FROM departments"))
        # While the writer holds its lock, the reader still reads (WAL).
        with store.engine.begin() as writer, reader.connect() as conn:
            writer.execute(text("UPDATE departments SET name = 'd2'"))
            assert conn.execute(text("SELECT name FROM departments")).scalar() == "d1"
        reader.dispose()
    else:
        assert reader is store.engine  # PostgreSQL readers never wait on a writer
