"""The risk register (风险点台账, PRODUCT §8): risk points and one status a month each.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, Json, UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_points",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("domain", sa.String(length=100), nullable=True),
        sa.Column("lead_department", sa.String(length=100), nullable=False),
        sa.Column("departments", Json, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_points")),
    )
    op.create_index("ix_risk_points_status", "risk_points", ["status"])
    op.create_table(
        "risk_months",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("risk_id", BigId, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["risk_id"],
            ["risk_points.id"],
            name=op.f("fk_risk_months_risk_id_risk_points"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_months")),
        sa.UniqueConstraint("risk_id", "month", name="uq_risk_months_risk_month"),
    )
    op.create_index("ix_risk_months_month", "risk_months", ["month"])


def downgrade() -> None:
    op.drop_index("ix_risk_months_month", table_name="risk_months")
    op.drop_table("risk_months")
    op.drop_index("ix_risk_points_status", table_name="risk_points")
    op.drop_table("risk_points")
