"""What the event pages read: an event's figures, its level as words, copies of its
representative posts, and who may see it (department scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts.models import LevelDecision
from yuqing.analysis import service
from yuqing.analysis.models import Event, EventHour
from yuqing.monitor.models import StoredPost
from yuqing.plan.schema import Plan
from yuqing.plan.wording import level_name, reason_sentence

COPIES_SHOWN = 5


def departments_of(event: Event) -> frozenset[str]:
    """The departments an event is routed to (`extra["departments"]`, set from the
    watches its posts matched, facts.route); none while nobody routed it, which a
    department user does not see (unless the plan lets them see all)."""
    extra = event.extra or {}
    found = {str(d) for d in extra.get("departments") or () if d}
    if extra.get("department"):  # one department, as stores written by hand still say
        found.add(str(extra["department"]))
    return frozenset(found)


@dataclass(frozen=True)
class LevelView:
    """An event's latest proposal or decision, in words."""

    status: str
    proposed: str  # the plan's name of the proposed level
    decided: str | None
    reasons: list[str]
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    proposed_at: datetime


def level_of(*, session: Session, event_id: str, plan: Plan | None) -> LevelView | None:
    decision = session.scalar(
        select(LevelDecision)
        .where(LevelDecision.event_id == event_id, LevelDecision.status != "superseded")
        .order_by(LevelDecision.id.desc())
        .limit(1)
    )
    if decision is None:
        return None
    return LevelView(
        status=decision.status,
        proposed=level_name(plan, decision.proposed_level),
        decided=level_name(plan, decision.level) if decision.level else None,
        reasons=[reason_sentence(r, plan) for r in decision.reasons],
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
        reason=decision.reason,
        proposed_at=decision.proposed_at,
    )


MERGE_CHOICES = 50  # the latest events offered by title for a merge


def merge_choices(*, session: Session, event_id: str) -> list[tuple[str, str]]:
    """The events that could be merged into `event_id`, latest first, as (id, title): the
    merge form takes an id, which people never see, so they pick by title."""
    rows = session.execute(
        select(Event.id, Event.title)
        .where(Event.merged_into.is_(None), Event.id != event_id)
        .order_by(Event.last_at.desc())  # ix_events_last_at, walked until 50 are found
        .limit(MERGE_CHOICES)
    )
    return [(row_id, title) for row_id, title in rows]


def levels_by_event(*, session: Session, event_ids: list[str]) -> dict[str, LevelDecision]:
    """The latest proposal or decision of each event listed."""
    if not event_ids:
        return {}
    rows = session.scalars(
        select(LevelDecision)
        .where(LevelDecision.event_id.in_(event_ids), LevelDecision.status != "superseded")
        .order_by(LevelDecision.id)
    ).all()
    return {row.event_id: row for row in rows}  # the last one of each wins


def copies_of(*, session: Session, post_ids: list[str]) -> dict[str, list[StoredPost]]:
    """A few copies (reprints) of each named post, by post id."""
    out: dict[str, list[StoredPost]] = {}
    for post_id in post_ids:
        pk = session.scalar(
            select(StoredPost.pk)
            .where(StoredPost.post_id == post_id, StoredPost.duplicate_of_pk.is_(None))
            .limit(1)
        )
        if pk is None:
            continue
        out[post_id] = list(
            session.scalars(
                select(StoredPost)
                .where(StoredPost.duplicate_of_pk == pk)
                .order_by(StoredPost.published_at)
                .limit(COPIES_SHOWN)
            ).all()
        )
    return out


def series(*, session: Session, event_id: str, zone: ZoneInfo) -> dict[str, Any]:
    """Hourly volume and negative share of an event, for its chart; hours are stored in
    UTC and read in the plan's zone, as every other time on the pages."""
    rows = session.execute(
        select(EventHour.hour, EventHour.posts, EventHour.negative)
        .where(EventHour.event_id == event_id)
        .order_by(EventHour.hour)
    ).all()
    return {
        "hours": [hour.astimezone(zone).isoformat() for hour, _p, _n in rows],
        "posts": [posts for _h, posts, _n in rows],
        "negative_share": [round(neg / posts, 3) if posts else None for _h, posts, neg in rows],
    }


def listed(*, session: Session, department: str | None, limit: int = 100) -> list[Event]:
    """Standing events, hottest first; a department user's only those routed to them."""
    events = service.get_all(session=session, limit=limit if department is None else 1000)
    if department is None:
        return list(events)
    return [e for e in events if department in departments_of(e)][:limit]
