"""The numbers of a report, every one queried from the store (no SQL strings).

Scope: the posts published in the period, limited to one watch when asked, and to the
events routed to one department when asked (department_scope.py). Events, levels and
alerts are those of the events these posts belong to, so each figure can be traced back
to its posts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Alert, LevelDecision
from yuqing.analysis.events.summarize import joined
from yuqing.analysis.models import Event, EventPost
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.monitor.models import PostWatch, StoredPost, Watch
from yuqing.plan.schema import Plan
from yuqing.reports import department_scope
from yuqing.reports.department_scope import DepartmentIncident, in_events
from yuqing.reports.periods import Period

TOP_EVENTS = 10
TOP_SITES = 10
NEGATIVE = "negative"
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass
class EventFigures:
    """One top event: its posts in the scope and its stored facts."""

    id: str
    title: str
    posts: int  # in the period and scope
    negative_share: float  # of those posts
    sites: int  # every site the event reached (stored fact)
    top_tier: str | None
    level: str | None  # the plan's name of the level in force
    level_status: str | None  # proposed | confirmed | changed
    # Two or three of the event's own sentences (kept with the event; may be empty).
    summary: list[str] = field(default_factory=list)

    @property
    def summary_text(self) -> str:
        """The summary as one paragraph (`summarize.joined`)."""
        return joined(self.summary)


@dataclass
class Figures:
    kind: str
    start: str
    end: str
    timezone: str
    watch: str | None
    posts: int
    negative_share: float
    events: int
    events_by_level: dict[str, int]
    top_events: list[EventFigures] = field(default_factory=list)
    sentiment_by_day: list[dict[str, Any]] = field(default_factory=list)
    posts_by_tier: dict[str, int] = field(default_factory=dict)
    posts_by_platform: dict[str, int] = field(default_factory=dict)
    top_sites: list[dict[str, Any]] = field(default_factory=list)
    alerts_raised: int = 0
    alerts_acknowledged: int = 0
    # A department's report: its id, its name in words when the report was made (the
    # heading says it), and the incidents it leads or helps with. None and [] otherwise.
    department: str | None = None
    department_name: str | None = None
    incidents: list[DepartmentIncident] = field(default_factory=list)
    # The plan's level names, most severe first: the order every report lists levels in.
    # Said apart because the store keeps `events_by_level` as JSONB, which orders an
    # object's keys its own way (by length, then bytes): 一般 before 较大 before 重大.
    level_order: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.events_by_level = in_level_order(self.events_by_level, self.level_order)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (CONTRACTS "Reports"): `from` and `to` are the period's ends."""
        data = asdict(self)
        data["from"] = data.pop("start")
        data["to"] = data.pop("end")
        return data


def level_names(plan: Plan | None) -> list[str]:
    """The plan's level names, most severe first (rank 1 first)."""
    return [level.name for level in plan.levels_by_severity()] if plan else []


def in_level_order(counts: dict[str, int], order: list[str]) -> dict[str, int]:
    """`counts` keyed in the plan's order; names the plan no longer has follow, sorted."""
    known = [name for name in order if name in counts]
    rest = sorted(name for name in counts if name not in set(order))
    return {name: counts[name] for name in [*known, *rest]}


def compute(
    *,
    session: Session,
    kind: str,
    period: Period,
    watch: str | None = None,
    plan: Plan | None = None,
    department: str | None = None,
) -> Figures:
    """The figures of `kind` over `period`, for the posts of `watch` (all when None) of
    the events routed to `department` (every post when None)."""
    if watch is not None and session.scalar(select(Watch.id).where(Watch.name == watch)) is None:
        raise NotFound(_("unknown watch '{name}'").format(name=watch))
    routed = None
    if department is not None:
        department_scope.check_department(session=session, department=department, plan=plan)
        routed = department_scope.routed_events(session, department)
    in_scope = _scope(period, watch, routed)
    # The queries over events name the department's events directly: the posts' own
    # condition, nested inside, cost SQLite a minute on a year of a million posts.
    of_events = in_events(EventPost.event_id, routed)
    event_scope = _scope(period, watch) if routed is not None else in_scope
    posts = _count(session, select(func.count()).select_from(StoredPost).where(in_scope))
    negative = _count(
        session,
        select(func.count())
        .select_from(StoredPost)
        .where(in_scope, StoredPost.sentiment_label == NEGATIVE),
    )
    # A post in scope may also be in an event of no department (left behind by a
    # merge): the events counted are the department's only.
    event_posts = _event_posts(session, event_scope, of_events)
    # The events in scope as a subquery, never a list of ids: a year may hold 100,000s.
    scoped_events = (
        select(EventPost.event_id)
        .join(StoredPost, StoredPost.pk == EventPost.post_pk)
        .where(event_scope, *of_events)
        .distinct()
    )
    levels = _levels(session, scoped_events, plan)
    by_level = Counter(name for name, _status in levels.values())
    zone = period.start.tzinfo
    assert isinstance(zone, ZoneInfo)
    raised, acknowledged = _alerts(session, period, scoped_events)
    return Figures(
        kind=kind,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        timezone=zone.key,
        watch=watch,
        posts=posts,
        negative_share=_share(negative, posts),
        events=len(event_posts),
        events_by_level=dict(by_level),
        level_order=level_names(plan),
        top_events=_top_events(session, event_posts, levels),
        sentiment_by_day=_sentiment_by_day(session, in_scope, period, zone),
        posts_by_tier=_grouped(session, StoredPost.media_tier, in_scope),
        posts_by_platform=_grouped(session, StoredPost.platform, in_scope),
        top_sites=[
            {"site": site, "posts": n}
            for site, n in _ranked(session, StoredPost.source, in_scope, TOP_SITES)
        ],
        alerts_raised=raised,
        alerts_acknowledged=acknowledged,
        department=department,
        department_name=None if department is None else _name(session, department, plan),
        incidents=[]
        if department is None
        else department_scope.incidents_of(
            session=session, department=department, period=period, plan=plan
        ),
    )


def _name(session: Session, department: str, plan: Plan | None) -> str:
    from yuqing.web.departments import department_names

    return department_names(session=session, plan=plan)(department)


def _scope(
    period: Period, watch: str | None, routed: Select[str] | None = None
) -> ColumnElement[bool]:
    cond = and_(StoredPost.published_at >= period.start, StoredPost.published_at < period.end)
    if watch is not None:
        cond = and_(
            cond, StoredPost.pk.in_(select(PostWatch.post_pk).where(PostWatch.watch == watch))
        )
    if routed is not None:
        cond = and_(
            cond, StoredPost.pk.in_(select(EventPost.post_pk).where(EventPost.event_id.in_(routed)))
        )
    return cond


def _count(session: Session, query: Select[int]) -> int:
    return int(session.scalar(query) or 0)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _event_posts(
    session: Session, in_scope: ColumnElement[bool], of_events: list[ColumnElement[bool]]
) -> dict[str, tuple[int, int]]:
    """Each event with posts in the scope: (posts, negative posts) among them."""
    negative = func.count().filter(StoredPost.sentiment_label == NEGATIVE)
    rows = session.execute(
        select(EventPost.event_id, func.count(), negative)
        .join(StoredPost, StoredPost.pk == EventPost.post_pk)
        .where(in_scope, *of_events)
        .group_by(EventPost.event_id)
    )
    return {event_id: (int(n), int(neg)) for event_id, n, neg in rows}


def _levels(
    session: Session, event_ids: Select[str], plan: Plan | None
) -> dict[str, tuple[str, str]]:
    """The level in force of each event that has one: (plan name, status).

    The latest decision of an event counts; a dismissed or superseded one gives none.
    """
    names = {level.id: level.name for level in plan.levels} if plan else {}
    found: dict[str, tuple[str, str]] = {}
    rows = session.scalars(
        select(LevelDecision)
        .where(LevelDecision.event_id.in_(event_ids))
        .order_by(LevelDecision.proposed_at, LevelDecision.id)
    )
    for decision in rows:
        found.pop(decision.event_id, None)
        if decision.status in ("dismissed", "superseded"):
            continue
        level = decision.level or decision.proposed_level
        found[decision.event_id] = (names.get(level, level), decision.status)
    return found


def _top_events(
    session: Session,
    event_posts: dict[str, tuple[int, int]],
    levels: dict[str, tuple[str, str]],
) -> list[EventFigures]:
    ranked = sorted(event_posts.items(), key=lambda item: (-item[1][0], item[0]))[:TOP_EVENTS]
    events = {
        e.id: e for e in session.scalars(select(Event).where(Event.id.in_([i for i, _ in ranked])))
    }
    return [
        EventFigures(
            id=event_id,
            title=events[event_id].title,
            posts=n,
            negative_share=_share(neg, n),
            sites=events[event_id].sites,
            top_tier=events[event_id].top_tier,
            level=levels.get(event_id, (None, None))[0],
            level_status=levels.get(event_id, (None, None))[1],
            summary=events[event_id].summary,
        )
        for event_id, (n, neg) in ranked
    ]


def _sentiment_by_day(
    session: Session, in_scope: ColumnElement[bool], period: Period, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """Posts of each local day by tone; days are the plan's, so they are counted here."""
    days: dict[date, Counter[str]] = {day: Counter() for day in period.days}
    rows = session.execute(
        select(StoredPost.published_at, StoredPost.sentiment_label).where(in_scope)
    ).yield_per(5000)
    for published_at, label in rows:
        days[published_at.astimezone(zone).date()][label or "neutral"] += 1
    return [
        {"day": day.isoformat(), "posts": sum(c.values()), **{s: c[s] for s in SENTIMENTS}}
        for day, c in days.items()
    ]


def _grouped(session: Session, column: Any, in_scope: ColumnElement[bool]) -> dict[str, int]:
    return dict(_ranked(session, column, in_scope, None))


def _ranked(
    session: Session, column: Any, in_scope: ColumnElement[bool], limit: int | None
) -> list[tuple[str, int]]:
    """Posts per value of `column`, most first; a missing value counts as "unknown"."""
    n = func.count().label("n")
    query = (
        select(column, n).where(in_scope).group_by(column).order_by(n.desc(), column).limit(limit)
    )
    return [(value or "unknown", int(count)) for value, count in session.execute(query)]


def _alerts(session: Session, period: Period, event_ids: Select[str]) -> tuple[int, int]:
    """Alerts raised in the period on the events in scope, and how many were acknowledged.

    An alert raised on an event later merged into one in scope counts too: its posts now
    belong to that event, and the alerts page still lists it (a daily report said 1 alert
    on a day the alerts page showed 4, three of their events merged since)."""
    merged = select(Event.id).where(Event.merged_into.in_(event_ids))
    query = (
        select(func.count(), func.count(Alert.acknowledged_at))
        .where(Alert.created_at >= period.start, Alert.created_at < period.end)
        .where(or_(Alert.event_id.in_(event_ids), Alert.event_id.in_(merged)))
    )
    raised, acknowledged = session.execute(query).one()
    return int(raised), int(acknowledged)
