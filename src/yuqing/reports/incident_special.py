"""What the special report (《舆情专报》) adds for the leaders it goes to, from the store:
where the incident spreads (platforms, sites), its tone and the viewpoints behind it
(representative posts), and the momentum a trend judgement rests on.

The plans (seeds: 《党风廉政舆情专报》) ask the office to report a significant situation
at once with a first judgement (研判) and handling suggestions; the judgement and the
suggestions are a person's words (text sections), the figures under them are here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from yuqing.monitor.models import StoredPost
from yuqing.reports.figures import SENTIMENTS, TOP_SITES
from yuqing.reports.incident_course import local, post_scope

VIEWPOINTS_PER_TONE = 3
EXCERPT_CHARS = 120
MOMENTUM_HOURS = 24
# The most prominent media first (central … self-media), then those without a tier.
TIER_ORDER = ("central", "provincial", "municipal", "local", "self")


def posts_by_platform(session: Session, incident_id: int) -> dict[str, int]:
    """Posts per platform, most first (`unknown` when a post names none)."""
    n = func.count().label("n")
    rows = session.execute(
        select(StoredPost.platform, n)
        .where(post_scope(incident_id))
        .group_by(StoredPost.platform)
        .order_by(n.desc(), StoredPost.platform)
    )
    out: dict[str, int] = {}
    for platform, count in rows:
        key = platform or "unknown"
        out[key] = out.get(key, 0) + int(count)
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def top_sites(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """The sources with the most posts of the incident (at most TOP_SITES)."""
    n = func.count().label("n")
    rows = session.execute(
        select(StoredPost.source, n)
        .where(post_scope(incident_id))
        .group_by(StoredPost.source)
        .order_by(n.desc(), StoredPost.source)
        .limit(TOP_SITES)
    )
    return [{"site": site, "posts": int(count)} for site, count in rows]


def sentiment(session: Session, incident_id: int) -> dict[str, int]:
    """Posts by tone; a post without a tone counts as neutral (as in every report)."""
    rows = session.execute(
        select(StoredPost.sentiment_label, func.count())
        .where(post_scope(incident_id))
        .group_by(StoredPost.sentiment_label)
    )
    out = dict.fromkeys(SENTIMENTS, 0)
    for label, count in rows:
        key = label if label in out else "neutral"
        out[key] += int(count)
    return out


def _tone_filter(tone: str) -> Any:
    if tone == "neutral":
        return or_(
            StoredPost.sentiment_label.is_(None),
            StoredPost.sentiment_label.not_in(("negative", "positive")),
        )
    return StoredPost.sentiment_label == tone


def viewpoints(session: Session, incident_id: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Representative posts of each tone: original posts (not copies), the most copied
    first, then the most prominent media, then the earliest; at most three a tone."""
    tier_rank = case(
        *((StoredPost.media_tier == tier, i) for i, tier in enumerate(TIER_ORDER)),
        else_=len(TIER_ORDER),
    )
    out: list[dict[str, Any]] = []
    for tone in SENTIMENTS:
        posts = session.scalars(
            select(StoredPost)
            .where(post_scope(incident_id), StoredPost.duplicate_of_pk.is_(None))
            .where(_tone_filter(tone))
            .order_by(StoredPost.copies.desc(), tier_rank, StoredPost.published_at, StoredPost.pk)
            .limit(VIEWPOINTS_PER_TONE)
        )
        out += [_viewpoint(post, tone, zone) for post in posts]
    return out


def _viewpoint(post: StoredPost, tone: str, zone: ZoneInfo) -> dict[str, Any]:
    text = " ".join((post.text or "").split())
    excerpt = text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"
    return {
        "post": post.uid,
        "tone": tone,
        "title": post.title or "",
        "excerpt": excerpt,
        "source": post.source,
        "platform": post.platform or "",
        "media_tier": post.media_tier,
        "published_at": local(post.published_at, zone),
        "url": post.url or "",
        "copies": post.copies,
    }


def momentum(
    session: Session,
    incident_id: int,
    zone: ZoneInfo,
    now: datetime,
    posts_by_day: list[dict[str, Any]],
) -> dict[str, Any]:
    """Posts published in the last 24 hours against the 24 before, and the direction:
    `rising` (more), `falling` (fewer), `steady` (as many, some), `quiet` (none in
    either); the first and latest post and the busiest day (the first of equals)."""
    window = timedelta(hours=MOMENTUM_HOURS)
    counted = select(
        func.count().filter(StoredPost.published_at >= now - window),
        func.count().filter(
            StoredPost.published_at >= now - 2 * window, StoredPost.published_at < now - window
        ),
        func.min(StoredPost.published_at),
        func.max(StoredPost.published_at),
    ).where(post_scope(incident_id), StoredPost.published_at < now)
    last, previous, first_at, last_at = session.execute(counted).one()
    last, previous = int(last), int(previous)
    if last == previous == 0:
        direction = "quiet"
    elif last == previous:
        direction = "steady"
    else:
        direction = "rising" if last > previous else "falling"
    peak = max(posts_by_day, key=lambda d: d["posts"], default=None)  # the first busiest
    return {
        "as_of": local(now, zone),
        "window_hours": MOMENTUM_HOURS,
        "last_window": last,
        "previous_window": previous,
        "direction": direction,
        "first_at": local(first_at, zone),
        "last_at": local(last_at, zone),
        "peak_day": peak["day"] if peak else "",
        "peak_posts": peak["posts"] if peak else 0,
    }
