"""`/api/v1/incidents…`: the whole life of an incident as JSON (docs/api.md).

Routes parse, call one service function and answer; the service checks role, department,
confidentiality and the version; web/errors.py turns its errors into 4xx answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from pydantic import BaseModel

from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.incidents import service
from yuqing.incidents.models import CorrectiveAction, Report, Statement, Task
from yuqing.incidents.schemas import (
    ActionIn,
    ActionRead,
    CaseList,
    CaseRead,
    CorrectiveIn,
    EndIn,
    EventsIn,
    FactSheetIn,
    HandoverIn,
    IncidentCreate,
    IncidentDetail,
    IncidentList,
    IncidentRead,
    LevelIn,
    PublishIn,
    ReopenIn,
    ReportIn,
    ReportRead,
    ReportUpdate,
    ReviewIn,
    SplitIn,
    StageIn,
    StatementIn,
    StatementRead,
    StatementReviewIn,
    TaskIn,
    TaskRead,
    Versioned,
)
from yuqing.incidents.service import cases, reading
from yuqing.incidents.wording import row_name
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.errors import AUTH_RESPONSES
from yuqing.web.params import IdPath

Answer = TypeVar("Answer", bound=BaseModel)

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"], responses=AUTH_RESPONSES)


def _act(
    answer: type[Answer],
    act: Callable[..., object],
    body: BaseModel,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
    incident_id: int,
) -> Answer:
    """The one shape of most routes: a service change of the incident, called with the
    body's fields, answered as `answer`."""
    changed = act(
        session=session, clock=clock, actor=user, incident_id=incident_id, **body.model_dump()
    )
    return answer.model_validate(changed)


def _owned(session: SessionDep, model: Any, row_id: int, incident_id: int) -> None:
    """A sub-resource addressed under an incident must belong to it."""
    row = session.get(model, row_id)
    if row is None or row.incident_id != incident_id:
        raise NotFound(
            _("no {what} {id} in incident {incident}").format(
                what=row_name(model.__tablename__), id=row_id, incident=incident_id
            )
        )


@router.get("")
def read_incidents(
    session: SessionDep,
    user: CurrentUser,
    status: str | None = None,
    level: str | None = None,
    stage: str | None = None,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> IncidentList:
    """Incidents the user may see, newest first."""
    found = service.get_all(
        session=session,
        actor=user,
        status=status,
        level=level,
        stage=stage,
        department=department,
        limit=limit,
    )
    return IncidentList(data=[IncidentRead.model_validate(i) for i in found], count=len(found))


@router.post("", status_code=201)
def create_incident(
    body: IncidentCreate, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Open an incident from events, an alert or a tip; the user is its first receiver."""
    incident = service.open_incident(session=session, clock=clock, actor=user, **body.model_dump())
    return IncidentRead.model_validate(incident)


@router.get("/my-work")
def read_my_work(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """What waits for the user: hand-overs, approvals, tasks, report drafts."""
    work = reading.my_work(session=session, actor=user)
    return {
        "handovers": [IncidentRead.model_validate(i) for i in work.handovers],
        "approvals": [StatementRead.model_validate(s) for s in work.approvals],
        "tasks": [TaskRead.model_validate(t) for t in work.tasks],
        "reports": [ReportRead.model_validate(r) for r in work.reports],
    }


@router.get("/cases")
def read_cases(
    session: SessionDep,
    user: CurrentUser,
    q: str = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CaseList:
    """The case library, searched by words of title, category, review and posts."""
    found = cases.search(session=session, actor=user, query=q, limit=limit)
    return CaseList(data=[CaseRead.model_validate(c) for c in found], count=len(found))


@router.get("/cases/{incident_id}")
def read_case(incident_id: IdPath, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """One case as its JSON document (the export)."""
    document: dict[str, Any] = cases.get_or_raise(
        session=session, actor=user, incident_id=incident_id
    ).document
    return document


@router.get("/{incident_id}")
def read_incident(
    incident_id: IdPath, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentDetail:
    """The incident with its deadlines, reports, tasks, statements, actions and log, and
    its events measured before and after each published statement."""
    return reading.get_detail(session=session, clock=clock, actor=user, incident_id=incident_id)


@router.post("/{incident_id}/events")
def add_events(
    incident_id: IdPath, body: EventsIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Merge more events into the incident."""
    return _act(IncidentRead, service.add_events, body, session, clock, user, incident_id)


@router.post("/{incident_id}/split", status_code=201)
def split_incident(
    incident_id: IdPath, body: SplitIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Move some events into a new incident, which is the answer; both log the split."""
    return _act(IncidentRead, service.split_incident, body, session, clock, user, incident_id)


@router.post("/{incident_id}/level/proposal")
def propose_level(
    incident_id: IdPath, body: LevelIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Propose a level (recorded; only a confirmation starts deadlines)."""
    return _act(IncidentRead, service.propose_level, body, session, clock, user, incident_id)


@router.post("/{incident_id}/level")
def confirm_level(
    incident_id: IdPath, body: LevelIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Confirm the level: the report drafts the plan requires appear with their clocks."""
    return _act(IncidentRead, service.confirm_level, body, session, clock, user, incident_id)


@router.post("/{incident_id}/reopen")
def reopen(
    incident_id: IdPath, body: ReopenIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Re-open an ended response at a more severe level: the plan's clocks restart."""
    return _act(IncidentRead, service.reopen, body, session, clock, user, incident_id)


@router.post("/{incident_id}/stage")
def move_stage(
    incident_id: IdPath, body: StageIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Move to another stage of the plan (a skipped required stage is refused: 409)."""
    return _act(IncidentRead, service.move_stage, body, session, clock, user, incident_id)


@router.post("/{incident_id}/handover")
def hand_over(
    incident_id: IdPath, body: HandoverIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Offer the case to the next owner."""
    return _act(IncidentRead, service.hand_over, body, session, clock, user, incident_id)


@router.post("/{incident_id}/handover/accept")
def accept_handover(
    incident_id: IdPath, body: Versioned, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Accept the case offered to the user: they own it from now on."""
    return _act(IncidentRead, service.accept_handover, body, session, clock, user, incident_id)


@router.post("/{incident_id}/tasks", status_code=201)
def add_task(
    incident_id: IdPath, body: TaskIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> TaskRead:
    """A task with its owner, due time and track (offline / online / other)."""
    return _act(TaskRead, service.add_task, body, session, clock, user, incident_id)


@router.post("/{incident_id}/tasks/{task_id}/done")
def complete_task(
    incident_id: IdPath,
    task_id: IdPath,
    body: Versioned,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
) -> TaskRead:
    _owned(session, Task, task_id, incident_id)
    return TaskRead.model_validate(
        service.complete_task(
            session=session, clock=clock, actor=user, task_id=task_id, **body.model_dump()
        )
    )


@router.post("/{incident_id}/reports", status_code=201)
def create_report(
    incident_id: IdPath, body: ReportIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> ReportRead:
    """A new prefilled report (a progress report may correct an earlier one)."""
    return _act(ReportRead, service.create_report, body, session, clock, user, incident_id)


@router.patch("/{incident_id}/reports/{report_id}")
def update_report(
    incident_id: IdPath,
    report_id: IdPath,
    body: ReportUpdate,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
) -> ReportRead:
    """Edit fields of a draft (a submitted report: 409, revise it)."""
    _owned(session, Report, report_id, incident_id)
    return ReportRead.model_validate(
        service.update_report(
            session=session, clock=clock, actor=user, report_id=report_id, **body.model_dump()
        )
    )


@router.post("/{incident_id}/reports/{report_id}/revision", status_code=201)
def revise_report(
    incident_id: IdPath,
    report_id: IdPath,
    body: Versioned,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
) -> ReportRead:
    """A new draft revision of a submitted report."""
    _owned(session, Report, report_id, incident_id)
    return ReportRead.model_validate(
        service.revise_report(
            session=session, clock=clock, actor=user, report_id=report_id, **body.model_dump()
        )
    )


@router.post("/{incident_id}/reports/{report_id}/submit")
def submit_report(
    incident_id: IdPath,
    report_id: IdPath,
    body: Versioned,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
) -> ReportRead:
    """Submit a draft; its deadline is recorded met or missed (minutes late)."""
    _owned(session, Report, report_id, incident_id)
    return ReportRead.model_validate(
        service.submit_report(
            session=session, clock=clock, actor=user, report_id=report_id, **body.model_dump()
        )
    )


@router.put("/{incident_id}/fact-sheet")
def update_fact_sheet(
    incident_id: IdPath, body: FactSheetIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> dict[str, Any]:
    """The one set of facts, figures and wording statements reference."""
    sheet = service.update_fact_sheet(
        session=session, clock=clock, actor=user, incident_id=incident_id, **body.model_dump()
    )
    return {
        "facts": sheet.facts,
        "figures": sheet.figures,
        "wording": sheet.wording,
        "revision": sheet.revision,
    }


@router.post("/{incident_id}/statements", status_code=201)
def draft_statement(
    incident_id: IdPath, body: StatementIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> StatementRead:
    """A statement (or a new revision of one) into review by the level's chain."""
    return _act(StatementRead, service.draft_statement, body, session, clock, user, incident_id)


@router.post("/{incident_id}/statements/{statement_id}/reviews")
def review_statement(
    incident_id: IdPath,
    statement_id: IdPath,
    body: StatementReviewIn,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
) -> StatementRead:
    """Approve or reject at the next step of the chain, or comment."""
    _owned(session, Statement, statement_id, incident_id)
    return StatementRead.model_validate(
        service.review_statement(
            session=session, clock=clock, actor=user, statement_id=statement_id, **body.model_dump()
        )
    )


@router.post("/{incident_id}/statements/{statement_id}/publish")
def publish_statement(
    incident_id: IdPath,
    statement_id: IdPath,
    body: PublishIn,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
) -> StatementRead:
    """Record an approved statement as published (409 without its approvals)."""
    _owned(session, Statement, statement_id, incident_id)
    return StatementRead.model_validate(
        service.publish_statement(
            session=session, clock=clock, actor=user, statement_id=statement_id, **body.model_dump()
        )
    )


@router.post("/{incident_id}/actions", status_code=201)
def record_action(
    incident_id: IdPath, body: ActionIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> ActionRead:
    """An official reply, press conference, correction request or police referral."""
    return _act(ActionRead, service.record_action, body, session, clock, user, incident_id)


@router.post("/{incident_id}/end")
def end_response(
    incident_id: IdPath, body: EndIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """The recorded decision that ends the response (the plan's `response.end_by`)."""
    return _act(IncidentRead, service.end_response, body, session, clock, user, incident_id)


@router.put("/{incident_id}/review")
def write_review(
    incident_id: IdPath, body: ReviewIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> dict[str, Any]:
    """Summary, what worked, what failed, the closing evaluation."""
    review = service.write_review(
        session=session, clock=clock, actor=user, incident_id=incident_id, **body.model_dump()
    )
    return {
        "summary": review.summary,
        "worked": review.worked,
        "failed": review.failed,
        "evaluation": review.evaluation,
        "written_by": review.written_by,
    }


@router.post("/{incident_id}/corrective-actions", status_code=201)
def add_corrective_action(
    incident_id: IdPath, body: CorrectiveIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> dict[str, Any]:
    """整改: a corrective action with its owner and deadline."""
    row = service.add_corrective_action(
        session=session, clock=clock, actor=user, incident_id=incident_id, **body.model_dump()
    )
    return {
        "id": row.id,
        "title": row.title,
        "owner": row.owner,
        "due_at": row.due_at.isoformat(),
        "status": row.status,
    }


@router.post("/{incident_id}/corrective-actions/{action_id}/done")
def complete_corrective_action(
    incident_id: IdPath, action_id: IdPath, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> dict[str, Any]:
    _owned(session, CorrectiveAction, action_id, incident_id)
    row = service.complete_corrective_action(
        session=session, clock=clock, actor=user, action_id=action_id
    )
    return {"id": row.id, "status": row.status}


@router.post("/{incident_id}/close")
def close_incident(
    incident_id: IdPath, body: Versioned, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> IncidentRead:
    """Close an ended incident into the case library (review and closing report first)."""
    return _act(IncidentRead, service.close_incident, body, session, clock, user, incident_id)
