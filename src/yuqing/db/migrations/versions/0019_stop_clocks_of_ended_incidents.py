"""Deadline clocks of incidents that ended before clocks stopped at the end.

Since this release ending a response stops its running clocks (`stopped`, with the
time; the closing report's runs on) and closing stops the rest. Stores written before
still hold them as `running`: they are stopped here the same way, at the incident's
end (or its closing where it has no end time), so the dashboard's running deadlines and
the assessment stop counting them.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_STOP = """
UPDATE incident_clocks
SET state = 'stopped',
    done_at = (SELECT {moment} FROM incidents WHERE incidents.id = incident_clocks.incident_id)
WHERE state = 'running' {which}
  AND incident_id IN (SELECT id FROM incidents WHERE status IN ({statuses}))
"""


def stop_clocks_of_ended(connection: sa.Connection) -> None:
    """Stop what `closing.end`/`closing.close` would have stopped (the upgrade's work,
    callable on its own so a test can run it on a store at head)."""
    connection.execute(
        sa.text(
            _STOP.format(
                moment="COALESCE(ended_at, closed_at)",
                which="AND name <> 'report:closing'",
                statuses="'ended', 'closed'",
            )
        )
    )
    connection.execute(sa.text(_STOP.format(moment="closed_at", which="", statuses="'closed'")))


def upgrade() -> None:
    stop_clocks_of_ended(op.get_bind())


def downgrade() -> None:
    """Nothing to undo: a stopped clock of an ended incident is what the code writes now."""
