"""Checkpoints of stateful steps: saved, replaced in place, read back (both stores)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.db import checkpoints


def test_save_replaces_and_load_reads_the_latest(store: Store) -> None:
    first, later = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
    with Session(store.engine) as session:
        assert checkpoints.load(session=session, step_id="cluster") is None
        checkpoints.save(session=session, step_id="cluster", data=b"\x00one", at=first)
        checkpoints.save(session=session, step_id="other", data=b"two", at=first)
        session.commit()
    with Session(store.engine) as session:
        checkpoints.save(session=session, step_id="cluster", data=b"three" * 1000, at=later)
        session.commit()
    with Session(store.engine) as session:
        assert checkpoints.load(session=session, step_id="cluster") == b"three" * 1000
        assert checkpoints.load(session=session, step_id="other") == b"two"
        count = select(func.count()).select_from(checkpoints.Checkpoint)
        assert session.scalar(count) == 2
        row = session.get(checkpoints.Checkpoint, "cluster")
        assert row is not None and row.saved_at == later
