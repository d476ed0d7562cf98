"""Sentiment corrections: a monitor's label for a post, which sentiment training reads.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sentiment_corrections",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("post_pk", BigId, sa.ForeignKey("posts.pk", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("predicted", sa.String(8), nullable=True),
        sa.Column("label", sa.String(8), nullable=False),
        sa.Column("corrected_by", sa.String(200), nullable=False),
        sa.Column("corrected_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_sentiment_corrections_post_pk", "sentiment_corrections", ["post_pk"])


def downgrade() -> None:
    op.drop_index("ix_sentiment_corrections_post_pk", "sentiment_corrections")
    op.drop_table("sentiment_corrections")
