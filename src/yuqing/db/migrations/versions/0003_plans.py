"""Plans: stored plan versions (hash, author, time, text), one active.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("organization", sa.String(200), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("loaded_at", UTCDateTime, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("yaml_text", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.UniqueConstraint("version", name="uq_plan_versions_version"),
    )
    op.create_index("ix_plan_versions_sha256", "plan_versions", ["sha256"])
    op.create_index("ix_plan_versions_active", "plan_versions", ["active"])


def downgrade() -> None:
    op.drop_index("ix_plan_versions_active", table_name="plan_versions")
    op.drop_index("ix_plan_versions_sha256", table_name="plan_versions")
    op.drop_table("plan_versions")
