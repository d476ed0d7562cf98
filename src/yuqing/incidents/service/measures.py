"""The event measured before and after each published statement: did it calm down or
re-ignite? (PRODUCT §6: "after a statement the event keeps being measured".)

For each published statement two windows of equal length meet at its publication time:
as long as the time since then, at most `MAX_WINDOW`, so the "after" side is always
complete and the two sides compare count for count. The posts are those of the
incident's events (each post once, by its publication time); the negative share reads
each post's sentiment label; a new site is one where none of the incident's events had
been seen before the statement and that first appears in the "after" window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yuqing.analysis.models import EventPost, EventSite
from yuqing.incidents.models import IncidentEvent, Statement
from yuqing.incidents.schemas import StatementMeasures, WindowMeasures
from yuqing.monitor.models import StoredPost

MAX_WINDOW = timedelta(hours=24)  # a day either side says whether it calmed down

CALMED, REIGNITED, MIXED, QUIET, TOO_EARLY = "calmed", "re-ignited", "mixed", "quiet", "too early"


def _window(
    session: Session, incident_id: int, start: datetime, end: datetime, sites_before: datetime
) -> WindowMeasures:
    events = select(IncidentEvent.event_id).where(IncidentEvent.incident_id == incident_id)
    posts = select(EventPost.post_pk).where(EventPost.event_id.in_(events))
    count, negative, sites = session.execute(
        select(
            func.count(StoredPost.pk),
            func.coalesce(
                func.sum(case((StoredPost.sentiment_label == "negative", 1), else_=0)), 0
            ),
            func.count(func.distinct(StoredPost.source)),
        ).where(
            StoredPost.pk.in_(posts),
            StoredPost.published_at >= start,
            StoredPost.published_at < end,
        )
    ).one()
    first_seen = (
        select(EventSite.site, func.min(EventSite.first_at).label("first_at"))
        .where(EventSite.event_id.in_(events))
        .group_by(EventSite.site)
        .subquery()
    )
    new_sites = session.scalar(
        select(func.count()).where(
            first_seen.c.first_at >= max(start, sites_before), first_seen.c.first_at < end
        )
    )
    return WindowMeasures(
        start=start,
        end=end,
        posts=count,
        negative=negative,
        negative_share=round(negative / count, 3) if count else 0.0,
        sites=sites,
        new_sites=new_sites or 0,
    )


def trend(before: WindowMeasures, after: WindowMeasures) -> str:
    """Calmed: fewer posts and no larger negative share; re-ignited: more posts or new
    sites with a larger negative share; mixed otherwise."""
    if before.posts == after.posts == 0:
        return QUIET
    if after.posts < before.posts and after.negative_share <= before.negative_share:
        return CALMED
    if after.posts > before.posts or (
        after.new_sites and after.negative_share > before.negative_share
    ):
        return REIGNITED
    return MIXED


def measure(
    *, session: Session, incident_id: int, statements: list[Statement], now: datetime
) -> list[StatementMeasures]:
    """Before and after measures of each published statement, oldest first."""
    published = sorted(
        (s for s in statements if s.published_at is not None),
        key=lambda s: (s.published_at, s.id),
    )
    out = []
    for statement in published:
        at = statement.published_at
        assert at is not None
        span = min(max(now - at, timedelta(0)), MAX_WINDOW)
        minutes = int(span.total_seconds() // 60)
        if minutes == 0:
            empty = WindowMeasures(start=at, end=at)
            out.append(
                StatementMeasures(
                    statement_id=statement.id,
                    number=statement.number,
                    published_at=at,
                    window_minutes=0,
                    before=empty,
                    after=empty,
                    trend=TOO_EARLY,
                )
            )
            continue
        span = timedelta(minutes=minutes)
        # "New" sites after: none of the events had reached them before publication.
        before = _window(session, incident_id, at - span, at, at - span)
        after = _window(session, incident_id, at, at + span, at)
        out.append(
            StatementMeasures(
                statement_id=statement.id,
                number=statement.number,
                published_at=at,
                window_minutes=minutes,
                before=before,
                after=after,
                trend=trend(before, after),
            )
        )
    return out
