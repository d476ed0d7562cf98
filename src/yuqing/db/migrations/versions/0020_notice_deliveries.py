"""The risk register's monthly reminders: `risk_reminders` holds one row per point and
month reminded (so a restart never reminds twice), and the reminders go through the
alert outbox as deliveries that are no alert's, with their own words (`subject`, `body`).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_reminders",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "risk_id",
            BigId,
            sa.ForeignKey("risk_points.id", ondelete="CASCADE", name="fk_risk_reminders_risk_id"),
            nullable=False,
        ),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("department", sa.String(100), nullable=False),
        sa.Column("reminded_at", UTCDateTime, nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.UniqueConstraint("risk_id", "month", name="uq_risk_reminders_risk_month"),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("alert_id", existing_type=BigId, nullable=True)
        batch.add_column(sa.Column("subject", sa.Text(), nullable=True))
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_table("risk_reminders")
    # Foreign keys are not enforced while migrating (env.py): the notices' attempts go first.
    op.execute(
        "DELETE FROM delivery_attempts WHERE delivery_id IN "
        "(SELECT id FROM deliveries WHERE alert_id IS NULL)"
    )
    op.execute("DELETE FROM deliveries WHERE alert_id IS NULL")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("body")
        batch.drop_column("subject")
        batch.alter_column("alert_id", existing_type=BigId, nullable=False)
