"""Report versions: generated reports, their edited drafts and signed, frozen versions.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, Json, UTCDateTime

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_versions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("incident_id", BigId, nullable=True),
        sa.Column("period_start", UTCDateTime, nullable=True),
        sa.Column("period_end", UTCDateTime, nullable=True),
        sa.Column("watch", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("figures", Json, nullable=False),
        sa.Column("sections", Json, nullable=False),
        sa.Column("header", Json, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("corrects", BigId, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("edited_by", sa.String(length=200), nullable=False),
        sa.Column("signed_at", UTCDateTime, nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_versions")),
    )
    op.create_index("ix_report_versions_incident", "report_versions", ["incident_id"], unique=False)
    op.create_index(
        "ix_report_versions_kind_period",
        "report_versions",
        ["kind", "period_start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_report_versions_kind_period", table_name="report_versions")
    op.drop_index("ix_report_versions_incident", table_name="report_versions")
    op.drop_table("report_versions")
