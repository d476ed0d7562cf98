"""Alerts: level decisions, alerts, deliveries (the outbox) and delivery attempts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, Json, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "level_decisions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey(
                "events.id", ondelete="CASCADE", name="fk_level_decisions_event_id_events"
            ),
            nullable=False,
        ),
        sa.Column("plan_version", sa.Integer),
        sa.Column("proposed_level", sa.String(32), nullable=False),
        sa.Column("reasons", Json, nullable=False),
        sa.Column("proposed_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("level", sa.String(32)),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_level_decisions_event", "level_decisions", ["event_id", "proposed_at"])
    op.create_table(
        "alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("events.id", ondelete="CASCADE", name="fk_alerts_event_id_events"),
            nullable=False,
        ),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("level_rank", sa.Integer, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("ack_token", sa.String(64), nullable=False),
        sa.Column("ack_due_at", UTCDateTime),
        sa.Column("acknowledged_at", UTCDateTime),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("reminders", sa.Integer, nullable=False),
        sa.Column("escalation_step", sa.Integer, nullable=False),
        sa.Column("next_check_at", UTCDateTime),
        sa.UniqueConstraint("ack_token", name="uq_alerts_ack_token"),
    )
    op.create_index("ix_alerts_event_level", "alerts", ["event_id", "level"])
    op.create_index("ix_alerts_next_check", "alerts", ["next_check_at"])
    op.create_table(
        "deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "alert_id",
            BigId,
            sa.ForeignKey("alerts.id", ondelete="CASCADE", name="fk_deliveries_alert_id_alerts"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("not_before", UTCDateTime, nullable=False),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("provider_id", sa.String(200)),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("idempotency_key", name="uq_deliveries_idempotency_key"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "not_before"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "delivery_id",
            BigId,
            sa.ForeignKey(
                "deliveries.id",
                ondelete="CASCADE",
                name="fk_delivery_attempts_delivery_id_deliveries",
            ),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("retryable", sa.Boolean, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])


def downgrade() -> None:
    for table in ("delivery_attempts", "deliveries", "alerts", "level_decisions"):
        op.drop_table(table)
