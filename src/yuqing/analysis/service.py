"""Reading events and their facts; merging and splitting events by hand (the manual
decision wins and is kept)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yuqing.analysis.events.model import make_title
from yuqing.analysis.facts import absorb, empty_event, rebuild, tier_rank
from yuqing.analysis.heat import heat_index, reach_of
from yuqing.analysis.models import Event, EventHour, EventPost, EventSite, EventSplit
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import _, ngettext
from yuqing.monitor.edits import edits_of
from yuqing.monitor.models import StoredPost
from yuqing.monitor.posts import MEDIA_TIERS, Post
from yuqing.monitor.store import post_from_row

# A representative post's text, and its latest version when edited: the first characters.
TEXT_SHOWN = 200


def get_all(*, session: Session, since: datetime | None = None, limit: int = 50) -> Sequence[Event]:
    """Events still standing (not merged away), hottest first."""
    stmt = select(Event).where(Event.merged_into.is_(None))
    if since is not None:
        stmt = stmt.where(Event.last_at >= since)
    return session.scalars(
        stmt.order_by(Event.heat.desc(), Event.last_at.desc()).limit(limit)
    ).all()


def get_many(*, session: Session, event_ids: Collection[str]) -> Sequence[Event]:
    """The events of `event_ids` that exist, in no particular order."""
    if not event_ids:
        return []
    return session.scalars(select(Event).where(Event.id.in_(list(event_ids)))).all()


def get_or_raise(*, session: Session, event_id: str) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(_("no event {event_id!r}").format(event_id=event_id))
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
    for h, p, _neg in rows:
        days[h.date().isoformat()] = days.get(h.date().isoformat(), 0) + p
    sites = session.scalars(
        select(EventSite).where(EventSite.event_id == event.id).order_by(EventSite.first_at)
    ).all()
    reach = reach_of(
        reposts=event.reposts, comments=event.comments, likes=event.likes, views=event.views
    )
    heat = heat_index(
        hours=[(h, p) for h, p, _neg in rows if h >= now - timedelta(hours=25)],
        now=now,
        reach=reach,
        sites=event.sites,
        top_tier=event.top_tier,
    )
    return {
        "id": event.id,
        # Set when the event was merged into another (its posts are there now).
        "merged_into": event.merged_into,
        "organization": event.partition,
        "title": event.title,
        "keywords": event.keywords,
        "summary": event.summary,
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
        "volume_per_hour": {h.isoformat(): p for h, p, _neg in rows},
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
    The choice reads only the few columns it needs; the chosen posts are loaded whole.
    """
    rows = session.execute(
        select(StoredPost.pk, StoredPost.published_at, StoredPost.duplicate_of_pk,
               StoredPost.media_tier, StoredPost.engagement)
        .join(EventPost, EventPost.post_pk == StoredPost.pk)
        .where(EventPost.event_id == event.id)
        .order_by(StoredPost.published_at)
        .limit(500)
    ).all()  # fmt: skip
    if not rows:
        return []
    originals = [r for r in rows if r.duplicate_of_pk is None] or list(rows)
    chosen = {
        "first": rows[0].pk,
        "most_engaged": max(originals, key=lambda r: sum((r.engagement or {}).values())).pk,
        # A reprint by a higher tier is spread upward: it counts here, copy or not.
        "highest_tier": min(rows, key=lambda r: (tier_rank(r.media_tier), r.published_at)).pk,
    }
    posts = {
        p.pk: p
        for p in session.scalars(select(StoredPost).where(StoredPost.pk.in_(set(chosen.values()))))
    }
    return [
        {"why": why, "id": p.post_id, "source": p.source, "title": p.title,
         "text": p.text[:TEXT_SHOWN], "url": p.url,
         "published_at": p.published_at.isoformat(), **edits_of(p, shown=TEXT_SHOWN)}
        for why, p in ((why, posts[pk]) for why, pk in chosen.items())
    ]  # fmt: skip


def merge(*, session: Session, clock: Clock, keep_id: str, other_id: str) -> Event:
    """Merge `other` into `keep` (a person's decision): its posts and facts move over."""
    if keep_id == other_id:
        raise Conflict(_("an event cannot be merged into itself"))
    keep = get_or_raise(session=session, event_id=keep_id)
    other = get_or_raise(session=session, event_id=other_id)
    if keep.merged_into or other.merged_into:
        raise Conflict(_("one of the events was merged away already"))
    if keep.partition != other.partition:
        raise Conflict(_("events of different organizations cannot be merged"))
    _move_members(session, keep, other, now=clock.now(), manual=True)
    return keep


def _move_members(
    session: Session, keep: Event, other: Event, *, now: datetime, manual: bool
) -> None:
    """Move `other`'s members into `keep`, bring `keep`'s facts up to date, mark `other`
    merged.

    `manual`: a person's decision (the moved memberships become manual, and `keep`'s facts
    are recomputed from all its members: rare, and exact whatever came before); an
    automatic merge leaves each membership's flag as it was (a post a person placed stays
    theirs) and folds only the moved posts into `keep`'s facts: the clusterer merges a few
    times in a thousand posts, often into a big event, which must not be read whole each
    time.
    """
    already = select(EventPost.post_pk).where(EventPost.event_id == keep.id).scalar_subquery()
    moving = (EventPost.event_id == other.id, EventPost.post_pk.not_in(already))
    # A post in both events stays counted once, in `keep`.
    moved = [] if manual else list(session.scalars(select(EventPost.post_pk).where(*moving)))
    values: dict[str, Any] = {"event_id": keep.id}
    if manual:
        values["manual"] = True
    session.execute(update(EventPost).where(*moving).values(**values))
    session.flush()
    if manual:
        rebuild(session, keep, now=now)
    else:
        absorb(session, keep, moved, now=now)
    other.merged_into = keep.id
    keep.updated_at = other.updated_at = now
    session.flush()


def follow_automatic_merge(
    *, session: Session, partition: str, keep_id: str, other_id: str, now: datetime
) -> bool:
    """The live clusterer merged `other_id` into `keep_id` (`Assignment.merged`): move the
    posts stored under `other_id` too, so the store shows one event, as after a person's
    merge but not as a person's decision. Returns whether it merged.

    Left alone: events merged away already (a person's merge stands, and a chain is
    followed to where it ends), events a person split (the clusterer never merges those;
    a split stored since is kept), and events of another partition.
    """
    keep = current(session=session, event_id=keep_id)
    other = session.get(Event, other_id)
    if keep is None or other is None or other.merged_into or keep.id == other.id:
        return False
    if keep.partition != partition or other.partition != partition:
        return False
    split = session.scalar(
        select(EventSplit.id)
        .where(
            (EventSplit.event_id.in_((keep.id, other.id)))
            | (EventSplit.new_event_id.in_((keep.id, other.id)))
        )
        .limit(1)
    )
    if split is not None:
        return False
    _move_members(session, keep, other, now=now, manual=False)
    return True


def current(*, session: Session, event_id: str) -> Event | None:
    """The stored event `event_id` stands for now (following merges, at most 16 hops)."""
    event = session.get(Event, event_id)
    hops = 0
    while event is not None and event.merged_into and hops < 16:
        event = session.get(Event, event.merged_into)
        hops += 1
    return event


def merged_pairs(*, session: Session) -> list[tuple[str, str]]:
    """(kept, merged) for every merge in the store (a person's, the clusterer's followed,
    an event emptied by late replies), so a restarted pipeline follows them."""
    rows = session.execute(
        select(Event.merged_into, Event.id).where(Event.merged_into.is_not(None))
    ).all()
    return [(str(keep), str(other)) for keep, other in rows]


SPLIT_KEYWORDS = 10


def split(
    *,
    session: Session,
    clock: Clock,
    event_id: str,
    post_ids: Sequence[str],
    by: str | None = None,
) -> EventSplit:
    """Move the named posts out of an event into a new one (a person's decision, kept).

    Both events' facts are recomputed from their members, as after a merge. The decision
    is stored, so running pipelines move the same posts in their live clusterer on reload.
    """
    event = get_or_raise(session=session, event_id=event_id)
    if event.merged_into:
        raise Conflict(
            _("event {event_id!r} was merged into {other!r}; split that one").format(
                event_id=event_id, other=event.merged_into
            )
        )
    wanted = list(dict.fromkeys(p for p in post_ids if p))
    if not wanted:
        raise InvalidInput(_("name at least one post to move"))
    members = session.scalars(
        select(StoredPost)
        .join(EventPost, EventPost.post_pk == StoredPost.pk)
        .where(EventPost.event_id == event_id, StoredPost.post_id.in_(wanted))
    ).all()
    found = {p.post_id for p in members}
    for post_id in wanted:
        if post_id not in found:
            _refuse_missing(session, event, post_id)
    total = (
        session.scalar(
            select(func.count()).select_from(EventPost).where(EventPost.event_id == event_id)
        )
        or 0
    )
    if len(members) >= total:
        raise Conflict(
            ngettext(
                "cannot move the only post of event {event_id!r}: nothing would be left",
                "cannot move all {n} posts of event {event_id!r}: nothing would be left",
                total,
            ).format(n=total, event_id=event_id)
        )
    members = sorted(members, key=lambda p: (p.published_at, p.pk))
    first = members[0]
    now = clock.now()
    new_event = empty_event(
        _split_id(session, event, wanted),
        partition=event.partition,
        title=make_title(first.title, first.text),
        keywords=_keywords([p.folded for p in members]),
        first_post_pk=first.pk,
        first_source=first.source or "",
        first_at=first.published_at,
        now=now,
    )
    session.add(new_event)
    session.flush()
    pks = [p.pk for p in members]
    session.execute(
        update(EventPost)
        .where(EventPost.event_id == event_id, EventPost.post_pk.in_(pks))
        .values(event_id=new_event.id, manual=True)
    )
    session.flush()
    # Recomputed from the members, as after a merge: a person's split is rare.
    rebuild(session, event, now=now)
    rebuild(session, new_event, now=now)
    event.updated_at = now
    decision = EventSplit(
        event_id=event_id,
        new_event_id=new_event.id,
        partition=event.partition,
        post_pks=pks,
        decided_by=by,
        decided_at=now,
    )
    session.add(decision)
    session.flush()
    return decision


def _refuse_missing(session: Session, event: Event, post_id: str) -> None:
    """Why a named post cannot be moved out of `event` (always raises)."""
    partitions = set(
        session.scalars(
            select(Event.partition)
            .join(EventPost, EventPost.event_id == Event.id)
            .join(StoredPost, StoredPost.pk == EventPost.post_pk)
            .where(StoredPost.post_id == post_id)
        )
    )
    if partitions and event.partition not in partitions:
        raise InvalidInput(
            _("post {post_id!r} belongs to another organization's events").format(post_id=post_id)
        )
    stored = session.scalar(select(StoredPost.pk).where(StoredPost.post_id == post_id).limit(1))
    if stored is None:
        raise NotFound(_("no post {post_id!r}").format(post_id=post_id))
    raise InvalidInput(
        _("post {post_id!r} is not in event {event_id!r}").format(
            post_id=post_id, event_id=event.id
        )
    )


def _split_id(session: Session, event: Event, post_ids: list[str]) -> str:
    # Stable for the same decision, apart from the clusterer's ids (partition + first post).
    salt = 0
    while True:
        raw = "\x1f".join(["split", event.partition, event.id, *sorted(post_ids), str(salt)])
        new_id = "ev-" + hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()
        if session.get(Event, new_id) is None:
            return new_id
        salt += 1


def _keywords(folded: list[str]) -> list[str]:
    """The words most of the posts share (the clusterer's tokens, bigram features left out)."""
    from yuqing.analysis.events.tokenize import tokens

    counts: Counter[str] = Counter()
    for text in folded[:500]:
        # Each word once a post, in order: ties go to the word met first.
        counts.update(list(dict.fromkeys(w for w in tokens(text) if not w.startswith("_"))))
    return [word for word, _count in counts.most_common(SPLIT_KEYWORDS)]


def get_splits(*, session: Session, after: int = 0) -> Sequence[EventSplit]:
    """Stored splits newer than row id `after`, oldest first."""
    return session.scalars(
        select(EventSplit).where(EventSplit.id > after).order_by(EventSplit.id)
    ).all()


def split_posts(*, session: Session, decision: EventSplit) -> list[Post]:
    """The posts a split moved, as the pipeline's `Post` (what the clusterer reads)."""
    rows = session.scalars(
        select(StoredPost).where(StoredPost.pk.in_(decision.post_pks)).order_by(StoredPost.pk)
    )
    return [post_from_row(row) for row in rows]
