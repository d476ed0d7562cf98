"""Tables of the analysis context: events and the facts kept up to date as posts arrive.

Facts are kept incrementally (counters per event, per hour and per site), never
recomputed from all posts: an event's page and its grading read these rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db.base import Base, BigId, Json, UTCDateTime


class Event(Base):
    """An online event (舆情事件): posts grouped as one happening."""

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partition: Mapped[str] = mapped_column(String(200), default="")  # the organization
    title: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(Json, default=list)
    first_post_pk: Mapped[int | None] = mapped_column(BigId)
    first_source: Mapped[str] = mapped_column(String(256), default="")
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    reposts: Mapped[int] = mapped_column(BigId, default=0)
    comments: Mapped[int] = mapped_column(BigId, default=0)
    likes: Mapped[int] = mapped_column(BigId, default=0)
    views: Mapped[int] = mapped_column(BigId, default=0)
    sites: Mapped[int] = mapped_column(Integer, default=0)
    top_tier: Mapped[str | None] = mapped_column(String(16))
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    # A person merged this event into another: the manual decision wins and is kept.
    merged_into: Mapped[str | None] = mapped_column(String(64), ForeignKey("events.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extra: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)

    @property
    def summary(self) -> list[str]:
        """Two or three of its own sentences naming its keywords (`events/summarize.py`)."""
        from yuqing.analysis.events.summarize import summary_of

        return summary_of(self.extra or {})

    @property
    def summary_text(self) -> str:
        """The summary as one paragraph (`summarize.joined`)."""
        from yuqing.analysis.events.summarize import joined

        return joined(self.summary)

    __table_args__ = (
        Index("ix_events_last_at", "last_at"),
        Index("ix_events_partition_last_at", "partition", "last_at"),
    )


class EventPost(Base):
    """A post in an event (a post may be in one event per organization)."""

    __tablename__ = "event_posts"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    post_pk: Mapped[int] = mapped_column(
        BigId, ForeignKey("posts.pk", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    manual: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (Index("ix_event_posts_post_pk", "post_pk"),)


class EventHour(Base):
    """Counts per event and hour (UTC) of publication: volume, growth, negative trend."""

    __tablename__ = "event_hours"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    reach: Mapped[int] = mapped_column(BigId, default=0)


class EventSite(Base):
    """Each site (source) an event reached: when first, at which tier, how many posts."""

    __tablename__ = "event_sites"

    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    site: Mapped[str] = mapped_column(String(256), primary_key=True)
    platform: Mapped[str | None] = mapped_column(String(16))
    tier: Mapped[str | None] = mapped_column(String(16))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_post_pk: Mapped[int | None] = mapped_column(BigId)
    posts: Mapped[int] = mapped_column(Integer, default=0)


class EventSplit(Base):
    """A person moved posts out of an event into a new one: the decision is kept.

    The running pipelines read these rows on reload, so their live clusterer moves the
    same posts (and later copies of them follow to the new event).
    """

    __tablename__ = "event_splits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), ForeignKey("events.id", ondelete="CASCADE"))
    new_event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
    partition: Mapped[str] = mapped_column(String(200), default="")  # the organization
    post_pks: Mapped[list[int]] = mapped_column(Json, default=list)  # the posts moved
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_event_splits_event_id", "event_id"),)


class SentimentCorrection(Base):
    """A person's sentiment label for a post (the feed's correction), with the text it
    was given for: training (analysis/sentiment) reads these rows as labelled examples."""

    __tablename__ = "sentiment_corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    post_pk: Mapped[int] = mapped_column(BigId, ForeignKey("posts.pk", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    predicted: Mapped[str | None] = mapped_column(String(8))  # the model's label before
    label: Mapped[str] = mapped_column(String(8))  # negative | neutral | positive
    corrected_by: Mapped[str] = mapped_column(String(200))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sentiment_corrections_post_pk", "post_pk"),)
