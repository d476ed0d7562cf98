"""Generating a report document for sign-off (/reports) from the incident page.

The form posts here rather than to /reports so that a refusal (a kind that is not an
incident's, a role that does not write reports) comes back as the incident page with its
reason on top, like the page's other controls, and nothing is stored; done, the browser
goes to the new document's own page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.incidents.forms import act
from yuqing.reports import store as report_store
from yuqing.reports.incident_render import kind_title
from yuqing.reports.models import ReportVersion
from yuqing.reports.periods import INCIDENT_KINDS
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.security import csrf_protect

router = APIRouter(prefix="/incidents", dependencies=[Depends(csrf_protect)], tags=["pages"])


@router.post("/{incident_id}/report-documents")
def generate_report_document_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Form()] = "",
) -> Response:
    """Generate an incident's report document (快报, 专报…) as a new draft version; the
    reports store checks the role and that the user may see the incident."""

    def generate() -> ReportVersion:
        if kind not in INCIDENT_KINDS:
            raise InvalidInput(
                _("{kind!r} is not a report document of an incident; expected one of: {kinds}")
                .format(kind=kind[:40], kinds=", ".join(kind_title(k) for k in INCIDENT_KINDS)),
                where="kind",
            )  # fmt: skip
        subject = report_store.Subject(kind=kind, incident=incident_id)
        return report_store.create(session=session, clock=clock, actor=user, subject=subject)

    def to_document(version: ReportVersion) -> str:
        return f"/reports/{version.id}"

    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=generate, goto=to_document)  # fmt: skip
