"""Delivery attempts kept for scheduled reports as for alerts, and each attempt's
response code (an SMTP reply, an HTTP status, a robot's errcode) where there is one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("delivery_attempts", sa.Column("code", sa.String(length=32), nullable=True))
    op.create_table(
        "report_delivery_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("delivery_id", BigId, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("retryable", sa.Boolean(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["report_deliveries.id"],
            name=op.f("fk_report_delivery_attempts_delivery_id_report_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_delivery_attempts")),
    )
    op.create_index(
        "ix_report_delivery_attempts_delivery_id", "report_delivery_attempts", ["delivery_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_report_delivery_attempts_delivery_id", table_name="report_delivery_attempts")
    op.drop_table("report_delivery_attempts")
    with op.batch_alter_table("delivery_attempts") as batch:
        batch.drop_column("code")
