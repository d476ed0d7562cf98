"""The incident pages: the list, one incident, and "my work" (usable from a phone: a
leader approves a statement there). Views read through the service, which checks role,
department and confidentiality; forms carry the CSRF token."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from yuqing.incidents import service
from yuqing.incidents.models import DeadlineClock, Statement
from yuqing.incidents.service import reading, statements
from yuqing.incidents.service.access import HANDLERS, LEVEL_DECIDERS, get_visible
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _zone(request: Request) -> ZoneInfo:
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
        {"incidents": found, "late": late, "filters": filters, "zone": _zone(request)},
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse, tags=["pages"])
def read_incident_page(
    incident_id: int, request: Request, user: CurrentUser, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """One incident: stage, owner, deadlines counting down, tasks, reports, statements
    with their approval state, actions, and its log."""
    detail = reading.get_detail(session=session, clock=clock, actor=user, incident_id=incident_id)
    incident, plan = get_visible(session, user, incident_id)
    now = clock.now()
    chains = {}
    for statement in detail.statements:
        row = session.get(Statement, statement.id)
        assert row is not None
        steps = statements.chain(plan, row)
        done = [r for r in statements.approvals(session, row.id) if r.decision == "approve"]
        waiting = steps[len(done)] if len(done) < len(steps) else None
        chains[statement.id] = {
            "steps": steps,
            "done": len(done),
            "mine": waiting is not None
            and row.status == "in_review"
            and statements.may_take(plan, waiting, user),
        }
    left = {d.id: int((d.due_at - now).total_seconds() // 60) for d in detail.deadlines}
    stages = [(s.id, s.name) for s in plan.stages]
    return render(
        request,
        "incidents/incident.html",
        {
            "d": detail,
            "chains": chains,
            "left": left,
            "stages": stages,
            "zone": _zone(request),
            # Controls shown to whom the service lets act (it checks again on submit).
            "may_decide": user.role in LEVEL_DECIDERS,
            "may_publish": user.role in HANDLERS or user.name == incident.owner,
        },
    )


@router.post("/incidents/{incident_id}/statements/{statement_id}/review", tags=["pages"])
def review_statement_form(
    incident_id: int,
    statement_id: int,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Approve, reject or comment from the page (a phone will do)."""
    row = session.get(Statement, statement_id)
    if row is None or row.incident_id != incident_id:
        get_visible(session, user, -1)  # answers "not found" the same way
    service.review_statement(
        session=session,
        clock=clock,
        actor=user,
        statement_id=statement_id,
        decision=decision,
        comment=comment,
    )
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/level", tags=["pages"])
def confirm_level_form(
    incident_id: int,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    level: Annotated[str, Form()],
) -> RedirectResponse:
    """Confirm the proposed level from the page; the service checks who may decide and
    starts the report drafts and deadlines the plan asks for at that level."""
    service.confirm_level(
        session=session, clock=clock, actor=user, incident_id=incident_id, level=level
    )
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/incidents/{incident_id}/statements/{statement_id}/publish", tags=["pages"])
def publish_statement_form(
    incident_id: int,
    statement_id: int,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    channel: Annotated[str, Form()] = "",
    link: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Record a statement as published; one without its approvals is refused with the
    service's reason (how many approvals it has, whose step is next)."""
    row = session.get(Statement, statement_id)
    if row is None or row.incident_id != incident_id:
        get_visible(session, user, -1)  # answers "not found" the same way
    service.publish_statement(
        session=session, clock=clock, actor=user, statement_id=statement_id, channel=channel,
        link=link,
    )  # fmt: skip
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.get("/my-work", response_class=HTMLResponse, tags=["pages"])
def read_my_work_page(request: Request, user: CurrentUser, session: SessionDep) -> HTMLResponse:
    """What waits for me: hand-overs, approvals, tasks, reports due."""
    work = reading.my_work(session=session, actor=user)
    return render(request, "incidents/my_work.html", {"work": work, "zone": _zone(request)})
