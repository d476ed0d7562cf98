"""`/api/v1/reports…`: generate, list, read, edit, sign, correct and download stored
report versions (docs/reports.md). The service checks roles, incident visibility and
a department user's department."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.monitor.timeparse import parse_time
from yuqing.reports import store
from yuqing.reports.models import ReportVersion
from yuqing.reports.schemas import ReportCreate, ReportUpdate, ReportVersionList, ReportVersionRead
from yuqing.reports.service import FORMATS, check_format
from yuqing.web.deps import ClockDep, SessionDep, require_role
from yuqing.web.errors import AUTH_RESPONSES
from yuqing.web.params import MAX_ID, IdPath

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=AUTH_RESPONSES)
# A department user reads and writes their department's period reports (store.scope_of).
Reader = Annotated[
    Actor, Depends(require_role("admin", "office", "leader", "auditor", "department"))
]
Writer = Annotated[Actor, Depends(require_role("admin", "office", "leader", "department"))]
Signer = Annotated[Actor, Depends(require_role("admin", "leader"))]
MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@router.get("")
def read_reports(
    session: SessionDep,
    user: Reader,
    kind: str | None = None,
    incident: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    department: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ReportVersionList:
    """Stored report versions the user may read, newest first."""
    found = store.get_all(
        session=session,
        actor=user,
        kind=kind,
        incident=incident,
        department=department,
        limit=limit,
    )
    return ReportVersionList(
        data=[ReportVersionRead.model_validate(v) for v in found], count=len(found)
    )


@router.post("", status_code=201)
def create_report(
    body: ReportCreate, session: SessionDep, clock: ClockDep, user: Writer
) -> ReportVersionRead:
    """Generate a report from the store and keep it as a new draft version."""
    subject = store.Subject(
        kind=body.kind,
        incident=body.incident,
        start=parse_time(body.start, field="from") if body.start else None,
        end=parse_time(body.end, field="to") if body.end else None,
        watch=body.watch,
        department=body.department,
    )
    version = store.create(
        session=session, clock=clock, actor=user, subject=subject, header=body.header
    )
    return ReportVersionRead.model_validate(version)


@router.get("/{report_id}")
def read_report(report_id: IdPath, session: SessionDep, user: Reader) -> ReportVersionRead:
    return ReportVersionRead.model_validate(
        store.get_or_raise(session=session, actor=user, report_id=report_id)
    )


@router.patch("/{report_id}")
def update_report(
    report_id: IdPath, body: ReportUpdate, session: SessionDep, clock: ClockDep, user: Writer
) -> ReportVersionRead:
    """Edit text sections of a draft; a signed version answers 409."""
    version = store.update_sections(
        session=session, clock=clock, actor=user, report_id=report_id, sections=body.sections
    )
    return ReportVersionRead.model_validate(version)


@router.post("/{report_id}/sign")
def sign_report(
    report_id: IdPath, session: SessionDep, clock: ClockDep, user: Signer
) -> ReportVersionRead:
    """Sign a draft: frozen, its content hash recorded in the audit trail."""
    version = store.sign(session=session, clock=clock, actor=user, report_id=report_id)
    return ReportVersionRead.model_validate(version)


@router.post("/{report_id}/corrections", status_code=201)
def correct_report(
    report_id: IdPath, session: SessionDep, clock: ClockDep, user: Writer
) -> ReportVersionRead:
    """A new draft version of a signed report, to correct it."""
    version = store.correct(session=session, clock=clock, actor=user, report_id=report_id)
    return ReportVersionRead.model_validate(version)


@router.get(
    "/{report_id}/download",
    response_class=Response,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
def download_report(
    report_id: int,
    session: SessionDep,
    user: Reader,
    fmt: Annotated[str, Query(alias="format", description=", ".join(FORMATS))] = "pdf",
) -> Response:
    """The version as a document (drawn from what the version holds)."""
    chosen = check_format(fmt)
    version = store.get_or_raise(session=session, actor=user, report_id=report_id)
    return download(version, chosen, session=session)


def download(version: ReportVersion, fmt: str, *, session: Session) -> Response:
    chosen = check_format(fmt)
    return Response(
        store.render(version, chosen, session=session),
        media_type=MEDIA_TYPES[chosen],
        headers={
            "Content-Disposition": f'attachment; filename="{store.filename(version, chosen)}"'
        },
    )
