"""Checkpoints of stateful steps (ARCHITECTURE: a restarted worker resumes where it stopped)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, LargeBinary, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from yuqing.db.base import Base, UTCDateTime


class Checkpoint(Base):
    __tablename__ = "checkpoints"

    step_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


def save(*, session: Session, step_id: str, data: bytes, at: datetime) -> None:
    """Replace the checkpoint of `step_id`."""
    # An UPDATE, not a loaded row: the old checkpoint (tens of MB for a busy clusterer)
    # need not be read into memory only to be replaced.
    replaced = session.execute(
        update(Checkpoint).where(Checkpoint.step_id == step_id).values(data=data, saved_at=at)
    )
    if not cast(CursorResult[Any], replaced).rowcount:
        session.add(Checkpoint(step_id=step_id, data=data, saved_at=at))
    session.flush()


def load(*, session: Session, step_id: str) -> bytes | None:
    """The last checkpoint of `step_id`, if any."""
    return session.scalar(select(Checkpoint.data).where(Checkpoint.step_id == step_id))
