"""`/admin/report-templates`: an administrator edits, previews and saves the template of
each report kind; `/reports/files/{id}`: a scheduled report's file, the link robots get.

A template that fails its test render is refused with the error's line and the version
in force stays in force (templates_store). The preview is the rendered sample page,
served alone under a Content-Security-Policy that runs no script at all.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yuqing.auth.audit import record
from yuqing.auth.schemas import Actor
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.reports import templates_store
from yuqing.reports.incident_render import kind_title as incident_title
from yuqing.reports.labels import kind_title
from yuqing.reports.periods import INCIDENT_KINDS, KINDS, check_kind
from yuqing.reports.schedules.models import ReportFile
from yuqing.reports.schedules.service import get_runs
from yuqing.reports.schedules.views import run_status
from yuqing.reports.templates_store import TemplateInvalid
from yuqing.web.deps import ClockDep, SessionDep, require_role
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
PAGE = "/admin/report-templates"
# Who may download a scheduled report: the roles that see every event (a report covers
# them all, so the department role, which sees its own, does not).
READERS = ("admin", "office", "leader", "monitor", "auditor")
# The preview is an administrator's page: no script, nothing fetched, no framing.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; form-action 'none'; sandbox"
)


def report_title(kind: str) -> str:
    return incident_title(kind) if kind in INCIDENT_KINDS else kind_title(kind)


def _page(session: Session, kind: str, **extra: Any) -> dict[str, Any]:
    stored = templates_store.active_source(session=session, kind=kind)
    return {
        "kinds": [(k, report_title(k)) for k in KINDS],
        "kind": kind,
        "source": stored if stored is not None else templates_store.builtin_source(kind),
        "builtin": stored is None,
        "versions": templates_store.get_versions(session=session, kind=kind),
        "runs": get_runs(session=session, limit=20),
        # A run's kind and status in words (its schedule's id stays: the plan's name for it).
        "run_kind": report_title,
        "run_status": run_status,
        "error": None,
        **extra,
    }


@router.get(PAGE, response_class=HTMLResponse, tags=["pages"])
def read_report_templates(
    request: Request,
    user: Annotated[Actor, Depends(page_roles(PAGE))],
    session: SessionDep,
    kind: str = "daily",
) -> HTMLResponse:
    """The template in force for `kind`, its versions, and the latest scheduled runs."""
    check_kind(kind)
    return render(request, "reports/admin_templates.html", _page(session, kind))


@router.post(PAGE, tags=["pages"])
def update_report_template(
    request: Request,
    user: Annotated[Actor, Depends(page_roles(PAGE))],
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Form()],
    source: Annotated[str, Form()],
    action: Annotated[str, Form()] = "save",
) -> Response:
    """Preview (the sample page) or save a new version; an error keeps the one in force."""
    check_kind(kind)
    try:
        if action == "preview":
            page = templates_store.check(source, kind=kind)
            return HTMLResponse(page, headers={"Content-Security-Policy": PREVIEW_CSP})
        row = templates_store.set_template(
            session=session, clock=clock, kind=kind, source=source, author=user.name
        )
    except TemplateInvalid as exc:
        context = _page(session, kind, source=source, error=str(exc))
        return render(request, "reports/admin_templates.html", context, status_code=422)
    record(session=session, clock=clock, actor=user.name, action="report_template.set",
           target=f"report_template:{kind}:v{row.version}",
           after={"kind": kind, "version": row.version})  # fmt: skip
    return RedirectResponse(f"{PAGE}?kind={quote(kind)}", status_code=303)


@router.get("/reports/files/{file_id}", tags=["pages"])
def read_report_file(
    user: Annotated[Actor, Depends(require_role(*READERS))],
    session: SessionDep,
    file_id: int,
) -> Response:
    """A scheduled report's file, as it was generated and sent."""
    row = session.get(ReportFile, file_id)
    if row is None:
        raise NotFound(_("no report file {id}").format(id=file_id))
    disposition = f"attachment; filename*=UTF-8''{quote(row.filename)}"
    return Response(
        row.content, media_type=row.media_type, headers={"Content-Disposition": disposition}
    )
