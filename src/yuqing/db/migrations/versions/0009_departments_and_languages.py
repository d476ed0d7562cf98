"""Department routing and alerts in each recipient's language: the department a watch's
events are routed to, an alert's message in every language, a delivery's language.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import Json

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("department", sa.String(100), nullable=False, server_default=""))
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("texts", Json, nullable=True))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("texts")
    with op.batch_alter_table("watches") as batch:
        batch.drop_column("department")
