"""The event pages: `/events` (standing events, hottest first) and `/events/{id}` (its
figures, chart, spread path, representative posts with their copies, the proposed level
with its reasons as sentences), and the decisions on it: confirm, change (with a
reason) or dismiss the level, merge another event into it, split posts out of it.

Every decision goes to the audit trail in the same transaction as the change.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from yuqing.alerts import levels
from yuqing.analysis import departments as routing
from yuqing.analysis import pages as reading
from yuqing.analysis import service
from yuqing.auth.audit import record
from yuqing.auth.schemas import Actor, Role
from yuqing.auth.service import get_all_departments
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _, current_locale
from yuqing.incidents import service as incident_service
from yuqing.incidents import views as incident_views
from yuqing.plan import service as plan_service
from yuqing.plan.schema import Plan
from yuqing.plan.wording import level_name, percent, tier_name
from yuqing.web import dashboard
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, ReadSessionDep, Scope, SessionDep, require_role
from yuqing.web.memo import Memo
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
# Who decides on a level (alerts/levels.py: the plan's deciding roles) and who may
# merge or split events (the people who watch them every day).
DECIDERS: tuple[Role, ...] = ("leader", "office")
EDITORS: tuple[Role, ...] = ("admin", "office", "leader", "monitor")
# Who routes an event to a department or takes it off one: it decides who else sees the
# event, and the plan names no role for it, so the administrator alone.
ROUTERS: tuple[Role, ...] = ("admin",)
Reader = Annotated[Actor, Depends(page_roles("/events"))]
# Events whose facts and copies are kept (two entries each): the events people open in
# an hour of browsing, a few KB each.
EVENTS_KEPT = 1024


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _event_in_scope(session: Any, event_id: str, scope: Any) -> Any:
    event = service.get_or_raise(session=session, event_id=event_id)
    scope.check(reading.departments_of(event))
    return event


@router.get("/events", response_class=HTMLResponse, tags=["pages"])
def read_events(
    request: Request, user: Reader, session: ReadSessionDep, scope: Scope
) -> HTMLResponse:
    """Standing events, hottest first, with their level by the plan's name."""
    # The same list for everyone of a scope until the figures change (web/memo.py).
    key = ("events", dashboard.recent_fingerprint(request, session), scope.department,
           current_locale())  # fmt: skip
    rows = dashboard.memo_of(request.app).get(key, lambda: _event_rows(session, scope))
    return render(request, "analysis/events.html", {"rows": rows, "zone": _zone(request)})


def _event_rows(session: Any, scope: Any) -> list[dict[str, Any]]:
    events = reading.listed(session=session, department=scope.department)
    plan = plan_service.get_active_plan(session=session)
    decisions = reading.levels_by_event(session=session, event_ids=[e.id for e in events])
    rows = [
        {
            "event": e,
            "negative": percent(e.negative / e.posts) if e.posts else "-",
            "tier": tier_name(e.top_tier),
            "proposed": level_name(plan, decisions[e.id].proposed_level)
            if e.id in decisions
            else None,
            "status": decisions[e.id].status if e.id in decisions else None,
            "level": level_name(plan, decisions[e.id].level)
            if e.id in decisions and decisions[e.id].level
            else None,
        }
        for e in events
    ]
    return rows


def _event_memo(app: FastAPI) -> Memo:
    """Each event's facts and copies, kept apart from the figures every viewer shares: a
    few hundred events opened in turn would push those out of the app's memo, and each
    event's own come back to be read again (bench/web.py opens 200 at random)."""
    memo: Memo | None = getattr(app.state, "event_memo", None)
    if memo is None:
        memo = app.state.event_memo = Memo(EVENTS_KEPT)
    return memo


@router.get("/events/{event_id}", response_class=HTMLResponse, tags=["pages"])
def read_event(
    event_id: str,
    request: Request,
    user: Reader,
    session: ReadSessionDep,
    clock: ClockDep,
    scope: Scope,
) -> Response:
    """One event: figures, spread, posts and copies, the level and the decisions."""
    event = _event_in_scope(session, event_id, scope)
    if event.merged_into:
        # Merged (by a person or the clusterer): its posts are in the kept event; links
        # and alerts naming this one lead there.
        kept = service.current(session=session, event_id=event.id)
        if kept is not None and kept.id != event.id:
            return RedirectResponse(f"/events/{kept.id}", status_code=307)
    plan = plan_service.get_active_plan(session=session)
    now = clock.now()
    # Everyone opening a hot event reads the same facts: once per change of the event
    # (its `updated_at` moves with every post and decision on it) or minute.
    key = ("facts", event.id, event.updated_at, event.posts, event.negative, event.sites,
           event.heat, now.replace(second=0, microsecond=0), current_locale())  # fmt: skip
    memo = _event_memo(request.app)
    facts = memo.get(key, lambda: service.facts(session=session, event=event, now=now))
    # The first post is often also the most engaged: each post once.
    representatives = list({r["id"]: r for r in facts["representative_posts"]}.values())
    shown = [r["id"] for r in representatives]
    # A post's copies are stored after it (a copy is a new post, never edited or removed
    # after): the newest post's pk names every set of copies there can be.
    figures = dashboard.recent_fingerprint(request, session)
    copies = memo.get(
        ("copies", figures[dashboard.NEWEST_POST], tuple(shown)),
        lambda: reading.copies_of(session=session, post_ids=shown),
    )
    context = {
        "event": event,
        "facts": facts,
        "negative": percent(facts["negative_share"]),
        "tier": tier_name(event.top_tier),
        "spread": facts["spread_path"],
        "representatives": representatives,
        "copies": copies,
        "level": reading.level_of(session=session, event_id=event.id, plan=plan),
        "plan_levels": [(lvl.id, lvl.name) for lvl in plan.levels] if plan else [],
        "may_decide": user.role in DECIDERS,
        "may_edit": user.role in EDITORS,
        "merge_choices": reading.merge_choices(session=session, event_id=event.id)
        if user.role in EDITORS
        else [],
        "departments": sorted(reading.departments_of(event)),
        "may_route": user.role in ROUTERS,
        "known_departments": [d.name for d in get_all_departments(session=session)]
        if user.role in ROUTERS
        else [],
        # People read a department by its name (后勤处), never its id.
        "department_name": department_names(session=session, plan=plan),
        "incidents": incident_views.for_event(
            session, user, event.id, dashboard.shared_open_incidents(request, session)
        ),
        "zone": _zone(request),
        "tier_name": tier_name,
    }
    return render(request, "analysis/event.html", context)


@router.get("/events/{event_id}/series.json", tags=["pages"])
def read_event_series(
    request: Request, event_id: str, user: Reader, session: ReadSessionDep, scope: Scope
) -> JSONResponse:
    """Hourly volume and negative share, for the event page's chart."""
    _event_in_scope(session, event_id, scope)
    series = reading.series(session=session, event_id=event_id, zone=_zone(request))
    return JSONResponse(series)


def _plan_or_refuse(session: Any) -> Plan:
    plan = plan_service.get_active_plan(session=session)
    if plan is None:
        raise InvalidInput(_("no plan is loaded (yuqing plan load FILE)"))
    return plan


@router.post("/events/{event_id}/level", tags=["pages"])
def decide_level(
    event_id: str,
    user: Annotated[Actor, Depends(require_role(*DECIDERS))],
    session: SessionDep,
    clock: ClockDep,
    scope: Scope,
    action: Annotated[str, Form()],
    level: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Confirm, change (with a reason) or dismiss the proposed level."""
    _event_in_scope(session, event_id, scope)
    plan = _plan_or_refuse(session)
    before = levels.current(session=session, event_id=event_id)
    was = {"status": before.status, "proposed_level": before.proposed_level}
    decision = levels.decide(
        session=session, clock=clock, plan=plan, event_id=event_id, by=user.name,
        action=action, level=level or None, reason=reason.strip() or None, role=user.role,
    )  # fmt: skip
    record(
        session=session, clock=clock, actor=user.name, action=f"level.{decision.status}",
        target=f"event:{event_id}", before=was,
        after={"status": decision.status, "level": decision.level, "reason": decision.reason},
    )  # fmt: skip
    if decision.level is not None:  # an open incident of the event follows a higher level
        incident_service.follow_event_level(
            session=session, clock=clock, by=user.name, actor=user, event_id=event_id,
            level=decision.level,
        )  # fmt: skip
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.post("/events/{event_id}/merge", tags=["pages"])
def merge_event(
    event_id: str,
    user: Annotated[Actor, Depends(require_role(*EDITORS))],
    session: SessionDep,
    clock: ClockDep,
    other_id: Annotated[str, Form()],
) -> RedirectResponse:
    """Merge another event into this one."""
    service.merge(session=session, clock=clock, keep_id=event_id, other_id=other_id.strip())
    record(
        session=session, clock=clock, actor=user.name, action="event.merged",
        target=f"event:{event_id}", after={"merged": other_id.strip()},
    )  # fmt: skip
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.post("/events/{event_id}/split", tags=["pages"])
def split_event(
    event_id: str,
    user: Annotated[Actor, Depends(require_role(*EDITORS))],
    session: SessionDep,
    clock: ClockDep,
    post_ids: Annotated[list[str], Form()],
) -> RedirectResponse:
    """Move the chosen posts out of this event into a new one."""
    decision = service.split(
        session=session, clock=clock, event_id=event_id, post_ids=post_ids, by=user.name
    )
    record(
        session=session, clock=clock, actor=user.name, action="event.split",
        target=f"event:{event_id}",
        after={"new_event": decision.new_event_id, "posts": list(post_ids)},
    )  # fmt: skip
    return RedirectResponse(f"/events/{decision.new_event_id}", status_code=303)


@router.post("/events/{event_id}/departments", tags=["pages"])
def route_event(
    event_id: str,
    user: Annotated[Actor, Depends(require_role(*ROUTERS))],
    session: SessionDep,
    clock: ClockDep,
    request: Request,
    action: Annotated[str, Form()],
    department: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Route the event to a department, or take it off one, with a reason: the
    department's users gain or lose the event."""
    done = routing.reroute(
        session=session, clock=clock, event_id=event_id, department=department,
        action=action, reason=reason,
    )  # fmt: skip
    record(
        session=session, clock=clock, actor=user.name,
        action="event.department_added" if action == "add" else "event.department_removed",
        target=f"event:{event_id}", before={"departments": done.before},
        after={"departments": done.after, "department": department.strip(),
               "reason": reason.strip()},
    )  # fmt: skip
    # Lists kept per scope must not show the event to the old departments a moment longer.
    dashboard.memo_of(request.app).clear()
    return RedirectResponse(f"/events/{event_id}", status_code=303)
