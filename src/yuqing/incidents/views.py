"""The incident pages: the list (with the form for a tip), one incident with a control for
every step of its life, and "my work" (usable from a phone: a leader approves a statement
there). Views read through the service, which checks role, department and
confidentiality; the controls post to incidents/forms.py, and a refusal comes back as this
page with its reason on top."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.incidents import service
from yuqing.incidents.models import (
    CorrectiveAction,
    DeadlineClock,
    FactSheet,
    IncidentEvent,
    IncidentReview,
    Statement,
)
from yuqing.incidents.service import clocks, reading, statements
from yuqing.incidents.service.access import HANDLERS, LEVEL_DECIDERS, OPENERS, get_visible
from yuqing.incidents.service.closing import ACTION_KINDS
from yuqing.incidents.service.handling import TRACKS
from yuqing.incidents.wording import label
from yuqing.plan.response import REPORT_KINDS
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.pages import TEMPLATES, render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
TEMPLATES.env.globals["label"] = label  # statuses, kinds and lines in words

TIP_CHANNELS: tuple[str, ...] = ("phone", "letter", "in_person")


def zone_of(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


@router.get("/incidents", response_class=HTMLResponse, tags=["pages"])
def read_incidents_page(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    level: str = "",
    stage: str = "",
    department: str = "",
    status: str = "",
    overdue: bool = False,
) -> HTMLResponse:
    """Incidents the user may see, filtered by level, stage, department, overdue."""
    found = service.get_all(
        session=session,
        actor=user,
        status=status or None,
        level=level or None,
        stage=stage or None,
        department=department or None,
        limit=500,
    )
    now = clock.now()
    late = set(
        session.scalars(
            select(DeadlineClock.incident_id).where(
                DeadlineClock.state == "running", DeadlineClock.due_at < now
            )
        )
    )
    if overdue:
        found = [i for i in found if i.id in late]
    filters = {
        "level": level,
        "stage": stage,
        "department": department,
        "status": status,
        "overdue": overdue,
    }
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": found,
            "late": late,
            "filters": filters,
            "zone": zone_of(request),
            "may_open": user.role in OPENERS,
            "tip_channels": TIP_CHANNELS,
        },
    )


def _chains(session: Session, plan: Any, detail: Any, user: Actor) -> dict[int, dict[str, Any]]:
    """Each statement's approval chain: its steps, how many are done, whether the next
    one is the user's, and every review and comment kept."""
    chains = {}
    for statement in detail.statements:
        row = session.get(Statement, statement.id)
        assert row is not None
        steps = statements.chain(plan, row)
        reviews = statements.approvals(session, row.id)
        done = [r for r in reviews if r.decision == "approve"]
        waiting = steps[len(done)] if len(done) < len(steps) else None
        chains[statement.id] = {
            "steps": steps,
            "done": len(done),
            "next": waiting,
            "reviews": reviews,
            "mine": waiting is not None
            and row.status == "in_review"
            and statements.may_take(plan, waiting, user),
        }
    return chains


def incident_page(
    request: Request,
    *,
    session: Session,
    user: Actor,
    clock: Clock,
    incident_id: int,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The incident page, with `refusal` on top when a control was refused."""
    detail = reading.get_detail(session=session, clock=clock, actor=user, incident_id=incident_id)
    incident, plan = get_visible(session, user, incident_id)
    now = clock.now()
    left = {d.id: int((d.due_at - now).total_seconds() // 60) for d in detail.deadlines}
    corrective = session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.incident_id == incident.id)
        .order_by(CorrectiveAction.id)
    ).all()
    handler = user.role in HANDLERS or user.name == incident.owner
    return render(
        request,
        "incidents/incident.html",
        {
            "d": detail,
            "refusal": refusal,
            "chains": _chains(session, plan, detail, user),
            "left": left,
            "stages": [(s.id, s.name, s.required) for s in plan.stages],
            "levels": [(level.id, level.name) for level in plan.levels],
            "fact_sheet": session.get(FactSheet, incident.id),
            "review": session.get(IncidentReview, incident.id),
            "corrective": corrective,
            "zone": zone_of(request),
            "tracks": TRACKS,
            "action_kinds": ACTION_KINDS,
            "report_kinds": REPORT_KINDS,
            # Controls shown to whom the service lets act (it checks again on submit).
            "may_decide": user.role in LEVEL_DECIDERS,
            "may_publish": handler,
            "may_handle": handler,
            "may_end": user.role in plan.response.end_by,
        },
        status_code=status_code,
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse, tags=["pages"])
def read_incident_page(
    incident_id: int, request: Request, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """One incident: stage, owner, deadlines counting down, tasks, reports, statements
    with their approval state, actions, the end and review, and its log."""
    return incident_page(request, session=session, user=user, clock=clock, incident_id=incident_id)


@router.get("/my-work", response_class=HTMLResponse, tags=["pages"])
def read_my_work_page(request: Request, user: CurrentUser, session: SessionDep) -> HTMLResponse:
    """What waits for me: hand-overs, approvals, tasks, reports due."""
    work = reading.my_work(session=session, actor=user)
    due = {}
    for report in work.reports:
        running = clocks.find(
            session, report.incident_id, clocks.report_clock(report.kind), report.number
        )
        if running is not None and running.state == "running":
            due[report.id] = running.due_at
    return render(
        request, "incidents/my_work.html", {"work": work, "due": due, "zone": zone_of(request)}
    )


def for_event(session: Session, user: Actor, event_id: str) -> dict[str, Any]:
    """What the event's page shows of incidents: those the event is in, the open ones it
    could be added to, and whether the user may open one (all among those they may see)."""
    visible = service.get_all(session=session, actor=user, status="open", limit=200)
    holding = set(
        session.scalars(select(IncidentEvent.incident_id).where(IncidentEvent.event_id == event_id))
    )
    mine = [i for i in service.get_all(session=session, actor=user, limit=200) if i.id in holding]
    return {
        "of_event": mine,
        "open": [i for i in visible if i.id not in holding],
        "may_open": user.role in OPENERS,
    }
