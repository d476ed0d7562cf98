"""The dashboard `/`: the figures a person checks first, read from the store.

A first version: how many events and posts, the events active lately with their heat,
and the alerts nobody has acknowledged. The pages engineer adds charts and the live
updates (issue 12). A department user sees only what is routed to their department;
events carry no department yet, so their dashboard lists their open alerts' count only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Alert
from yuqing.analysis.models import Event
from yuqing.auth.schemas import Actor
from yuqing.monitor.models import StoredPost
from yuqing.web.deps import ClockDep, SessionDep, scope_of
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
RECENT = timedelta(hours=24)
LISTED = 10


def summary(*, session: Session, now: datetime) -> dict[str, Any]:
    """Counts and short lists for the dashboard (all departments)."""
    since = now - RECENT
    count = func.count()
    live = Event.merged_into.is_(None)
    return {
        "events": session.scalar(select(count).select_from(Event).where(live)) or 0,
        "events_recent": session.scalar(
            select(count).select_from(Event).where(live, Event.last_at >= since)
        )
        or 0,
        "posts_recent": session.scalar(
            select(count).select_from(StoredPost).where(StoredPost.published_at >= since)
        )
        or 0,
        "hot_events": session.scalars(
            select(Event)
            .where(live, Event.last_at >= since)
            .order_by(Event.heat.desc())
            .limit(LISTED)
        ).all(),
        "open_alerts": session.scalar(
            select(count).select_from(Alert).where(Alert.acknowledged_at.is_(None))
        )
        or 0,
        "latest_open_alerts": session.scalars(
            select(Alert)
            .where(Alert.acknowledged_at.is_(None))
            .order_by(Alert.created_at.desc())
            .limit(LISTED)
        ).all(),
    }


@router.get("/", response_class=HTMLResponse, tags=["pages"])
def read_dashboard(
    request: Request,
    user: Annotated[Actor, Depends(page_roles("/"))],
    session: SessionDep,
    clock: ClockDep,
) -> HTMLResponse:
    """The dashboard."""
    scoped = scope_of(user).department is not None
    figures = None if scoped else summary(session=session, now=clock.now())
    zone = ZoneInfo(request.app.state.settings.timezone)
    return render(request, "dashboard.html", {"figures": figures, "zone": zone})
