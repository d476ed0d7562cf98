"""Posts seen again with another text: how many edits, when the last came, and the
latest version (the stored title and text stay what was first said).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import Json, UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("edits", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("posts", sa.Column("edited_at", UTCDateTime, nullable=True))
    op.add_column("posts", sa.Column("latest", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("latest")
        batch.drop_column("edited_at")
        batch.drop_column("edits")
