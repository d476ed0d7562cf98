"""A post's change number: which change of the store last updated a post already stored
(higher counts, an edit, a review, a tag, a corrected sentiment), so the live feed sends
the rows that changed since its last look. Indexed: the feed's one poller per process
reads the highest number every half second, and each stream reads only the posts past
its own.

On PostgreSQL the numbers come from a sequence (`post_changes`), so two writers never
take the same one; SQLite's writers are serialized and take the highest plus one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("changed", sa.BigInteger(), nullable=True))
    op.create_index("ix_posts_changed", "posts", ["changed"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS post_changes")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS post_changes")
    op.drop_index("ix_posts_changed", table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("changed")
