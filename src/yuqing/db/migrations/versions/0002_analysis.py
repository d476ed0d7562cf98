"""Analysis: sentiment on posts, watch organizations, events and their facts, checkpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, Json, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(
            sa.Column("organization", sa.String(200), nullable=False, server_default="")
        )
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("sentiment_label", sa.String(8)))
        batch.add_column(sa.Column("sentiment_score", sa.Float))
    op.create_table(
        "events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("partition", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("keywords", Json, nullable=False),
        sa.Column("first_post_pk", BigId),
        sa.Column("first_source", sa.String(256), nullable=False),
        sa.Column("first_at", UTCDateTime, nullable=False),
        sa.Column("last_at", UTCDateTime, nullable=False),
        sa.Column("posts", sa.Integer, nullable=False),
        sa.Column("copies", sa.Integer, nullable=False),
        sa.Column("negative", sa.Integer, nullable=False),
        sa.Column("positive", sa.Integer, nullable=False),
        sa.Column("reposts", BigId, nullable=False),
        sa.Column("comments", BigId, nullable=False),
        sa.Column("likes", BigId, nullable=False),
        sa.Column("views", BigId, nullable=False),
        sa.Column("sites", sa.Integer, nullable=False),
        sa.Column("top_tier", sa.String(16)),
        sa.Column("heat", sa.Float, nullable=False),
        sa.Column(
            "merged_into",
            sa.String(64),
            sa.ForeignKey("events.id", name="fk_events_merged_into_events"),
        ),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("extra", Json, nullable=False),
    )
    op.create_index("ix_events_last_at", "events", ["last_at"])
    op.create_index("ix_events_partition_last_at", "events", ["partition", "last_at"])
    op.create_table(
        "event_posts",
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_event_posts_event_id_events"),
            primary_key=True,
        ),
        sa.Column(
            "post_pk",
            BigId,
            sa.ForeignKey("posts.pk", ondelete="CASCADE", name="fk_event_posts_post_pk_posts"),
            primary_key=True,
        ),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.Column("manual", sa.Boolean, nullable=False),
    )
    op.create_index("ix_event_posts_post_pk", "event_posts", ["post_pk"])
    op.create_table(
        "event_hours",
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_event_hours_event_id_events"),
            primary_key=True,
        ),
        sa.Column("hour", UTCDateTime, primary_key=True),
        sa.Column("posts", sa.Integer, nullable=False),
        sa.Column("negative", sa.Integer, nullable=False),
        sa.Column("reach", BigId, nullable=False),
    )
    op.create_table(
        "event_sites",
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_event_sites_event_id_events"),
            primary_key=True,
        ),
        sa.Column("site", sa.String(256), primary_key=True),
        sa.Column("platform", sa.String(16)),
        sa.Column("tier", sa.String(16)),
        sa.Column("first_at", UTCDateTime, nullable=False),
        sa.Column("first_post_pk", BigId),
        sa.Column("posts", sa.Integer, nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("step_id", sa.String(100), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("saved_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("checkpoints", "event_sites", "event_hours", "event_posts", "events"):
        op.drop_table(table)
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("sentiment_score")
        batch.drop_column("sentiment_label")
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("organization")
