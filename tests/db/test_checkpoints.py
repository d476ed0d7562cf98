"""Checkpoints of stateful steps: saved in pieces, replaced in place, read back (both stores)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
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


def test_a_checkpoint_in_pieces_reads_back_in_order_and_a_shorter_one_replaces_it(
    store: Store,
) -> None:
    first, later = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
    pieces = [bytes([n]) * (1000 + n) for n in range(12)]  # 12 rows: ids sort past #000009
    with Session(store.engine) as session:
        checkpoints.save(session=session, step_id="other", data=b"kept", at=first)
        written = checkpoints.save_parts(
            session=session, step_id="cluster", parts=iter(pieces), at=first
        )
        session.commit()
    assert written == 12
    with Session(store.engine) as session:
        parts = checkpoints.load_parts(session=session, step_id="cluster")
        assert parts is not None and list(parts) == pieces
        assert checkpoints.load(session=session, step_id="cluster") == b"".join(pieces)
        checkpoints.save_parts(session=session, step_id="cluster", parts=[b"a", b"b"], at=later)
        session.commit()
    with Session(store.engine) as session:
        parts = checkpoints.load_parts(session=session, step_id="cluster")
        assert parts is not None and list(parts) == [b"a", b"b"]  # no piece of the old one
        assert checkpoints.load(session=session, step_id="other") == b"kept"
        count = select(func.count()).select_from(checkpoints.Checkpoint)
        assert session.scalar(count) == 3
        assert checkpoints.load_parts(session=session, step_id="clust") is None


def test_a_failed_checkpoint_leaves_the_previous_one_whole(store: Store) -> None:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    with Session(store.engine) as session:
        checkpoints.save_parts(session=session, step_id="cluster", parts=[b"1", b"2"], at=at)
        session.commit()

    def breaks_midway() -> Iterator[bytes]:
        yield b"new 1"
        yield b"new 2"
        raise RuntimeError("the step failed while making its state")

    with Session(store.engine) as session, pytest.raises(RuntimeError):
        checkpoints.save_parts(session=session, step_id="cluster", parts=breaks_midway(), at=at)
    with Session(store.engine) as session:
        parts = checkpoints.load_parts(session=session, step_id="cluster")
        assert parts is not None and list(parts) == [b"1", b"2"]
        with pytest.raises(ValueError, match="no data"):
            checkpoints.save_parts(session=session, step_id="cluster", parts=[], at=at)
        with pytest.raises(ValueError, match="may not contain"):
            checkpoints.save(session=session, step_id="a#b", data=b"x", at=at)
