"""The incident reports (《舆情专报》, 快报, 初次报告, 进程报告, 结案报告): one incident's
report fields and figures, every number queried from the store.

Each kind carries the parts its plan asks for (`PARTS`): the flash report only what
happened, when and where it was found, the level and the first measures; the initial
report the full fields with the spread and charts; the special report (《舆情专报》, to
leaders) the situation, the spread by platform, tier and site, the tone and the
representative posts, the momentum under a person's trend judgement, the handling so
far and a person's suggestions (incident_special.py); a progress report what
changed since the previous submitted report, the statements since and the corrections;
the closing report the whole course, statements and approvals, actions, the review and
the corrective actions (incident_course.py). Only the figures a kind shows are filled,
so its JSON holds what its document shows.

The fields (PRODUCT §6, P4: event name, category, level … next steps) come from the
incident's latest report of the kind in src/yuqing/incidents/, where people edit them;
without one they are prefilled from the incident and its largest event, as a new draft
there would be. The figures are the posts of the incident's events, so each one can be
traced to its posts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.analysis.models import Event, EventPost
from yuqing.auth.schemas import Actor
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.incidents.models import Action, DeadlineClock, IncidentEvent, Report
from yuqing.incidents.service.access import get_visible
from yuqing.incidents.service.reports import REPORT_FIELDS, prefill
from yuqing.monitor.models import StoredPost
from yuqing.reports import incident_course as course_mod
from yuqing.reports import incident_special as special
from yuqing.reports.figures import NEGATIVE, SENTIMENTS, Figures
from yuqing.reports.incident_course import post_scope as _post_scope
from yuqing.reports.periods import INCIDENT_KINDS

# The fields shown as a table at the top; the others are the report's text sections.
HEADER_FIELDS = (
    "event_name",
    "category",
    "level",
    "received_at",
    "reporter",
    "discovered_at",
    "discovered_where",
)
TEXT_FIELDS = tuple(f for f in REPORT_FIELDS if f not in HEADER_FIELDS)
# 快报事实: the flash report says what happened and what was done first, nothing more.
FLASH_TEXT_FIELDS = ("content", "measures")
# 《舆情专报》: the situation, a judgement, the handling so far and suggestions, each a
# part of its own among the figures it rests on (the part's name, the field it shows).
SPECIAL_TEXT_PARTS = {
    "situation": "content",
    "judgement": "trend",
    "handling": "measures",
    "suggestions": "next_steps",
}

FULL = ("spread", "events", "charts", "deadlines", "actions")
PARTS: dict[str, tuple[str, ...]] = {
    "flash": ("spread",),
    "initial": FULL,
    "special": (
        *("situation", "spread", "platforms", "tiers", "sites", "sentiment", "viewpoints"),
        *("momentum", "judgement", "events", "charts"),
        *("handling", "actions", "statements", "deadlines", "suggestions"),
    ),
    "progress": ("spread", "changes", "statements", "corrections", "deadlines"),
    "closing": (
        *("spread", "events", "charts", "course", "deadlines"),
        *("statements", "actions", "review", "corrective_actions"),
    ),
}


def text_fields(kind: str) -> tuple[str, ...]:
    """The text sections a kind shows (and a person edits)."""
    if kind == "special":
        return tuple(SPECIAL_TEXT_PARTS.values())
    return FLASH_TEXT_FIELDS if kind == "flash" else TEXT_FIELDS


@dataclass
class IncidentEventFigures:
    id: str
    title: str
    posts: int  # stored posts of the event
    negative: int
    sites: int  # the event's stored facts
    top_tier: str | None
    first_at: str
    first_source: str


@dataclass
class IncidentFigures:
    kind: str
    incident: int
    title: str
    timezone: str
    status: str  # open | ended | closed
    stage: str
    level: str | None  # the plan's name of the confirmed level
    owner: str
    lead_department: str | None
    report: dict[str, Any] | None  # the incident report the fields come from
    fields: dict[str, str]
    posts: int
    negative_share: float
    sites: int  # distinct sources among the posts
    events: list[IncidentEventFigures] = field(default_factory=list)
    posts_by_day: list[dict[str, Any]] = field(default_factory=list)
    posts_by_tier: dict[str, int] = field(default_factory=dict)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    deadlines_met: int = 0
    deadlines_missed: int = 0
    actions: list[dict[str, Any]] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # what the document shows, in order
    changes: dict[str, Any] | None = None  # progress: then (previous report) and now
    statements: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[dict[str, Any]] = field(default_factory=list)
    course: list[dict[str, Any]] = field(default_factory=list)
    review: dict[str, Any] | None = None
    corrective_actions: list[dict[str, Any]] = field(default_factory=list)
    # 《舆情专报》 (incident_special): platforms, sites, tone, representative posts, momentum
    posts_by_platform: dict[str, int] = field(default_factory=dict)
    top_sites: list[dict[str, Any]] = field(default_factory=list)
    sentiment: dict[str, int] = field(default_factory=dict)
    viewpoints: list[dict[str, Any]] = field(default_factory=list)
    momentum: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IncidentFigures:
        values = dict(data)
        values["events"] = [IncidentEventFigures(**e) for e in data.get("events", [])]
        # A version stored before the kinds differed showed the full set of parts.
        values.setdefault("parts", list(FULL))
        return cls(**values)

    def charted(self) -> Figures:
        """The incident's posts in the shape the period charts draw (by day and tier)."""
        return Figures(
            kind=self.kind,
            start=self.posts_by_day[0]["day"] if self.posts_by_day else "",
            end=self.posts_by_day[-1]["day"] if self.posts_by_day else "",
            timezone=self.timezone,
            watch=None,
            posts=self.posts,
            negative_share=self.negative_share,
            events=len(self.events),
            events_by_level={},
            sentiment_by_day=self.posts_by_day,
            posts_by_tier=self.posts_by_tier,
        )


def check_incident_kind(kind: str, incident: int | None) -> None:
    """An incident kind needs an incident, and a period kind must not name one."""
    if kind in INCIDENT_KINDS and incident is None:
        raise InvalidInput(_("report kind '{kind}' needs --incident ID").format(kind=kind))
    if kind not in INCIDENT_KINDS and incident is not None:
        raise InvalidInput(_("--incident is not available for period reports"))


def compute(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    incident_id: int,
    now: datetime,
) -> IncidentFigures:
    """The report of `kind` on one incident the actor may see (others read as missing);
    `now` (the clock's) ends the after-windows of statements and dates 整改 overdue."""
    incident, plan = get_visible(session, actor, incident_id)
    zone = ZoneInfo(plan.organization.timezone)
    source = latest_report(session, incident.id, kind)
    fields = shown_fields(source.fields if source else prefill(session, incident, plan), kind, zone)
    posts, negative, sites = course_mod.totals(session, incident.id)
    parts = PARTS[kind]
    figures = IncidentFigures(
        kind=kind,
        incident=incident.id,
        title=incident.title,
        timezone=zone.key,
        status=incident.status,
        stage=incident.stage,
        level=plan.level(incident.level).name if incident.level else None,
        owner=incident.owner,
        lead_department=incident.lead_department,
        report=report_ref(source) if source else None,
        fields=fields,
        posts=posts,
        negative_share=round(negative / posts, 4) if posts else 0.0,
        sites=sites,
        parts=list(parts),
    )
    if "events" in parts:
        figures.events = _events(session, incident.id, zone)
    if "charts" in parts:
        figures.posts_by_day = _by_day(session, incident.id, zone)
    if "charts" in parts or "tiers" in parts:
        figures.posts_by_tier = _by_tier(session, incident.id)
    if "platforms" in parts:
        figures.posts_by_platform = special.posts_by_platform(session, incident.id)
    if "sites" in parts:
        figures.top_sites = special.top_sites(session, incident.id)
    if "sentiment" in parts:
        figures.sentiment = special.sentiment(session, incident.id)
    if "viewpoints" in parts:
        figures.viewpoints = special.viewpoints(session, incident.id, zone)
    if "momentum" in parts:
        by_day = figures.posts_by_day or _by_day(session, incident.id, zone)
        figures.momentum = special.momentum(session, incident.id, zone, now, by_day)
    if "deadlines" in parts:
        figures.deadlines = _deadlines(session, incident.id, zone)
        figures.deadlines_met = sum(c["state"] == "met" for c in figures.deadlines)
        figures.deadlines_missed = sum(c["state"] == "missed" for c in figures.deadlines)
    if "actions" in parts:
        figures.actions = _actions(session, incident.id, zone)
    since = None
    if "changes" in parts:
        previous = course_mod.previous_submitted(session, incident.id, source)
        figures.changes = course_mod.changes(session, incident.id, previous, zone)
        since = previous.submitted_at if previous else None
    if "statements" in parts:
        figures.statements = course_mod.statements(session, incident.id, zone, now, since)
    if "corrections" in parts:
        figures.corrections = course_mod.corrections(session, incident.id, zone)
    if "course" in parts:
        figures.course = course_mod.course(session, incident, plan, zone)
    if "review" in parts:
        figures.review = course_mod.review(session, incident.id, zone)
    if "corrective_actions" in parts:
        figures.corrective_actions = course_mod.corrective_actions(session, incident.id, zone, now)
    return figures


def shown_fields(fields: dict[str, Any], kind: str, zone: ZoneInfo) -> dict[str, str]:
    """The fields a report of `kind` shows, as text; its times in the plan's zone."""
    shown = {name: str(fields.get(name) or "") for name in (*HEADER_FIELDS, *text_fields(kind))}
    for name in ("received_at", "discovered_at"):
        shown[name] = _local_time(shown[name], zone)
    return shown


def report_ref(report: Report) -> dict[str, Any]:
    """Which incident report the fields come from (the JSON form's `report`)."""
    return {
        "id": report.id,
        "number": report.number,
        "revision": report.revision,
        "status": report.status,
    }


def latest_report(session: Session, incident_id: int, kind: str) -> Report | None:
    """The newest report of `kind`: the highest number, then the highest revision."""
    return session.scalar(
        select(Report)
        .where(Report.incident_id == incident_id, Report.kind == kind)
        .order_by(Report.number.desc(), Report.revision.desc(), Report.id.desc())
        .limit(1)
    )


def _local_time(value: str, zone: ZoneInfo) -> str:
    """An ISO time as people read it in the plan's zone; other text is kept as written."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is None:
        return value
    return parsed.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _events(session: Session, incident_id: int, zone: ZoneInfo) -> list[IncidentEventFigures]:
    counted = (
        select(
            EventPost.event_id,
            func.count().label("posts"),
            func.count().filter(StoredPost.sentiment_label == NEGATIVE).label("negative"),
        )
        .join(StoredPost, StoredPost.pk == EventPost.post_pk)
        .group_by(EventPost.event_id)
        .subquery()
    )
    rows = session.execute(
        select(Event, counted.c.posts, counted.c.negative)
        .join(IncidentEvent, IncidentEvent.event_id == Event.id)
        .outerjoin(counted, counted.c.event_id == Event.id)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(counted.c.posts.desc(), Event.id)
    )
    return [
        IncidentEventFigures(
            id=event.id,
            title=event.title,
            posts=int(posts or 0),
            negative=int(negative or 0),
            sites=event.sites,
            top_tier=event.top_tier,
            first_at=event.first_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            first_source=event.first_source,
        )
        for event, posts, negative in rows
    ]


def _by_day(session: Session, incident_id: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Posts of each local day from the first to the last, by tone (none: neutral)."""
    days: dict[date, Counter[str]] = {}
    rows = session.execute(
        select(StoredPost.published_at, StoredPost.sentiment_label).where(_post_scope(incident_id))
    ).yield_per(5000)
    for published_at, label in rows:
        days.setdefault(published_at.astimezone(zone).date(), Counter())[label or "neutral"] += 1
    if not days:
        return []
    first, last = min(days), max(days)
    every = [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
    return [
        {
            "day": day.isoformat(),
            "posts": sum(days.get(day, Counter()).values()),
            **{s: days.get(day, Counter())[s] for s in SENTIMENTS},
        }
        for day in every
    ]


def _by_tier(session: Session, incident_id: int) -> dict[str, int]:
    n = func.count().label("n")
    rows = session.execute(
        select(StoredPost.media_tier, n)
        .where(_post_scope(incident_id))
        .group_by(StoredPost.media_tier)
        .order_by(n.desc(), StoredPost.media_tier)
    )
    out: Counter[str] = Counter()
    for tier, count in rows:
        out[tier or "unknown"] += int(count)
    return dict(out)


def _deadlines(session: Session, incident_id: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    clocks = session.scalars(
        select(DeadlineClock)
        .where(DeadlineClock.incident_id == incident_id)
        .order_by(DeadlineClock.due_at, DeadlineClock.id)
    )
    return [
        {
            "name": c.name,
            "number": c.number,
            "due_at": c.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "state": c.state,
            "done_at": c.done_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if c.done_at else "",
            "late_minutes": c.late_minutes,
        }
        for c in clocks
    ]


def _actions(session: Session, incident_id: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    actions = session.scalars(
        select(Action).where(Action.incident_id == incident_id).order_by(Action.at, Action.id)
    )
    return [
        {
            "kind": a.kind,
            "description": a.description,
            "at": a.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        }
        for a in actions
    ]
