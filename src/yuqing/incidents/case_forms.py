"""The incident page's controls that reshape a case: split some events out into a new
incident, propose a level, re-open an ended response at a more severe level. Plain forms
like those in forms.py (CSRF token, the version shown, no script): done, a 303; refused,
the incident page with the service's reason on top, and nothing stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from yuqing.incidents import service
from yuqing.incidents.forms import Version, act
from yuqing.incidents.models import Incident
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.security import csrf_protect

router = APIRouter(prefix="/incidents", dependencies=[Depends(csrf_protect)], tags=["pages"])


@router.post("/{incident_id}/split")
def split_incident_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    reason: Annotated[str, Form()] = "",
    event_ids: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    title: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """Move the chosen events into a new incident (they are another case) and open it;
    at least one event stays, and the reason is required."""

    def to_new(new: Incident) -> str:
        return f"/incidents/{new.id}"

    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.split_incident(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   event_ids=[e for e in event_ids if e], title=title.strip() or None,
                   reason=reason, expected_version=version),
               goto=to_new)  # fmt: skip


@router.post("/{incident_id}/level/proposal")
def propose_level_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    level: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """Propose a level (a monitor or the office; a deciding role confirms it)."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.propose_level(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   level=level, reason=reason, expected_version=version))  # fmt: skip


@router.post("/{incident_id}/reopen")
def reopen_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    level: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """Re-open an ended response at a more severe level (it re-ignited); the new level's
    clocks start from now."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.reopen(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   level=level, reason=reason, expected_version=version))  # fmt: skip
