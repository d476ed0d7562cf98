"""Checkpoints of stateful steps (ARCHITECTURE: a restarted worker resumes where it stopped).

A checkpoint is stored in pieces, one row each: the step's own row holds the first piece
and rows named `<step id>#000001`, `<step id>#000002`, … the rest, in order. A busy
clusterer's state is tens of MB; written whole, it was built in memory and copied by the
driver and the database on top of the pipeline's memory (the peak of a long ingest).
Written piece by piece as it is made, no more than one piece is held at a time, and the
same rows on SQLite and PostgreSQL need no schema change. All pieces of one checkpoint
are written in the caller's transaction: a reader sees the old checkpoint or the new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, LargeBinary, String, delete, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from yuqing.db.base import Base, UTCDateTime

PART_MARK = "#"  # step ids never contain it: `<step id>#<n>` names the n-th piece


class Checkpoint(Base):
    __tablename__ = "checkpoints"

    step_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _part_id(step_id: str, n: int) -> str:
    # Zero-padded, so the rows sort in the pieces' order.
    return f"{step_id}{PART_MARK}{n:06d}"


def save_parts(*, session: Session, step_id: str, parts: Iterable[bytes], at: datetime) -> int:
    """Replace the checkpoint of `step_id` with `parts` (at least one), each written as it
    comes; returns how many were written."""
    if PART_MARK in step_id:
        raise ValueError(f"a step id may not contain {PART_MARK!r}: {step_id!r}")
    # Statements, not ORM objects: a session keeps the objects it added (and their data)
    # until it closes, and an old checkpoint need not be read only to be replaced.
    session.execute(
        delete(Checkpoint).where(
            Checkpoint.step_id.startswith(step_id + PART_MARK, autoescape=True)
        )
    )
    written = 0
    for data in parts:
        if written == 0:
            replaced = session.execute(
                update(Checkpoint)
                .where(Checkpoint.step_id == step_id)
                .values(data=data, saved_at=at)
            )
            if not cast(CursorResult[Any], replaced).rowcount:
                session.execute(insert(Checkpoint).values(step_id=step_id, data=data, saved_at=at))
        else:
            name = _part_id(step_id, written)
            session.execute(insert(Checkpoint).values(step_id=name, data=data, saved_at=at))
        written += 1
    if not written:
        raise ValueError(f"the checkpoint of {step_id!r} has no data")
    return written


def save(*, session: Session, step_id: str, data: bytes, at: datetime) -> None:
    """Replace the checkpoint of `step_id` with one piece."""
    save_parts(session=session, step_id=step_id, parts=[data], at=at)


def load_parts(*, session: Session, step_id: str) -> Iterator[bytes] | None:
    """The pieces of the last checkpoint of `step_id`, read one at a time; None if none."""
    first = session.scalar(select(Checkpoint.data).where(Checkpoint.step_id == step_id))
    if first is None:
        return None
    names = session.scalars(
        select(Checkpoint.step_id)
        .where(Checkpoint.step_id.startswith(step_id + PART_MARK, autoescape=True))
        .order_by(Checkpoint.step_id)
    ).all()
    return _pieces(session, first, names)


def _pieces(session: Session, first: bytes, names: Iterable[str]) -> Iterator[bytes]:
    yield first
    for name in names:
        data = session.scalar(select(Checkpoint.data).where(Checkpoint.step_id == name))
        if data is None:
            raise ValueError(f"checkpoint piece {name!r} vanished while it was read")
        yield data


def load(*, session: Session, step_id: str) -> bytes | None:
    """The last checkpoint of `step_id`, if any, as one piece."""
    parts = load_parts(session=session, step_id=step_id)
    return None if parts is None else b"".join(parts)
