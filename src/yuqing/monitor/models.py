"""Tables of the monitoring context: sources, watches, posts and their watch matches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db.base import Base, BigId, Json, UTCDateTime


class Source(Base):
    """A configured channel, with its polling state and health."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    platform: Mapped[str | None] = mapped_column(String(16))
    media_tier: Mapped[str | None] = mapped_column(String(16))
    interval_s: Mapped[int] = mapped_column(Integer, default=900)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    keep_all: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Health and resumption: what `source list` shows and `poll` reads.
    cursor: Mapped[dict[str, Any] | None] = mapped_column(Json)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    items_kept: Mapped[int] = mapped_column(Integer, default=0)


class Watch(Base):
    """A stored watch (监测方案): a rule or its group form, optionally limited to sources."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str | None] = mapped_column(Text)
    groups: Mapped[dict[str, list[str]] | None] = mapped_column(Json)
    sources: Mapped[list[str] | None] = mapped_column(Json)
    organization: Mapped[str] = mapped_column(String(200), default="")
    # Where the events of its posts are routed (a department's name; "" for nobody).
    department: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoredPost(Base):
    """A kept post: original text and HTML, folded text, and its place among copies."""

    __tablename__ = "posts"

    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The store's key: the source's own id within the source, else URL, else content.
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    post_id: Mapped[str] = mapped_column(String(512))
    source: Mapped[str] = mapped_column(String(256), default="")
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(256))
    lang: Mapped[str] = mapped_column(String(32), default="und")
    platform: Mapped[str | None] = mapped_column(String(16))
    media_tier: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    engagement: Mapped[dict[str, int]] = mapped_column(Json, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # "Same URL and text" (CONTRACTS duplicates) for posts that came without an own id.
    content_key: Mapped[str] = mapped_column(String(40))
    # Copies are spread, not noise: linked to the first post of their story.
    duplicate_of_pk: Mapped[int | None] = mapped_column(BigId, ForeignKey("posts.pk"))
    duplicate_of: Mapped[str | None] = mapped_column(String(512))
    copies: Mapped[int] = mapped_column(Integer, default=0)
    dedup_sig: Mapped[bytes | None] = mapped_column(LargeBinary)
    watches: Mapped[list[str]] = mapped_column(Json, default=list)
    annotations: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # Tone of the post itself (analysis/sentiment): an event's negative share reads it.
    sentiment_label: Mapped[str | None] = mapped_column(String(8))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    # The post seen again with another text (edited where it was published): how many
    # times, when last, and its latest version: {"title", "text", "seen": the keys of the
    # texts seen of it (`store.text_key`)}. `title` and `text` stay what was first said:
    # what was matched, classified and clustered.
    edits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # The store's change that last updated the post once stored (None: never): higher
    # counts, an edit, a review, a tag, a corrected sentiment. Higher is later
    # (`store.next_change`); the live feed sends the rows changed since its last look.
    changed: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_posts_published_at", "published_at"),
        Index("ix_posts_source", "source"),
        Index("ix_posts_post_id", "post_id"),
        Index("ix_posts_content_key", "content_key"),
        Index("ix_posts_duplicate_of_pk", "duplicate_of_pk"),
        Index("ix_posts_changed", "changed"),
    )


class PostWatch(Base):
    """Which watches a stored post matched (search by watch, counts per watch)."""

    __tablename__ = "post_watches"

    post_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.pk", ondelete="CASCADE"), primary_key=True
    )
    watch: Mapped[str] = mapped_column(String(200), primary_key=True)

    __table_args__ = (Index("ix_post_watches_watch", "watch", "post_pk"),)
