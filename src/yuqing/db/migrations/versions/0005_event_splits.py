"""Event splits: a person's decision to move posts out of an event into a new one.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, Json, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_splits",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_event_splits_event_id_events"),
            nullable=False,
        ),
        sa.Column(
            "new_event_id",
            sa.String(64),
            sa.ForeignKey(
                "events.id", ondelete="CASCADE", name="fk_event_splits_new_event_id_events"
            ),
            nullable=False,
        ),
        sa.Column("partition", sa.String(200), nullable=False),
        sa.Column("post_pks", Json, nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("new_event_id", name="uq_event_splits_new_event_id"),
    )
    op.create_index("ix_event_splits_event_id", "event_splits", ["event_id"])


def downgrade() -> None:
    op.drop_table("event_splits")
