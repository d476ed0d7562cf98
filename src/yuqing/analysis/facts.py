"""Event facts, kept up to date batch by batch (never recomputed from all posts).

For each event a batch touched: counters (posts, copies, tone, engagement), posts per
hour (volume, growth, negative trend), the sites it reached with their tiers (first
source, spread path, highest tier), and the heat index. One transaction with the posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, inspect, select, update
from sqlalchemy.orm import Session

from yuqing.analysis.events import summarize
from yuqing.analysis.events.model import EventSummary, make_title
from yuqing.analysis.heat import WINDOW, heat_index, reach_of
from yuqing.analysis.models import Event, EventHour, EventPost, EventSite
from yuqing.analysis.sentiment.confidence import counted_label, default_min_confidence
from yuqing.db.base import Base
from yuqing.monitor.models import StoredPost, Watch
from yuqing.monitor.posts import MEDIA_TIERS, Post
from yuqing.monitor.store import Grown, post_from_row

SummaryFn = Callable[[str], EventSummary | None]
REACH_KEYS = ("reposts", "comments", "likes", "views")
# The hour rows heat_index reads: its window and the hour in progress.
HEAT_HOURS = WINDOW + timedelta(hours=1)


def tier_rank(tier: str | None) -> int:
    """0 for central media … 4 for self-media; unknown tiers rank last."""
    return MEDIA_TIERS.index(tier) if tier in MEDIA_TIERS else len(MEDIA_TIERS)


def higher_tier(a: str | None, b: str | None) -> str | None:
    return a if tier_rank(a) <= tier_rank(b) else b


def site_of(post: Post) -> str:
    """Where a post was published: its source name, else its URL's host."""
    if post.source:
        return post.source
    if post.url:
        from urllib.parse import urlsplit

        return urlsplit(post.url).hostname or post.url
    return "unknown"


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


# Where an event keeps the rank of the post its title comes from (`title_rank`).
TITLE_FROM = "title_from"
TitleRank = tuple[bool, bool, int, float, int]


def title_rank(post: Post, pk: int) -> TitleRank:
    """How well a post stands for its event, best first: an original before a copy (a
    copy repeats someone else's words), a post with a headline before one without, a
    higher media tier, the earlier report, then the earlier stored."""
    return (
        post.duplicate_of is not None,
        not post.title.strip(),
        tier_rank(post.media_tier),
        post.published_at.timestamp(),
        pk,
    )


def retitle(event: Event | NewEvent, posts: Iterable[tuple[Post, int]]) -> None:
    """Title `event` after its most representative own post among its current title's
    post and `posts` (its headline, else a short lead of its text)."""
    best = min(((title_rank(p, pk), p) for p, pk in posts), key=_rank, default=None)
    if best is None:
        return
    rank, post = best
    held = event.extra.get(TITLE_FROM)
    if held is not None and tuple(held) <= rank:
        return
    event.title = make_title(post.title, post.text)
    # A new dict: the JSON column sees the change.
    event.extra = {**event.extra, TITLE_FROM: list(rank)}


def _rank(item: tuple[TitleRank, Post]) -> TitleRank:
    return item[0]


def event_ids_of(post: Post) -> list[str]:
    ids = post.annotations.get("event_ids")
    if ids:
        return list(ids)
    single = post.annotations.get("event_id")
    return [single] if single else []


@dataclass(slots=True)
class _Hour:
    posts: int = 0
    negative: int = 0
    reach: int = 0
    stored: bool = False  # the row exists in the store (update), else insert


@dataclass(slots=True)
class _Site:
    platform: str | None
    tier: str | None
    first_at: datetime
    first_post_pk: int | None
    posts: int = 0
    stored: bool = False


@dataclass
class _Known:
    """Hour and site rows of the touched events, read once per batch and written back
    with one executemany per kind (plain values: ORM objects cost more than the rest
    of the facts together on a batch of posts spread over many hours and sites)."""

    hours: dict[tuple[str, datetime], _Hour] = field(default_factory=dict)
    sites: dict[tuple[str, str], _Site] = field(default_factory=dict)

    def write(self, session: Session) -> None:
        hours: list[dict[str, Any]] = [
            {"event_id": e, "hour": h, "posts": r.posts, "negative": r.negative, "reach": r.reach}
            for (e, h), r in self.hours.items()
        ]
        sites: list[dict[str, Any]] = [
            {"event_id": e, "site": s, "platform": r.platform, "tier": r.tier,
             "first_at": r.first_at, "first_post_pk": r.first_post_pk, "posts": r.posts}
            for (e, s), r in self.sites.items()
        ]  # fmt: skip
        kinds: tuple[tuple[type[Base], list[dict[str, Any]], list[bool]], ...] = (
            (EventHour, hours, [r.stored for r in self.hours.values()]),
            (EventSite, sites, [r.stored for r in self.sites.values()]),
        )
        for model, rows, stored in kinds:
            old = [row for row, was in zip(rows, stored, strict=True) if was]
            new = [row for row, was in zip(rows, stored, strict=True) if not was]
            if old:
                session.execute(update(model), old)  # by primary key
            if new:
                session.execute(insert(_table(model)), new)


def _table(model: type[Base]) -> Table:
    # Core inserts of plain rows: the ORM's bulk path handles each row in Python first.
    return cast(Table, model.__table__)


# Where an event keeps the departments it is routed to (those of its posts' watches),
# and those a person took it off (analysis/departments.py), which the watches leave alone.
DEPARTMENTS = "departments"
REMOVED_DEPARTMENTS = "departments_removed"


def route(
    event: Event | NewEvent, posts: Iterable[tuple[Post, int]], departments: Mapping[str, str]
) -> None:
    """Add to the event's departments those of the watches its `posts` matched: once
    routed to a department, an event stays routed there (its people may be on it), and
    once a person took it off a department, the watches do not route it back."""
    found = {departments[w] for post, _ in posts for w in post.watches if departments.get(w)}
    found -= set(event.extra.get(REMOVED_DEPARTMENTS) or ())
    held = set(event.extra.get(DEPARTMENTS) or ())
    if found - held:
        # A new dict: the JSON column sees the change.
        event.extra = {**event.extra, DEPARTMENTS: sorted(held | found)}


def update_facts(
    conn: Connection,
    stored: list[tuple[Post, int]],
    *,
    now: datetime,
    summary: SummaryFn,
    departments: Mapping[str, str] | None = None,
) -> None:
    """Fold a batch of stored posts into their events' facts; `departments` (watch name →
    department) routes the events to the departments of the watches their posts matched."""
    batches: dict[str, list[tuple[Post, int]]] = defaultdict(list)
    for post, pk in stored:
        for event_id in event_ids_of(post):
            batches[event_id].append((post, pk))
    if not batches:
        return
    session = Session(bind=conn)
    # Locked (PostgreSQL; SQLite's writer holds the whole store) in id order, which keeps
    # two writers from deadlocking: a person's change to an event's `extra` (its
    # departments) is then never overwritten by this batch's older copy of it. NO KEY
    # UPDATE (`key_share`), as the UPDATE of these columns itself takes: rows that only
    # refer to the event (an incident opened from it) need not wait for this batch, nor
    # this batch for them.
    events = {
        e.id: e
        for e in session.scalars(
            select(Event)
            .where(Event.id.in_(list(batches)))
            .order_by(Event.id)
            .with_for_update(key_share=True)
        )
    }
    for event_id, row in list(events.items()):
        if row.merged_into:  # merged by a person: the posts go where the person said
            target = session.get(Event, row.merged_into)
            if target is not None:
                batches[target.id] = batches.get(target.id, []) + batches.pop(event_id)
                events[target.id] = target
    members = {
        (event_id, pk)
        for event_id, pk in session.execute(
            select(EventPost.event_id, EventPost.post_pk).where(
                EventPost.post_pk.in_([pk for _, pk in stored])
            )
        )
    }
    # A post counts once in an event, even when a batch is folded in again.
    batches = {
        event_id: kept
        for event_id, posts in batches.items()
        if (kept := [(p, pk) for p, pk in posts if (event_id, pk) not in members])
    }
    known = _known(session, batches, stored=list(events))
    touched: dict[str, Event | NewEvent] = {}
    new_members: list[dict[str, object]] = []
    for event_id, posts in batches.items():
        info = summary(event_id)
        event: Event | NewEvent | None = events.get(event_id)
        if event is None:
            event = _new_event(event_id, posts, now, partition=info.partition if info else "")
        touched[event_id] = event
        _apply(event, posts, now, known=known)
        retitle(event, posts)
        if departments:
            route(event, posts, departments)
        new_members += (
            {"event_id": event.id, "post_pk": pk, "joined_at": now, "manual": False}
            for _, pk in posts
        )
        # Only the live event of this very id: after the clusterer merged it into another,
        # the summary is the other event's (its words, not this event's).
        if info is not None and info.event_id == event_id:
            # Features such as character bigrams are marked with "_": not words to show.
            event.keywords = [k for k in info.keywords if not k.startswith("_")]
        event.extra = summarize.update(event.extra, (p for p, _ in posts), event.keywords)
    created = [e for e in touched.values() if isinstance(e, NewEvent)]
    _update_heat(session, list(touched.values()), now, known=known)
    session.flush()
    # New events, their members, hours and sites: one executemany each. As ORM objects
    # they cost more than all the other facts of the batch together (most events of a
    # busy stream are new and small).
    if created:
        session.execute(insert(_table(Event)), [e.row() for e in created])
    if new_members:
        session.execute(insert(_table(EventPost)), new_members)
    known.write(session)
    session.flush()
    session.close()


def grow_engagement(conn: Connection, grown: Sequence[Grown], *, now: datetime) -> None:
    """Posts stored before were seen again with higher engagement: their events' counts,
    the reach of the hour each was published in, and the events' heat grow by the
    difference (the posts themselves are updated already, `store.update_seen`)."""
    if not grown:
        return
    by_pk = {g.pk: g for g in grown}
    session = Session(bind=conn)
    members = session.execute(
        select(EventPost.event_id, EventPost.post_pk, StoredPost.published_at)
        .join(StoredPost, StoredPost.pk == EventPost.post_pk)
        .where(EventPost.post_pk.in_(list(by_pk)))
    ).all()
    if not members:
        session.close()
        return
    # Locked in id order, as `update_facts` locks them (see there).
    events = {
        e.id: e
        for e in session.scalars(
            select(Event)
            .where(Event.id.in_({event_id for event_id, _, _ in members}))
            .order_by(Event.id)
            .with_for_update(key_share=True)
        )
    }
    known = _Known()
    touched: dict[str, Event | NewEvent] = {}
    hours: dict[tuple[str, datetime], int] = defaultdict(int)
    for event_id, pk, published_at in members:
        event = events.get(event_id)
        if event is None:
            continue
        post = by_pk[pk]
        for key in REACH_KEYS:
            more = post.after.get(key, 0) - post.before.get(key, 0)
            if more > 0:
                setattr(event, key, getattr(event, key) + more)
        hours[(event_id, hour_of(published_at))] += _reach(post.after) - _reach(post.before)
        event.updated_at = now
        touched[event_id] = event
    for pair, row in _stored_hours(session, set(hours)).items():
        row.reach += hours[pair]
        known.hours[pair] = row
    _update_heat(session, list(touched.values()), now, known=known)
    session.flush()
    known.write(session)
    session.flush()
    session.close()


def _reach(engagement: Mapping[str, int]) -> int:
    return reach_of(
        reposts=engagement.get("reposts", 0),
        comments=engagement.get("comments", 0),
        likes=engagement.get("likes", 0),
        views=engagement.get("views", 0),
    )


def _stored_hours(
    session: Session, pairs: set[tuple[str, datetime]]
) -> dict[tuple[str, datetime], _Hour]:
    """The stored hour rows of these (event, hour) pairs. Two plain IN lists, not one IN
    of pairs: SQLite answers a row-value IN by scanning the whole table (a second a batch
    at a million posts), these by the primary key; the pairs they also match that were
    not asked for are left out here."""
    h = EventHour
    rows = session.execute(
        select(h.event_id, h.hour, h.posts, h.negative, h.reach).where(
            h.event_id.in_({e for e, _ in pairs}), h.hour.in_({hour for _, hour in pairs})
        )
    )
    return {
        (event_id, hour): _Hour(posts, negative, reach, stored=True)
        for event_id, hour, posts, negative, reach in rows
        if (event_id, hour) in pairs
    }


def _known(
    session: Session, batches: dict[str, list[tuple[Post, int]]], stored: Iterable[str]
) -> _Known:
    """The hour and site rows the batch touches of the `stored` events (an event the
    batch opens has none yet)."""
    # Only the (event, hour) and (event, site) pairs this batch has: an event reached by
    # many sites must not load all of them for every batch.
    old = [(e, batches[e]) for e in stored if e in batches]
    if not old:
        return _Known()
    hours = {(e, hour_of(p.published_at)) for e, posts in old for p, _ in posts}
    sites = {(e, site_of(p)) for e, posts in old for p, _ in posts}
    s = EventSite
    events = {e for e, _ in sites}
    # As `_stored_hours`: two plain IN lists, filtered to the pairs wanted.
    return _Known(
        hours=_stored_hours(session, hours),
        sites={
            (event_id, site): _Site(platform, tier, first_at, first_pk, posts, stored=True)
            for event_id, site, platform, tier, first_at, first_pk, posts in session.execute(
                select(
                    s.event_id, s.site, s.platform, s.tier, s.first_at, s.first_post_pk, s.posts
                ).where(s.event_id.in_(events), s.site.in_({site for _, site in sites}))
            )
            if (event_id, site) in sites
        },
    )


def _update_heat(
    session: Session, events: list[Event | NewEvent], now: datetime, *, known: _Known
) -> None:
    """Set each event's heat from its posts of the last `HEAT_HOURS` (read before `known`
    is written: the batch's own counts come from `known`, older ones from the store)."""
    since = now - HEAT_HOURS
    recent: dict[str, dict[datetime, int]] = defaultdict(dict)
    stored = [e.id for e in events if isinstance(e, Event)]
    if stored:
        for event_id, hour, posts in session.execute(
            select(EventHour.event_id, EventHour.hour, EventHour.posts)
            .where(EventHour.event_id.in_(stored))
            .where(EventHour.hour >= since)
        ):
            recent[event_id][hour] = posts
    for (event_id, hour), row in known.hours.items():
        if hour >= since:
            recent[event_id][hour] = row.posts
    for event in events:
        event.heat = heat_index(
            hours=list(recent[event.id].items()),
            now=now,
            reach=reach_of(
                reposts=event.reposts, comments=event.comments, likes=event.likes, views=event.views
            ),
            sites=event.sites,
            top_tier=event.top_tier,
        ).value


@dataclass(slots=True)
class NewEvent:
    """An event this batch opens, as plain values: written with one executemany."""

    id: str
    partition: str
    title: str
    first_post_pk: int | None
    first_source: str
    first_at: datetime
    last_at: datetime
    updated_at: datetime
    keywords: list[str] = field(default_factory=list)
    posts: int = 0
    copies: int = 0
    negative: int = 0
    positive: int = 0
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    views: int = 0
    sites: int = 0
    top_tier: str | None = None
    heat: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The `events` row (no merge target yet)."""
        return {name: getattr(self, name) for name in self.__slots__} | {"merged_into": None}


def _new_event(
    event_id: str, posts: list[tuple[Post, int]], now: datetime, *, partition: str
) -> NewEvent:
    first_post, first_pk = min(posts, key=lambda item: item[0].published_at)
    return NewEvent(
        id=event_id,
        partition=partition,
        title="",  # `retitle` names it after its posts
        first_post_pk=first_pk,
        first_source=site_of(first_post),
        first_at=first_post.published_at,
        last_at=first_post.published_at,
        updated_at=now,
    )


def empty_event(
    event_id: str,
    *,
    partition: str,
    title: str,
    first_post_pk: int,
    first_source: str,
    first_at: datetime,
    now: datetime,
    keywords: list[str] | None = None,
) -> Event:
    """A new event row with every count at zero (its posts are folded in after)."""
    fresh = NewEvent(
        id=event_id,
        partition=partition,
        title=title,
        first_post_pk=first_post_pk,
        first_source=first_source,
        first_at=first_at,
        last_at=first_at,
        updated_at=now,
        keywords=keywords or [],
    )
    return Event(**fresh.row())


def _apply(
    event: Event | NewEvent,
    posts: list[tuple[Post, int]],
    now: datetime,
    *,
    known: _Known,
) -> None:
    min_confidence = default_min_confidence()
    hours: dict[datetime, list[int]] = defaultdict(lambda: [0, 0, 0])
    sites: dict[str, tuple[Post, int, int]] = {}
    # Totals are summed in plain variables and set on the ORM row once: every attribute
    # set on a mapped object costs microseconds of change tracking.
    copies = negative = positive = 0
    totals = dict.fromkeys(REACH_KEYS, 0)
    first_at, first_pk, first_source = event.first_at, event.first_post_pk, event.first_source
    last_at, top_tier = event.last_at, event.top_tier
    for post, pk in posts:
        label = counted_label(post.annotations.get("sentiment"), min_confidence)
        engagement = post.engagement
        reach = reach_of(
            reposts=engagement.get("reposts", 0),
            comments=engagement.get("comments", 0),
            likes=engagement.get("likes", 0),
            views=engagement.get("views", 0),
        )
        copies += post.duplicate_of is not None
        negative += label == "negative"
        positive += label == "positive"
        for key in REACH_KEYS:
            totals[key] += engagement.get(key, 0)
        if post.published_at < first_at:
            first_at, first_pk, first_source = post.published_at, pk, site_of(post)
        last_at = max(last_at, post.published_at)
        top_tier = higher_tier(top_tier, post.media_tier)
        bucket = hours[hour_of(post.published_at)]
        bucket[0] += 1
        bucket[1] += label == "negative"
        bucket[2] += reach
        site = site_of(post)
        earlier = sites.get(site)
        count = (earlier[2] if earlier else 0) + 1
        first = earlier if earlier and earlier[0].published_at <= post.published_at else None
        sites[site] = (first[0], first[1], count) if first else (post, pk, count)
    event.posts += len(posts)
    event.copies += copies
    event.negative += negative
    event.positive += positive
    for key, total in totals.items():
        setattr(event, key, getattr(event, key) + total)
    if first_pk != event.first_post_pk:
        event.first_at, event.first_post_pk, event.first_source = first_at, first_pk, first_source
    if last_at != event.last_at:
        event.last_at = last_at
    if top_tier != event.top_tier:
        event.top_tier = top_tier
    for hour, (count, negative_in_hour, reach) in hours.items():
        row = known.hours.get((event.id, hour))
        if row is None:
            row = known.hours[(event.id, hour)] = _Hour()
        row.posts += count
        row.negative += negative_in_hour
        row.reach += reach
    new_sites = 0
    for site, (post, pk, count) in sites.items():
        site_row = known.sites.get((event.id, site))
        if site_row is None:
            site_row = known.sites[(event.id, site)] = _Site(
                post.platform, post.media_tier, post.published_at, pk
            )
            new_sites += 1
        site_row.posts += count
        if post.published_at < site_row.first_at:
            site_row.first_at, site_row.first_post_pk = post.published_at, pk
        site_row.tier = higher_tier(site_row.tier, post.media_tier)
    if new_sites:
        event.sites += new_sites
    event.updated_at = now


def watch_departments(session: Session) -> dict[str, str]:
    """Watch name → the department its events are routed to (watches that route)."""
    return dict(
        session.execute(select(Watch.name, Watch.department).where(Watch.department != "")).all()
    )


# Posts read at a time when an event's facts are recomputed or extended from the store:
# a big event must not be loaded whole (an automatic merge into a story of 100,000 posts).
READ_CHUNK = 2000


def absorb(session: Session, event: Event, post_pks: Sequence[int], *, now: datetime) -> None:
    """Fold posts that just joined `event` into its facts, as a batch of new posts would
    be: the posts of an event the clusterer merged into it (its other members are not read
    again), or all its members once `rebuild` has set its figures to zero.

    The posts are read `READ_CHUNK` at a time, so the cost and the memory are those of the
    moved posts, however big `event` is (its facts were kept up to date batch by batch).
    """
    departments = watch_departments(session)
    held = set(session.identity_map.keys())  # rows the caller holds stay in the session
    for start in range(0, len(post_pks), READ_CHUNK):
        chunk = post_pks[start : start + READ_CHUNK]
        rows = session.scalars(
            select(StoredPost).where(StoredPost.pk.in_(chunk)).order_by(StoredPost.published_at)
        ).all()
        members = [(post_from_row(row), row.pk) for row in rows]
        for row in rows:  # read once: not kept in the session's identity map
            if inspect(row).key not in held:
                session.expunge(row)
        known = _known(session, {event.id: members}, stored=[event.id])
        _apply(event, members, now, known=known)
        retitle(event, members)
        route(event, members, departments)
        event.extra = summarize.update(event.extra, (p for p, _ in members), event.keywords)
        known.write(session)
    # Heat from the hour rows now stored (the moved posts' hours included).
    _update_heat(session, [event], now, known=_Known())
    session.flush()


def rebuild(session: Session, event: Event, *, now: datetime) -> None:
    """Recompute an event's facts from its member posts (after a person changed them)."""
    session.execute(delete(EventHour).where(EventHour.event_id == event.id))
    session.execute(delete(EventSite).where(EventSite.event_id == event.id))
    for name in ("posts", "copies", "negative", "positive", "reposts", "comments", "likes",
                 "views", "sites"):  # fmt: skip
        setattr(event, name, 0)
    event.top_tier = None
    # Its members changed: the title and the sentences are chosen again among them alone.
    event.extra = {
        k: v for k, v in event.extra.items() if k not in (TITLE_FROM, summarize.POOL_KEY)
    }
    session.flush()
    pks = list(
        session.scalars(
            select(StoredPost.pk)
            .join(EventPost, EventPost.post_pk == StoredPost.pk)
            .where(EventPost.event_id == event.id)
            .order_by(StoredPost.published_at, StoredPost.pk)
        )
    )
    if not pks:
        return
    first = session.get_one(StoredPost, pks[0])
    event.first_at = event.last_at = first.published_at
    event.first_post_pk, event.first_source = first.pk, site_of(post_from_row(first))
    absorb(session, event, pks, now=now)
