"""The incident pages: the list (with the form for a tip), one incident with a control for
every step of its life, and "my work" (usable from a phone: a leader approves a statement
there). Views read through the service, which checks role, department and
confidentiality; the controls post to incidents/forms.py and case_forms.py (split, level
proposal, re-open), and a refusal comes back as this page with its reason on top."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.analysis.models import Event
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.incidents import service
from yuqing.incidents.history import log_lines
from yuqing.incidents.models import (
    CorrectiveAction,
    DeadlineClock,
    FactSheet,
    Incident,
    IncidentEvent,
    IncidentReview,
    Statement,
)
from yuqing.incidents.service import clocks, reading, statements
from yuqing.incidents.service.access import (
    HANDLERS,
    LEVEL_DECIDERS,
    LEVEL_PROPOSERS,
    OPENERS,
    get_visible,
    plan_of,
)
from yuqing.incidents.service.closing import ACTION_KINDS
from yuqing.incidents.service.handling import TRACKS
from yuqing.incidents.wording import clock_label, label, minutes_left, utc_iso
from yuqing.plan import service as plan_service
from yuqing.plan.handling import ApprovalStep
from yuqing.plan.response import REPORT_KINDS
from yuqing.plan.schema import Plan
from yuqing.reports import store as report_store
from yuqing.reports.incident_render import kind_title as report_title
from yuqing.reports.periods import INCIDENT_KINDS
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.pages import TEMPLATES, render, role_label
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
TEMPLATES.env.globals["label"] = label  # statuses, kinds and lines in words
TEMPLATES.env.globals["clock_label"] = clock_label

TIP_CHANNELS: tuple[str, ...] = ("phone", "letter", "in_person")


def zone_of(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def _plan_names(session: Session, found: list[Any]) -> dict[str, dict[tuple[int, str], str]]:
    """Each listed incident's stage and level by the names its plan gives them (调查核实,
    二级), keyed by plan version and id; one plan read per version, not per incident."""
    plans: dict[int, Plan] = {}
    for incident in found:
        if incident.plan_version not in plans:
            plans[incident.plan_version] = plan_of(session, incident)
    return {
        "stages": {(v, s.id): s.name for v, plan in plans.items() for s in plan.stages},
        "levels": {(v, lvl.id): lvl.name for v, plan in plans.items() for lvl in plan.levels},
    }


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
    # A closed case is past its deadlines, not behind them (the dashboard counts the
    # clocks of the incidents not closed, and so does this).
    late = set(
        session.scalars(
            select(DeadlineClock.incident_id)
            .join(Incident, Incident.id == DeadlineClock.incident_id)
            .where(
                DeadlineClock.state == "running",
                DeadlineClock.due_at < now,
                Incident.status != "closed",
            )
        )
    )
    if overdue:
        found = [i for i in found if i.id in late]
    active = plan_service.get_active_plan(session=session)
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
            "names": _plan_names(session, found),
            "department_name": department_names(session=session),
            # The filters offer the current plan's levels and stages by name.
            "plan_levels": [(lvl.id, lvl.name) for lvl in active.levels] if active else [],
            "plan_stages": [(s.id, s.name) for s in active.stages] if active else [],
            "late": late,
            "filters": filters,
            "zone": zone_of(request),
            "may_open": user.role in OPENERS,
            "tip_channels": TIP_CHANNELS,
        },
    )


def _event_titles(session: Session, event_ids: list[str]) -> dict[str, str]:
    """The incident's events by their titles (the page links each to its own page)."""
    rows = session.execute(select(Event.id, Event.title).where(Event.id.in_(event_ids)))
    return {row.id: row.title for row in rows}


def _step_name(plan: Plan, step: ApprovalStep) -> str:
    """Whose an approval step is, in words: its name in the plan (一审), else the person's
    name, else the role's (with the unit's name when the step names one)."""
    if step.name:
        return step.name
    if step.person is not None:
        people = {p.id: p.name for p in plan.people}
        return people.get(step.person, step.person)
    units = {u.id: u.name for u in plan.units}
    role = role_label(step.role or "")
    return f"{units.get(step.unit, step.unit)} · {role}" if step.unit else role


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
            "next_name": _step_name(plan, waiting) if waiting is not None else "",
            "reviews": reviews,
            "mine": waiting is not None
            and row.status == "in_review"
            and statements.may_take(plan, waiting, user),
            # The author may comment but, unless the plan says so, not approve their own.
            "may_approve": waiting is not None and statements.may_approve(plan, waiting, user, row),
        }
    return chains


def _report_versions(session: Session, user: Actor, incident_id: int) -> dict[str, Any]:
    """The incident's stored report documents in /reports (the sign-off workflow), for
    the roles that read reports, and whether the user may generate one."""
    readable = user.role in report_store.READERS
    return {
        "report_versions": report_store.get_all(
            session=session, actor=user, incident=incident_id, limit=50
        )
        if readable
        else [],
        "may_read_reports": readable,
        "may_generate_reports": user.role in report_store.WRITERS,
        "incident_report_kinds": [(kind, report_title(kind)) for kind in INCIDENT_KINDS],
    }


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
    left = {d.id: minutes_left(d.due_at, now) for d in detail.deadlines}
    corrective = session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.incident_id == incident.id)
        .order_by(CorrectiveAction.id)
    ).all()
    handler = user.role in HANDLERS or user.name == incident.owner
    rank = plan.level(incident.level).rank if incident.level else None
    return render(
        request,
        "incidents/incident.html",
        {
            "d": detail,
            "history": log_lines(
                detail.log,
                plan,
                zone_of(request),
                {s.id: f"#{s.number} r{s.revision}" for s in detail.statements},
            ),
            "event_titles": _event_titles(session, detail.event_ids),
            "refusal": refusal,
            "chains": _chains(session, plan, detail, user),
            "left": left,
            "now_iso": utc_iso(now),
            "due_iso": {d.id: utc_iso(d.due_at) for d in detail.deadlines},
            "stages": [(s.id, s.name, s.required) for s in plan.stages],
            "levels": [(level.id, level.name) for level in plan.levels],
            # Levels read by the plan's names (二级 / 橙色预警), never their ids.
            "level_names": {level.id: level.name for level in plan.levels},
            # Re-opening takes a level more severe than the confirmed one (rank 1 is most).
            "more_severe": [
                (lvl.id, lvl.name) for lvl in plan.levels if rank is None or lvl.rank < rank
            ],
            "fact_sheet": session.get(FactSheet, incident.id),
            "review": session.get(IncidentReview, incident.id),
            "corrective": corrective,
            "zone": zone_of(request),
            "department_name": department_names(session=session, plan=plan),
            "tracks": TRACKS,
            "action_kinds": ACTION_KINDS,
            "report_kinds": REPORT_KINDS,
            # Controls shown to whom the service lets act (it checks again on submit).
            "may_decide": user.role in LEVEL_DECIDERS,
            "may_publish": handler,
            "may_handle": handler,
            "may_end": user.role in plan.response.end_by,
            "may_propose": user.role in LEVEL_PROPOSERS,
            **_report_versions(session, user, incident.id),
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
    # Each item names its incident by title: `#2 · text` read as statement #2.
    ids = (
        {s.incident_id for s in work.approvals}
        | {t.incident_id for t in work.tasks}
        | {r.incident_id for r in work.reports}
    )
    rows = session.execute(select(Incident.id, Incident.title).where(Incident.id.in_(ids)))
    titles = dict(rows.all())
    return render(
        request,
        "incidents/my_work.html",
        {"work": work, "due": due, "titles": titles, "zone": zone_of(request)},
    )


def for_event(
    session: Session, user: Actor, event_id: str, open_rows: service.OpenRows | None = None
) -> dict[str, Any]:
    """What the event's page shows of incidents: those the event is in, the open ones it
    could be added to, and whether the user may open one (all among those they may see).
    `open_rows`: the open incidents read before (shared between pages), else read now."""
    holding = set(
        session.scalars(select(IncidentEvent.incident_id).where(IncidentEvent.event_id == event_id))
    )
    # Whole rows only of the few incidents that hold the event (mostly none).
    mine = service.get_all(session=session, actor=user, limit=200, ids=holding) if holding else []
    choices = service.open_choices(session=session, actor=user, limit=200, rows=open_rows)
    return {
        "of_event": mine,
        "names": _plan_names(session, mine),  # stages by the plan's words, not their ids
        "open": [i for i in choices if i.id not in holding],
        "may_open": user.role in OPENERS,
    }
