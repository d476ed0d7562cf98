"""Incidents: cases, their events, log, tasks, reports, deadline clocks, fact sheets,
statements and reviews, actions, review, corrective actions and the case library.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, Json, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_cases",
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("archived_at", UTCDateTime, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("document", Json, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_cases")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("tip_channel", sa.String(length=16), nullable=True),
        sa.Column("tip_text", sa.Text(), nullable=True),
        sa.Column("alert_id", BigId, nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=True),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("readers", Json, nullable=False),
        sa.Column("lead_department", sa.String(length=100), nullable=True),
        sa.Column("helpers", Json, nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("proposed_level", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=32), nullable=True),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("entered_stages", Json, nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("handover_to", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("discovered_at", UTCDateTime, nullable=False),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", UTCDateTime, nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", UTCDateTime, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            name=op.f("fk_incidents_alert_id_alerts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_status_level", "incidents", ["status", "level"], unique=False)
    op.create_table(
        "incident_actions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence", Json, nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_actions_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_actions")),
    )
    op.create_index(
        op.f("ix_incident_actions_incident_id"), "incident_actions", ["incident_id"], unique=False
    )
    op.create_table(
        "incident_clocks",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("done_at", UTCDateTime, nullable=True),
        sa.Column("late_minutes", sa.Integer(), nullable=True),
        sa.Column("reminded_at", UTCDateTime, nullable=True),
        sa.Column("escalated_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_clocks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_clocks")),
    )
    op.create_index(
        op.f("ix_incident_clocks_incident_id"), "incident_clocks", ["incident_id"], unique=False
    )
    op.create_index(
        "ix_incident_clocks_running", "incident_clocks", ["state", "due_at"], unique=False
    )
    op.create_table(
        "incident_corrective_actions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_at", UTCDateTime, nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_corrective_actions_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_corrective_actions")),
    )
    op.create_index(
        op.f("ix_incident_corrective_actions_incident_id"),
        "incident_corrective_actions",
        ["incident_id"],
        unique=False,
    )
    op.create_table(
        "incident_events",
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("added_at", UTCDateTime, nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_incident_events_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "event_id", name=op.f("pk_incident_events")),
    )
    op.create_table(
        "incident_fact_sheets",
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("figures", Json, nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_fact_sheets_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_fact_sheets")),
    )
    op.create_table(
        "incident_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_log_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_log")),
    )
    op.create_index("ix_incident_log_incident", "incident_log", ["incident_id", "at"], unique=False)
    op.create_table(
        "incident_reports",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("fields", Json, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("corrects", BigId, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("edited_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", UTCDateTime, nullable=True),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reports_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_reports")),
        sa.UniqueConstraint(
            "incident_id", "kind", "number", "revision", name="uq_incident_reports"
        ),
    )
    op.create_index(
        op.f("ix_incident_reports_incident_id"), "incident_reports", ["incident_id"], unique=False
    )
    op.create_table(
        "incident_reviews",
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("worked", sa.Text(), nullable=False),
        sa.Column("failed", sa.Text(), nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=False),
        sa.Column("written_at", UTCDateTime, nullable=False),
        sa.Column("written_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_reviews_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_reviews")),
    )
    op.create_table(
        "incident_statements",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=True),
        sa.Column("fact_sheet_revision", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("published_text", sa.Text(), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_statements_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_statements")),
    )
    op.create_index(
        op.f("ix_incident_statements_incident_id"),
        "incident_statements",
        ["incident_id"],
        unique=False,
    )
    op.create_table(
        "incident_tasks",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("incident_id", BigId, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("track", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("done_at", UTCDateTime, nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_tasks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_tasks")),
    )
    op.create_index(
        op.f("ix_incident_tasks_incident_id"), "incident_tasks", ["incident_id"], unique=False
    )
    op.create_table(
        "incident_statement_reviews",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("statement_id", BigId, nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("step_name", sa.String(length=100), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["incident_statements.id"],
            name=op.f("fk_incident_statement_reviews_statement_id_incident_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_statement_reviews")),
    )
    op.create_index(
        op.f("ix_incident_statement_reviews_statement_id"),
        "incident_statement_reviews",
        ["statement_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("incident_statement_reviews")
    op.drop_table("incident_tasks")
    op.drop_table("incident_statements")
    op.drop_table("incident_reviews")
    op.drop_table("incident_reports")
    op.drop_table("incident_log")
    op.drop_table("incident_fact_sheets")
    op.drop_table("incident_events")
    op.drop_table("incident_corrective_actions")
    op.drop_table("incident_clocks")
    op.drop_table("incident_actions")
    op.drop_table("incidents")
    op.drop_table("incident_cases")
