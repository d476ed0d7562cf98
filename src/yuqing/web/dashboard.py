"""The dashboard `/`: the figures a person checks first, read from the store, kept live.

Events by proposed and confirmed level (the plan's names), the hottest events with heat
and negative share, volume over the last 24 hours and 7 days (a chart over
`/dashboard/volume.json`), deadlines due soon (alerts waiting for acknowledgement and
the running deadline clocks of the incidents the viewer may see: reports, the first
public answer), unacknowledged alerts and failing sources. `/dashboard/stream`
(server-sent events) sends the panel again whenever what it shows changed, so the page
updates without a reload. A department user sees only what is routed to their
department, and the deadlines of their department's incidents.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.models import Alert, LevelDecision
from yuqing.analysis import pages as event_pages
from yuqing.analysis.models import Event
from yuqing.auth.schemas import Actor
from yuqing.core.i18n import current_locale, use_locale
from yuqing.db.engine import session_scope
from yuqing.incidents.models import DeadlineClock, Incident
from yuqing.incidents.service.clocks import DueClock, first_due, running_due_by
from yuqing.incidents.service.opening import OpenRows, open_rows
from yuqing.incidents.wording import clock_label, minutes_left, utc_iso
from yuqing.monitor.feed import newest_pk
from yuqing.monitor.models import Source, StoredPost
from yuqing.plan import service as plan_service
from yuqing.plan.wording import level_name
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, ReadSessionDep, scope_in
from yuqing.web.live import SharedPoll
from yuqing.web.memo import Memo, Recent
from yuqing.web.navigation import page_roles
from yuqing.web.pages import TEMPLATES, render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
TEMPLATES.env.globals["clock_label"] = clock_label  # as the incident page names its clocks
RECENT = timedelta(hours=24)
DUE_SOON = timedelta(hours=24)
LISTED = 10
POLL_SECONDS = 2.0
STREAM_POLLS = 150  # 5 minutes; the EventSource then reconnects
# How long pages share one look at the figures when only other processes wrote (this
# process's own commits are seen at once): less than the streams' POLL_SECONDS.
FINGERPRINT_FRESH = 1.0
# Each viewer's incident clocks (what they may see differs): many small values, kept
# apart from the shared figures so fifty viewers do not push those out.
CLOCK_VIEWERS = 256
PANELS_KEPT = 64  # rendered panels: one per set of clocks seen, for the last few changes
Viewer = Annotated[Actor, Depends(page_roles("/"))]


def _levels(session: Session, plan: Any) -> dict[str, list[tuple[str, int]]]:
    """How many standing events each level has, proposed and decided (plan names)."""
    rows = session.execute(
        select(LevelDecision.event_id, LevelDecision.status, LevelDecision.proposed_level,
               LevelDecision.level)
        .join(Event, Event.id == LevelDecision.event_id)
        .where(LevelDecision.status != "superseded", Event.merged_into.is_(None))
        .order_by(LevelDecision.id)
    ).all()  # fmt: skip
    latest = {event_id: (status, proposed, level) for event_id, status, proposed, level in rows}
    proposed: Counter[str] = Counter()
    confirmed: Counter[str] = Counter()
    for status, proposed_level, level in latest.values():
        if status == "proposed":
            proposed[proposed_level] += 1
        elif status in ("confirmed", "changed") and level:
            confirmed[level] += 1
    # Most severe first, as the plan ranks them (by name, 一级 三级 二级 came out).
    rank = {lvl.id: lvl.rank for lvl in plan.levels} if plan else {}

    def by_severity(counts: Counter[str]) -> list[tuple[str, int]]:
        ordered = sorted(
            counts.items(), key=lambda item: (rank.get(item[0], len(rank) + 1), item[0])
        )
        return [(level_name(plan, level_id), n) for level_id, n in ordered]

    return {"proposed": by_severity(proposed), "confirmed": by_severity(confirmed)}


def summary(*, session: Session, now: datetime) -> dict[str, Any]:
    """Counts and short lists for the dashboard (all departments)."""
    since = now - RECENT
    count = func.count()
    live = Event.merged_into.is_(None)
    plan = plan_service.get_active_plan(session=session)
    open_alert = Alert.acknowledged_at.is_(None)
    hot = session.scalars(
        select(Event).where(live, Event.last_at >= since).order_by(Event.heat.desc()).limit(LISTED)
    ).all()
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
        "hot_events": hot,
        "open_alerts": session.scalar(select(count).select_from(Alert).where(open_alert)) or 0,
        "latest_open_alerts": session.scalars(
            select(Alert).where(open_alert).order_by(Alert.created_at.desc()).limit(LISTED)
        ).all(),
        "due_soon": session.scalars(
            select(Alert)
            .where(open_alert, Alert.ack_due_at.is_not(None), Alert.ack_due_at <= now + DUE_SOON)
            .order_by(Alert.ack_due_at)
            .limit(LISTED)
        ).all(),
        "failing_sources": session.scalars(
            select(Source)
            .where(Source.enabled.is_(True), Source.consecutive_failures > 0)
            .order_by(Source.consecutive_failures.desc())
            .limit(LISTED)
        ).all(),
        "levels": _levels(session, plan),
        "level_names": {lvl.id: lvl.name for lvl in plan.levels} if plan else {},
    }


# Parts of `fingerprint` that pages key their own shared values on.
NEWEST_POST = 0  # the newest post's pk: changes whenever a post is stored
INCIDENTS = -1  # `_clocks_fingerprint`: changes whenever an incident or clock does


def fingerprint(*, session: Session) -> tuple[Any, ...]:
    """Cheap figures that change whenever the dashboard's would (index reads only)."""
    return (
        session.scalar(select(func.max(StoredPost.pk))),
        session.scalar(select(func.max(Event.updated_at))),
        # Changes made within one tick of a coarse clock still change these.
        tuple(session.execute(select(func.count(Event.merged_into), func.sum(Event.posts))).one()),
        session.scalar(select(func.max(Alert.id))),
        session.scalar(
            select(func.count()).select_from(Alert).where(Alert.acknowledged_at.is_(None))
        ),
        session.scalar(select(func.max(LevelDecision.decided_at))),
        session.scalar(select(func.max(LevelDecision.id))),
        session.scalar(select(func.sum(Source.consecutive_failures))),
        session.scalar(select(func.count()).select_from(Source).where(Source.enabled.is_(True))),
        plan_service.active_key(session=session),
        _clocks_fingerprint(session),
    )


def _clocks_fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever a deadline clock starts (newest id) or stops running (how many
    run), and whenever an incident changes (every change raises its `version`: title,
    confidentiality, departments, status); one statement, index reads and a sum over
    incidents (thousands of rows, not millions)."""
    newest = select(func.max(DeadlineClock.id)).scalar_subquery()
    running = (
        select(func.count())
        .select_from(DeadlineClock)
        .where(DeadlineClock.state == "running")
        .scalar_subquery()
    )
    changes = select(func.count(Incident.id), func.sum(Incident.version)).subquery()
    return tuple(session.execute(select(newest, running, changes)).one())


def memo_of(app: FastAPI) -> Memo:
    """The app's figures shared by all viewers (web/memo.py)."""
    memo: Memo | None = getattr(app.state, "memo", None)
    if memo is None:
        memo = app.state.memo = Memo()
    return memo


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def recent_fingerprint(
    request: Request, session: Session, seen: int | None = None
) -> tuple[Any, ...]:
    """`fingerprint`, shared by the requests of about a second (web/memo.py `Recent`):
    its queries (ten then), two of them over every event, were a third of the time of a
    page served from the memo under fifty users (bench/web.py --profile).

    `seen`: this process's commit count read before `session` first read the store; by
    default the request's own (web/deps.py), which a stream's later reads do not have."""
    app = request.app
    recent: Recent | None = getattr(app.state, "fingerprints", None)
    if recent is None:
        recent = app.state.fingerprints = Recent(app.state.store_version, FINGERPRINT_FRESH)
    if seen is None:
        seen = getattr(request.state, "store_seen", None)
    value: tuple[Any, ...] = recent.get(lambda: fingerprint(session=session), seen)
    return value


def shared_summary(
    *, request: Request, session: Session, now: datetime, seen: int | None = None
) -> dict[str, Any]:
    """`summary`, computed once per change of the figures or minute, whoever asks."""
    key = ("summary", recent_fingerprint(request, session, seen), _minute(now), current_locale())
    figures: dict[str, Any] = memo_of(request.app).get(
        key, lambda: summary(session=session, now=now)
    )
    return figures


def shared_open_incidents(request: Request, session: Session) -> OpenRows:
    """The open incidents an event page offers to add its event to (before each viewer's
    own sight of them), read once per change of any incident: under fifty users, reading
    them (two JSON columns of every open incident) for every event page was a fifth of
    its time (bench/web.py). The key is the figures' incidents part (`_clocks_fingerprint`:
    every change of an incident raises its version)."""
    incidents = recent_fingerprint(request, session)[INCIDENTS]
    rows: OpenRows = memo_of(request.app).get(
        ("open incidents", incidents), lambda: open_rows(session=session)
    )
    return rows


def volume(*, session: Session, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """Posts published per hour over the last 24 hours and per day over the last 7 days
    (local days of the plan's zone): one indexed count per bucket, so it stays fast on a
    large store and reads the same on SQLite and PostgreSQL."""

    def count(start: datetime, end: datetime) -> int:
        return session.scalar(
            select(func.count()).select_from(StoredPost)
            .where(StoredPost.published_at >= start, StoredPost.published_at < end)
        ) or 0  # fmt: skip

    hour = now.replace(minute=0, second=0, microsecond=0)
    hours = [hour - timedelta(hours=h) for h in range(23, -1, -1)]
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=d) for d in range(6, -1, -1)]
    return {
        "hours": {
            "labels": [h.astimezone(zone).strftime("%H:%M") for h in hours],
            "posts": [count(h, h + timedelta(hours=1)) for h in hours],
        },
        "days": {
            "labels": [d.strftime("%m-%d") for d in days],
            "posts": [count(d, d + timedelta(days=1)) for d in days],
        },
    }


def clocks_due(
    *, request: Request, session: Session, user: Actor, now: datetime, seen: int | None = None
) -> list[DueClock]:
    """The running incident clocks `user` may see, due in `DUE_SOON` or overdue, soonest
    first: read once per viewer per change of the figures or minute."""
    memo: Memo | None = getattr(request.app.state, "clock_memo", None)
    if memo is None:
        memo = request.app.state.clock_memo = Memo(CLOCK_VIEWERS)
    figures = recent_fingerprint(request, session, seen)
    # The clocks due, the same for every viewer, read once per change or minute; who the
    # viewer is then decides which of them they see (incidents/service/access.py
    # `may_see`): a read per viewer only for one who may see few of them.
    until = now + DUE_SOON
    first = memo_of(request.app).get(
        ("due clocks", figures, _minute(now)),
        lambda: first_due(session=session, until=until, limit=LISTED),
    )
    viewer = (user.name, user.role, user.department)
    key = ("clocks", figures, _minute(now), viewer)
    found: list[DueClock] = memo.get(
        key,
        lambda: running_due_by(session=session, actor=user, until=until, limit=LISTED, first=first),
    )
    return found


def deadlines(alerts: list[Alert], clocks: list[DueClock], now: datetime) -> list[dict[str, Any]]:
    """Alerts waiting for acknowledgement and incident clocks as one list, soonest first,
    at most `LISTED`: what is due next, whatever kind it is."""
    due: list[dict[str, Any]] = [
        {"kind": "alert", "due_at": alert.ack_due_at, "alert": alert} for alert in alerts
    ]
    due += [
        {
            "kind": "clock",
            "due_at": c.due_at,
            "clock": c,
            "left": minutes_left(c.due_at, now),
            "due_iso": utc_iso(c.due_at),
        }
        for c in clocks
    ]
    due.sort(key=lambda item: item["due_at"])
    return due[:LISTED]


def _context(
    request: Request, user: Actor, session: Session, now: datetime, seen: int | None = None
) -> dict[str, Any]:
    scope = scope_in(session, user)
    zone = ZoneInfo(request.app.state.settings.timezone)
    clocks = clocks_due(request=request, session=session, user=user, now=now, seen=seen)
    # countdown.js recounts the minutes from the server's now (see incidents/views.py).
    shown = {"zone": zone, "now": now, "now_iso": utc_iso(now)}
    if scope.department is not None:
        mine = event_pages.listed(session=session, department=scope.department, limit=LISTED)
        department = department_names(session=session)(scope.department)
        return {"figures": None, "mine": mine, "department": department,
                "due": deadlines([], clocks, now), **shown}  # fmt: skip
    figures = shared_summary(request=request, session=session, now=now, seen=seen)
    return {"figures": figures, "due": deadlines(figures["due_soon"], clocks, now), **shown}


@router.get("/", response_class=HTMLResponse, tags=["pages"])
def read_dashboard(
    request: Request, user: Viewer, session: ReadSessionDep, clock: ClockDep
) -> HTMLResponse:
    """The dashboard."""
    return render(request, "dashboard.html", _context(request, user, session, clock.now()))


@router.get("/dashboard/volume.json", tags=["pages"])
def read_volume(
    request: Request, user: Viewer, session: ReadSessionDep, clock: ClockDep
) -> JSONResponse:
    """Posts per hour (24 h) and per day (7 days), for the dashboard's charts."""
    if scope_in(session, user).department is not None:
        return JSONResponse(
            {"hours": {"labels": [], "posts": []}, "days": {"labels": [], "posts": []}}
        )
    zone = ZoneInfo(request.app.state.settings.timezone)
    now = clock.now()
    # Past hours' counts change only when posts arrive: once per new post or minute.
    key = ("volume", newest_pk(session=session), _minute(now), zone.key)
    figures = memo_of(request.app).get(key, lambda: volume(session=session, now=now, zone=zone))
    return JSONResponse(figures)


def _fingerprint(sessions: sessionmaker[Session]) -> tuple[Any, ...]:
    with session_scope(sessions) as session:
        return fingerprint(session=session)


def _dashboard_poll(app: FastAPI) -> SharedPoll:
    """The process's one look at the dashboard's figures for all open dashboards."""
    poll: SharedPoll | None = getattr(app.state, "dashboard_poll", None)
    if poll is None:
        sessions = app.state.readers
        poll = SharedPoll(lambda: _fingerprint(sessions), interval=POLL_SECONDS)
        app.state.dashboard_poll = poll
    return poll


def panel(request: Request, user: Actor) -> str:
    """The dashboard's panel for `user`, as a stream sends it again after a change.

    The open dashboards woken by one change render the same panel, but for the clocks
    each viewer may see: rendered once for all who see the same (bench/web.py counted a
    panel for every open dashboard at every change). Their `now` is the second's, so
    the panels of one change agree; the page's countdown recounts from it anyway."""
    app = request.app
    # Read before the session's first query, as for a page (web/deps.py): the open
    # dashboards woken by one change then share one look at the figures with each other
    # and with the pages, instead of two looks each (bench/web.py --locks).
    seen = app.state.store_version.commits
    now = app.state.clock.now().replace(microsecond=0)
    with session_scope(app.state.readers) as session:
        context = _context(request, user, session, now, seen)
        with use_locale(user.language):
            template = TEMPLATES.env.get_template("dashboard_panel.html")
            figures = context["figures"]
            if figures is None:  # a department's own list, read for this viewer
                html: str = template.render(user=user, **context)
                return html
            # The figures by identity: the value keeps them, so no other can take it.
            # Rendered without `user`: what one viewer shares must not name them.
            clocks = tuple(item.get("clock") for item in context["due"])
            key = ("panel", id(figures), clocks, now, current_locale())
            kept: tuple[Any, str] = _panel_memo(app).get(
                key, lambda: (figures, template.render(**context))
            )
            return kept[1]


def _panel_memo(app: FastAPI) -> Memo:
    memo: Memo | None = getattr(app.state, "panel_memo", None)
    if memo is None:
        memo = app.state.panel_memo = Memo(PANELS_KEPT)
    return memo


@router.get("/dashboard/stream", tags=["pages"])
async def stream_dashboard(
    request: Request,
    user: Viewer,
    polls: Annotated[int, Query(ge=1, le=STREAM_POLLS)] = STREAM_POLLS,
) -> StreamingResponse:
    """Server-sent events: the dashboard's panel again each time its figures change.

    One poller per process watches the figures (web/live.py); a stream reads the store
    for its viewer's panel only when they changed.
    """
    poll = _dashboard_poll(request.app)

    async def events() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        async with poll.listening():
            seen = poll.version  # the page itself holds the panel of now
            for look in range(polls):
                if await request.is_disconnected():
                    return
                if look == 0:
                    continue
                version = await poll.wait(seen, POLL_SECONDS)
                if version != seen:
                    seen = version
                    html = await asyncio.to_thread(panel, request, user)
                    data = "\n".join(f"data: {line}" for line in html.splitlines())
                    yield f"event: panel\n{data}\n\n"
                else:
                    yield ": idle\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
