"""Monitoring: sources, watches, posts, post_watches and the bigram search index.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yuqing.db.base import BigId, Json, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("platform", sa.String(16)),
        sa.Column("media_tier", sa.String(16)),
        sa.Column("interval_s", sa.Integer, nullable=False),
        sa.Column("internal", sa.Boolean, nullable=False),
        sa.Column("keep_all", sa.Boolean, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("options", Json, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("cursor", Json),
        sa.Column("next_poll_at", UTCDateTime),
        sa.Column("last_poll_at", UTCDateTime),
        sa.Column("last_success_at", UTCDateTime),
        sa.Column("last_error_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("items_seen", sa.Integer, nullable=False),
        sa.Column("items_kept", sa.Integer, nullable=False),
        sa.UniqueConstraint("name", name="uq_sources_name"),
    )
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("rule", sa.Text),
        sa.Column("groups", Json),
        sa.Column("sources", Json),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("name", name="uq_watches_name"),
    )
    op.create_table(
        "posts",
        sa.Column("pk", BigId, primary_key=True, autoincrement=True),
        sa.Column("uid", sa.String(64), nullable=False),
        sa.Column("post_id", sa.String(512), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("html", sa.Text),
        sa.Column("folded", sa.Text, nullable=False),
        sa.Column("author", sa.String(256)),
        sa.Column("lang", sa.String(32), nullable=False),
        sa.Column("platform", sa.String(16)),
        sa.Column("media_tier", sa.String(16)),
        sa.Column("published_at", UTCDateTime, nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("engagement", Json, nullable=False),
        sa.Column("extra", Json, nullable=False),
        sa.Column("content_key", sa.String(40), nullable=False),
        sa.Column(
            "duplicate_of_pk",
            BigId,
            sa.ForeignKey("posts.pk", name="fk_posts_duplicate_of_pk_posts"),
        ),
        sa.Column("duplicate_of", sa.String(512)),
        sa.Column("copies", sa.Integer, nullable=False),
        sa.Column("dedup_sig", sa.LargeBinary),
        sa.Column("watches", Json, nullable=False),
        sa.Column("annotations", Json, nullable=False),
        sa.UniqueConstraint("uid", name="uq_posts_uid"),
    )
    op.create_index("ix_posts_published_at", "posts", ["published_at"])
    op.create_index("ix_posts_source", "posts", ["source"])
    op.create_index("ix_posts_post_id", "posts", ["post_id"])
    op.create_index("ix_posts_content_key", "posts", ["content_key"])
    op.create_index("ix_posts_duplicate_of_pk", "posts", ["duplicate_of_pk"])
    op.create_table(
        "post_watches",
        sa.Column(
            "post_pk",
            BigId,
            sa.ForeignKey("posts.pk", ondelete="CASCADE", name="fk_post_watches_post_pk_posts"),
            primary_key=True,
        ),
        sa.Column("watch", sa.String(200), primary_key=True),
    )
    op.create_index("ix_post_watches_watch", "post_watches", ["watch", "post_pk"])
    # The search index holds our own tokens (CJK bigrams and Latin words, see
    # db/search.py): trigram indexes cannot find two-character Chinese words.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE post_search USING fts5("
            "tokens, content='', tokenize='unicode61 remove_diacritics 0')"
        )
    else:
        op.execute(
            "CREATE TABLE post_search (post_pk BIGINT PRIMARY KEY "
            "REFERENCES posts(pk) ON DELETE CASCADE, vector tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_post_search_vector ON post_search USING gin (vector)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS post_search")
    op.drop_table("post_watches")
    op.drop_table("posts")
    op.drop_table("watches")
    op.drop_table("sources")
