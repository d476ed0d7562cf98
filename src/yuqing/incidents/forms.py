"""The incident page's controls: plain HTML forms (CSRF token, no script) that each call
one service function. Done, they send the browser back to the incident (303); refused
(a skipped stage, an open task, a stale version…), they answer the incident page again
with the service's reason on top and its status, and nothing is stored.

Every form carries the incident's version it was shown at, so a change made meanwhile by
someone else is refused rather than overwritten (no lost update)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.incidents import service
from yuqing.incidents.models import CorrectiveAction, Task
from yuqing.incidents.service.access import get_visible
from yuqing.incidents.views import incident_page, zone_of
from yuqing.incidents.wording import row_name
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.security import csrf_protect

router = APIRouter(prefix="/incidents", dependencies=[Depends(csrf_protect)], tags=["pages"])

# The refusals a person can act on, shown on the page; "not found" stays the error page.
REFUSALS = (Conflict, Forbidden, InvalidInput)
Version = Annotated[int | None, Form()]


def act(
    request: Request,
    *,
    session: Session,
    user: Actor,
    clock: Clock,
    incident_id: int,
    change: Callable[[], Any],
    then: str = "",
    goto: Callable[[Any], str] | None = None,
) -> Response:
    """Run `change`; on success back to the incident (at `then`), or where `goto` says
    given what `change` returned; else the incident page with why."""
    try:
        result = change()
        session.flush()
    except REFUSALS as exc:
        session.rollback()  # the request's commit must store nothing of a refused change
        return incident_page(request, session=session, user=user, clock=clock,
                             incident_id=incident_id, refusal=exc.message,
                             status_code=exc.http_status)  # fmt: skip
    target = goto(result) if goto else f"/incidents/{incident_id}{then}"
    return RedirectResponse(target, status_code=303)


def owned(session: Session, user: Actor, model: Any, row_id: int, incident_id: int) -> None:
    """A row addressed under an incident must belong to it (else: not found, as for an
    incident the user may not see)."""
    row = session.get(model, row_id)
    if row is None or row.incident_id != incident_id:
        get_visible(session, user, incident_id)
        raise NotFound(
            _("no {what} {id} in incident {incident}").format(
                what=row_name(model.__tablename__), id=row_id, incident=incident_id
            )
        )


def local_time(value: str, zone: ZoneInfo, field: str) -> datetime | None:
    """A `datetime-local` field's value, read in the plan's time zone ("" is none)."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            _("{value!r} is not a date and time").format(value=value[:40]), where=field
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def lines(text: str) -> list[str]:
    """A textarea's non-empty lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("", response_class=HTMLResponse)
def open_incident_form(
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    event_ids: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    alert_id: Annotated[int | None, Form()] = None,
    tip_channel: Annotated[str, Form()] = "",
    tip_text: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Open an incident from an event, an alert, or a tip by phone, letter or in person;
    the user is its first receiver. A refusal is the error page with its reason."""
    incident = service.open_incident(
        session=session,
        clock=clock,
        actor=user,
        event_ids=[e for e in event_ids if e],
        alert_id=alert_id,
        tip_channel=tip_channel or None,
        tip_text=tip_text or None,
        title=title.strip() or None,
    )
    return RedirectResponse(f"/incidents/{incident.id}", status_code=303)


@router.post("/events")
def add_events_form(
    incident_id: Annotated[int, Form()],
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    event_ids: Annotated[list[str], Form()],
    version: Version = None,
) -> Response:
    """Add an event to an existing incident, chosen on the event's page."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.add_events(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   event_ids=[e for e in event_ids if e], expected_version=version))  # fmt: skip


@router.post("/{incident_id}/level")
def confirm_level_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    level: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """Confirm the proposed level or decide another; the service checks who may decide
    and starts the report drafts and deadlines the plan asks for at that level."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.confirm_level(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   level=level, reason=reason, expected_version=version))  # fmt: skip


@router.post("/{incident_id}/stage")
def move_stage_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    stage: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """Move to another stage (a skipped required stage is refused with its name)."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.move_stage(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   stage=stage, reason=reason, expected_version=version))  # fmt: skip


@router.post("/{incident_id}/handover")
def hand_over_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    to: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """Offer the case to the next owner (首问负责制: the owner stays until accepted)."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.hand_over(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   to=to.strip(), reason=reason, expected_version=version))  # fmt: skip


@router.post("/{incident_id}/handover/accept")
def accept_handover_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    version: Version = None,
) -> Response:
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.accept_handover(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   expected_version=version))  # fmt: skip


@router.post("/{incident_id}/tasks")
def add_task_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    title: Annotated[str, Form()],
    owner: Annotated[str, Form()],
    track: Annotated[str, Form()] = "other",
    due: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """A task on the offline line (fix the real problem) or the online one (respond)."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.add_task(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   title=title, owner=owner.strip(), track=track,
                   due_at=local_time(due, zone_of(request), "due"), expected_version=version),
               then="#tasks-heading")  # fmt: skip


@router.post("/{incident_id}/tasks/{task_id}/done")
def complete_task_form(
    incident_id: int,
    task_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    version: Version = None,
) -> Response:
    owned(session, user, Task, task_id, incident_id)
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.complete_task(
                   session=session, clock=clock, actor=user, task_id=task_id,
                   expected_version=version),
               then="#tasks-heading")  # fmt: skip


@router.post("/{incident_id}/actions")
def record_action_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Form()],
    description: Annotated[str, Form()],
    evidence: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """An official reply, press conference, correction request or police referral, with
    its evidence (one link or file reference a line)."""

    def change() -> None:
        if not lines(evidence):
            raise InvalidInput(_("an action needs its evidence"), where="evidence")
        service.record_action(session=session, clock=clock, actor=user,
                              incident_id=incident_id, kind=kind, description=description,
                              evidence=lines(evidence), target=target.strip() or None,
                              expected_version=version)  # fmt: skip

    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=change, then="#actions-heading")  # fmt: skip


@router.post("/{incident_id}/end")
def end_response_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    reason: Annotated[str, Form()],
    version: Version = None,
) -> Response:
    """The recorded decision that ends the response (refused while a task is open)."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.end_response(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   reason=reason, expected_version=version))  # fmt: skip


@router.post("/{incident_id}/review")
def write_review_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    summary: Annotated[str, Form()],
    worked: Annotated[str, Form()] = "",
    failed: Annotated[str, Form()] = "",
    evaluation: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.write_review(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   summary=summary, worked=worked, failed=failed, evaluation=evaluation,
                   expected_version=version),
               then="#review-heading")  # fmt: skip


@router.post("/{incident_id}/corrective-actions")
def add_corrective_action_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    title: Annotated[str, Form()],
    owner: Annotated[str, Form()],
    due: Annotated[str, Form()],
    version: Version = None,
) -> Response:
    """整改: a corrective action with its owner and deadline."""

    def change() -> None:
        due_at = local_time(due, zone_of(request), "due")
        if due_at is None:
            raise InvalidInput(_("a corrective action needs its deadline"), where="due")
        service.add_corrective_action(session=session, clock=clock, actor=user,
                                      incident_id=incident_id, title=title,
                                      owner=owner.strip(), due_at=due_at,
                                      expected_version=version)  # fmt: skip

    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=change, then="#review-heading")  # fmt: skip


@router.post("/{incident_id}/corrective-actions/{action_id}/done")
def complete_corrective_action_form(
    incident_id: int,
    action_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    owned(session, user, CorrectiveAction, action_id, incident_id)
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.complete_corrective_action(
                   session=session, clock=clock, actor=user, action_id=action_id),
               then="#review-heading")  # fmt: skip


@router.post("/{incident_id}/close")
def close_incident_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    version: Version = None,
) -> Response:
    """Close the ended incident into the case library."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.close_incident(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   expected_version=version))  # fmt: skip
