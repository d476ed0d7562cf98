"""Reading events and their facts; merging events by hand (the manual decision wins)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yuqing.analysis.facts import rebuild, tier_rank
from yuqing.analysis.heat import heat_index, reach_of
from yuqing.analysis.models import Event, EventHour, EventPost, EventSite
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, NotFound
from yuqing.monitor.models import StoredPost
from yuqing.monitor.posts import MEDIA_TIERS


def get_all(*, session: Session, since: datetime | None = None, limit: int = 50) -> Sequence[Event]:
    """Events still standing (not merged away), hottest first."""
    stmt = select(Event).where(Event.merged_into.is_(None))
    if since is not None:
        stmt = stmt.where(Event.last_at >= since)
    return session.scalars(
        stmt.order_by(Event.heat.desc(), Event.last_at.desc()).limit(limit)
    ).all()


def get_or_raise(*, session: Session, event_id: str) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"no event {event_id!r}")
    return event


def _window(hours: dict[datetime, tuple[int, int]], end: datetime, width: int) -> tuple[int, int]:
    posts = negative = 0
    for h in range(width):
        p, n = hours.get(end - timedelta(hours=h), (0, 0))
        posts, negative = posts + p, negative + n
    return posts, negative


def facts(*, session: Session, event: Event, now: datetime) -> dict[str, Any]:
    """Everything the grading and the UI read of one event, as plain data."""
    rows = session.execute(
        select(EventHour.hour, EventHour.posts, EventHour.negative)
        .where(EventHour.event_id == event.id)
        .order_by(EventHour.hour)
    ).all()
    hours = {h: (p, n) for h, p, n in rows}
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    last, before = (
        _window(hours, this_hour, 1)[0],
        _window(hours, this_hour - timedelta(hours=1), 1)[0],
    )
    earlier = _window(hours, this_hour - timedelta(hours=2), 1)[0]
    recent6, older6 = (
        _window(hours, this_hour, 6),
        _window(hours, this_hour - timedelta(hours=6), 6),
    )
    days: dict[str, int] = {}
    for h, p, _ in rows:
        days[h.date().isoformat()] = days.get(h.date().isoformat(), 0) + p
    sites = session.scalars(
        select(EventSite).where(EventSite.event_id == event.id).order_by(EventSite.first_at)
    ).all()
    reach = reach_of(
        reposts=event.reposts, comments=event.comments, likes=event.likes, views=event.views
    )
    heat = heat_index(
        hours=[(h, p) for h, p, _ in rows if h >= now - timedelta(hours=25)],
        now=now,
        reach=reach,
        sites=event.sites,
        top_tier=event.top_tier,
    )
    return {
        "id": event.id,
        "organization": event.partition,
        "title": event.title,
        "keywords": event.keywords,
        "first_at": event.first_at.isoformat(),
        "last_at": event.last_at.isoformat(),
        "first_source": event.first_source,
        "posts": event.posts,
        "copies": event.copies,
        "sites": event.sites,
        "top_tier": event.top_tier,
        "negative_share": round(event.negative / event.posts, 3) if event.posts else 0.0,
        "negative_share_6h": _share(recent6),
        "negative_share_prev_6h": _share(older6),
        "volume_per_hour": {h.isoformat(): p for h, p, _ in rows},
        "volume_per_day": days,
        "growth_last_hour": last - before,  # posts this hour minus the hour before
        "acceleration": (last - before) - (before - earlier),
        "reach": {
            "reposts": event.reposts,
            "comments": event.comments,
            "likes": event.likes,
            "views": event.views,
        },
        "spread_path": _spread_path(sites),
        "top_outlets": [
            {"site": s.site, "posts": s.posts, "tier": s.tier}
            for s in sorted(sites, key=lambda s: (-s.posts, tier_rank(s.tier)))[:10]
        ],
        "representative_posts": _representatives(session, event),
        "heat": heat.explain(),
    }


def _share(window: tuple[int, int]) -> float | None:
    posts, negative = window
    return round(negative / posts, 3) if posts else None


def _spread_path(sites: Sequence[EventSite]) -> list[dict[str, Any]]:
    """Sites in the order the event reached them, noting each new highest tier."""
    path: list[dict[str, Any]] = []
    best = len(MEDIA_TIERS) + 1
    for site in sites:
        rank = tier_rank(site.tier)
        path.append(
            {
                "site": site.site,
                "tier": site.tier,
                "platform": site.platform,
                "first_at": site.first_at.isoformat(),
                "new_highest_tier": rank < best,
            }
        )
        best = min(best, rank)
    return path


def _representatives(session: Session, event: Event) -> list[dict[str, Any]]:
    """The first post, the most engaged and the one from the highest tier.

    Reading is bounded (the first 500 posts): an event's page must not load millions.
    """
    posts = session.scalars(
        select(StoredPost)
        .join(EventPost, EventPost.post_pk == StoredPost.pk)
        .where(EventPost.event_id == event.id)
        .order_by(StoredPost.published_at)
        .limit(500)
    ).all()
    if not posts:
        return []
    originals = [p for p in posts if p.duplicate_of_pk is None] or list(posts)
    chosen = {
        "first": posts[0],
        "most_engaged": max(originals, key=lambda p: sum((p.engagement or {}).values())),
        # A reprint by a higher tier is spread upward: it counts here, copy or not.
        "highest_tier": min(posts, key=lambda p: (tier_rank(p.media_tier), p.published_at)),
    }
    return [
        {"why": why, "id": p.post_id, "source": p.source, "title": p.title,
         "text": p.text[:200], "url": p.url, "published_at": p.published_at.isoformat()}
        for why, p in chosen.items()
    ]  # fmt: skip


def merge(*, session: Session, clock: Clock, keep_id: str, other_id: str) -> Event:
    """Merge `other` into `keep` (a person's decision): its posts and facts move over."""
    if keep_id == other_id:
        raise Conflict("an event cannot be merged into itself")
    keep = get_or_raise(session=session, event_id=keep_id)
    other = get_or_raise(session=session, event_id=other_id)
    if keep.merged_into or other.merged_into:
        raise Conflict("one of the events was merged away already")
    if keep.partition != other.partition:
        raise Conflict("events of different organizations cannot be merged")
    already = select(EventPost.post_pk).where(EventPost.event_id == keep_id).scalar_subquery()
    session.execute(
        update(EventPost)
        .where(EventPost.event_id == other_id, EventPost.post_pk.not_in(already))
        .values(event_id=keep_id, manual=True)
    )
    # Recomputed from the members (a post in both events counts once): a person's merge
    # is rare, so exactness beats an incremental shortcut here.
    session.flush()
    rebuild(session, keep, now=clock.now())
    other.merged_into = keep_id
    keep.updated_at = other.updated_at = clock.now()
    session.flush()
    return keep


def merged_pairs(*, session: Session) -> list[tuple[str, str]]:
    """(kept, merged) for every manual merge, so a restarted pipeline follows them."""
    rows = session.execute(
        select(Event.merged_into, Event.id).where(Event.merged_into.is_not(None))
    ).all()
    return [(str(keep), str(other)) for keep, other in rows]
