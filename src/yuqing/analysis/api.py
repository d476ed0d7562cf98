"""`/api/v1/events`: standing events with their title, keywords and summary, and one
event's facts (the same figures as its page), for the roles that may read events.

A department user sees only the events routed to their department, as on the pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam

from yuqing.analysis import pages as reading
from yuqing.analysis import service
from yuqing.analysis.models import Event
from yuqing.auth.schemas import Actor
from yuqing.web.deps import ClockDep, ReadSessionDep, Scope
from yuqing.web.errors import AUTH_RESPONSES
from yuqing.web.navigation import page_roles

router = APIRouter(prefix="/api/v1/events", tags=["events"], responses=AUTH_RESPONSES)
Reader = Annotated[Actor, Depends(page_roles("/events"))]
MAX_EVENTS = 500


def brief(event: Event) -> dict[str, Any]:
    """What a list of events shows of each: its name, summary and main figures."""
    return {
        "id": event.id,
        "organization": event.partition,
        "title": event.title,
        "summary": event.summary,
        "keywords": event.keywords,
        "heat": round(event.heat, 1),
        "posts": event.posts,
        "copies": event.copies,
        "sites": event.sites,
        "top_tier": event.top_tier,
        "negative_share": round(event.negative / event.posts, 3) if event.posts else 0.0,
        "first_at": event.first_at.isoformat(),
        "last_at": event.last_at.isoformat(),
    }


@router.get("")
def read_events(
    session: ReadSessionDep,
    user: Reader,
    scope: Scope,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS, description="How many (1-500).")] = 100,
) -> dict[str, Any]:
    """Standing events, hottest first."""
    events = reading.listed(session=session, department=scope.department, limit=limit)
    return {"data": [brief(e) for e in events], "count": len(events)}


@router.get("/{event_id}")
def read_event(
    event_id: Annotated[str, PathParam(min_length=1, max_length=64)],
    session: ReadSessionDep,
    user: Reader,
    scope: Scope,
    clock: ClockDep,
) -> dict[str, Any]:
    """One event's facts: summary, keywords, volume, spread, reach, representative posts."""
    event = service.get_or_raise(session=session, event_id=event_id)
    scope.check(reading.departments_of(event))
    return service.facts(session=session, event=event, now=clock.now())
