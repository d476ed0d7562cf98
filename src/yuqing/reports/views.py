"""The report pages: the list with a form to generate one, a version's page (its text
sections, edited there while it is a draft; sign; correct), its preview and downloads.

The preview is the report's own HTML page, opened on its own: it carries a stricter
Content-Security-Policy of its own (no script at all; its inline print styles and
data: charts only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yuqing.analysis.llm.client import EndpointError
from yuqing.analysis.llm.drafting import Draft
from yuqing.auth.schemas import Actor
from yuqing.core.errors import Conflict, InvalidInput, UpstreamError
from yuqing.core.i18n import N_, _
from yuqing.monitor.timeparse import parse_time
from yuqing.plan.service import get_active_plan
from yuqing.reports import api, store
from yuqing.reports.department_scope import known_departments
from yuqing.reports.draft import draft_summary
from yuqing.reports.incident_render import field_label
from yuqing.reports.incident_render import kind_title as incident_title
from yuqing.reports.labels import kind_title as period_title
from yuqing.reports.periods import INCIDENT_KINDS, KINDS, PERIOD_KINDS, default_period
from yuqing.reports.schedules.service import get_runs
from yuqing.reports.schedules.views import run_status
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, SessionDep, require_role
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
# A department user reads and writes their department's period reports (store.scope_of).
Reader = Annotated[
    Actor, Depends(require_role("admin", "office", "leader", "auditor", "department"))
]
Writer = Annotated[Actor, Depends(require_role("admin", "office", "leader", "department"))]
Signer = Annotated[Actor, Depends(require_role("admin", "leader"))]
# The preview runs no script; its styles are inline (one self-standing file).
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PERIOD_SECTION_LABELS = {"summary": N_("Summary"), "remarks": N_("Remarks")}
STATUSES = {"draft": N_("draft"), "signed": N_("signed")}
RUNS_SHOWN = 20  # the latest scheduled reports listed; each links to its deliveries


def _kind_title(kind: str) -> str:
    return incident_title(kind) if kind in INCIDENT_KINDS else period_title(kind)


def _status(status: str) -> str:
    return _(STATUSES[status]) if status in STATUSES else status


def _common(request: Request) -> dict[str, object]:
    """What both report pages show: local times, kinds and statuses by their names."""
    return {
        "zone": ZoneInfo(request.app.state.settings.timezone),
        "report_kind_title": _kind_title,
        "report_status": _status,
    }


def _section_label(name: str, kind: str) -> str:
    if name in PERIOD_SECTION_LABELS:
        return _(PERIOD_SECTION_LABELS[name])
    return field_label(name, kind)


@router.get("/reports", response_class=HTMLResponse, tags=["pages"])
def read_reports_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    user: Reader,
    kind: str = "",
    incident: str = "",
    department: str = "",
) -> HTMLResponse:
    """Stored reports, newest first, and the form that generates one (its dates hint at
    the period a daily report takes when none is given: yesterday, from the clock)."""
    found = store.get_all(
        session=session,
        actor=user,
        kind=kind or None,
        incident=int(incident) if incident.isdigit() else None,
        department=department.strip() or None,
        limit=200,
    )
    scope = store.scope_of(session, user)
    return render(
        request,
        "reports/list_page.html",
        {
            "versions": found,
            # A department user writes period reports only.
            "kinds": KINDS if scope.department is None else PERIOD_KINDS,
            "incident_kinds": INCIDENT_KINDS,
            "filters": {"kind": kind, "incident": incident, "department": department},
            "departments": _department_choices(session, scope),
            "may_write": user.role in store.WRITERS,
            # Scheduled runs are the organization's: their pages are not a department's.
            "runs": get_runs(session=session, limit=RUNS_SHOWN) if scope.department is None else [],
            "show_runs": scope.department is None,
            "run_status": run_status,
            "example": _example_period(request, session, clock.now()),
            **_common(request),
        },
    )


def _example_period(request: Request, session: Session, now: datetime) -> tuple[str, str]:
    """The form's example dates: the daily report's default period in the plan's days
    (the end is the day after: a period runs up to its end)."""
    plan = get_active_plan(session=session)
    zone = ZoneInfo(plan.organization.timezone if plan else request.app.state.settings.timezone)
    period = default_period(PERIOD_KINDS[0], now=now, zone=zone)
    return period.start.date().isoformat(), period.end.date().isoformat()


def _department_choices(session: Session, scope: store.ReportScope) -> list[tuple[str, str]]:
    """The form's departments, by their names: ("", the whole organization) first when
    the user may write that, then each department they may report on."""
    plan = get_active_plan(session=session)
    names = department_names(session=session, plan=plan)
    if scope.department is not None:
        ids = [] if scope.department == store.NOBODY else [scope.department]
    else:
        ids = sorted(known_departments(session=session, plan=plan), key=lambda d: (names(d), d))
    whole = [("", _("the whole organization"))] if scope.whole else []
    return whole + [(d, names(d)) for d in ids]


@router.post("/reports", tags=["pages"])
def create_report_form(
    session: SessionDep,
    clock: ClockDep,
    user: Writer,
    kind: Annotated[str, Form()],
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    watch: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    incident: Annotated[str, Form()] = "",
    doc_number: Annotated[str, Form()] = "",
    mark: Annotated[str, Form()] = "",
    signature: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Generate a report and open its page."""
    if incident.strip() and not incident.strip().isdigit():
        raise InvalidInput(
            _("incident: expected a number, got {value!r}").format(value=incident),
            where="incident",
        )
    subject = store.Subject(
        kind=kind,
        incident=int(incident) if incident.strip() else None,
        start=parse_time(start, field="from") if start.strip() else None,
        end=parse_time(end, field="to") if end.strip() else None,
        watch=watch.strip() or None,
        department=department.strip() or None,
    )
    header = {"doc_number": doc_number, "mark": mark, "signature": signature}
    version = store.create(session=session, clock=clock, actor=user, subject=subject, header=header)
    return RedirectResponse(f"/reports/{version.id}", status_code=303)


@router.get("/reports/{report_id}", response_class=HTMLResponse, tags=["pages"])
def read_report_page(
    report_id: int, request: Request, session: SessionDep, user: Reader
) -> HTMLResponse:
    """One version: its sections (a form while it is a draft), sign, correct, download."""
    version = store.get_or_raise(session=session, actor=user, report_id=report_id)
    return _version_page(request, user, version)


def _version_page(
    request: Request, user: Actor, version: Any, proposal: Draft | None = None
) -> HTMLResponse:
    names = store.section_names(version.kind)
    texts = dict(version.sections)
    if proposal is not None and proposal.text:
        texts["summary"] = proposal.text  # shown in the form; saved only by the person
    return render(
        request,
        "reports/version_page.html",
        {
            "v": version,
            "sections": [(n, _section_label(n, version.kind), texts.get(n, "")) for n in names],
            "may_write": user.role in store.WRITERS,
            "may_sign": user.role in store.SIGNERS,
            "may_propose": request.app.state.settings.llm is not None
            and version.kind in PERIOD_KINDS,
            "proposal": proposal,
            "formats": ("pdf", "docx", "html", "json"),
            **_common(request),
        },
    )


@router.post("/reports/{report_id}/propose-summary", response_class=HTMLResponse, tags=["pages"])
def propose_summary_form(
    report_id: int, request: Request, session: SessionDep, user: Writer
) -> HTMLResponse:
    """The organization's own model proposes the summary (docs/llm.md): the page comes
    back with it in the form, the refused sentences beside it; nothing is saved."""
    version = store.get_or_raise(session=session, actor=user, report_id=report_id)
    llm = request.app.state.settings.llm
    if llm is None:
        raise InvalidInput(_("no drafting endpoint: set YUQING_LLM_URL and YUQING_LLM_MODEL"))
    if version.kind not in PERIOD_KINDS or version.status != "draft":
        raise Conflict(_("only a draft period report gets a proposed summary"))
    figures = store.period_figures_from_json(version.figures, session=session)
    try:
        proposal = draft_summary(session, figures, llm)
    except EndpointError as exc:
        raise UpstreamError(_("the drafting endpoint failed: {why}").format(why=exc)) from None
    return _version_page(request, user, version, proposal)


@router.get("/reports/{report_id}/preview", response_class=HTMLResponse, tags=["pages"])
def read_report_preview(report_id: int, session: SessionDep, user: Reader) -> HTMLResponse:
    """The report as its HTML document, as it prints."""
    version = store.get_or_raise(session=session, actor=user, report_id=report_id)
    return HTMLResponse(
        store.render(version, "html", session=session).decode(),
        headers={"Content-Security-Policy": PREVIEW_CSP},
    )


@router.post("/reports/{report_id}/edit", tags=["pages"])
def update_report_form(
    report_id: int,
    session: SessionDep,
    clock: ClockDep,
    user: Writer,
    summary: Annotated[str | None, Form()] = None,
    remarks: Annotated[str | None, Form()] = None,
    content: Annotated[str | None, Form()] = None,
    cause: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form()] = None,
    harm: Annotated[str | None, Form()] = None,
    measures: Annotated[str | None, Form()] = None,
    trend: Annotated[str | None, Form()] = None,
    next_steps: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    """Save the edited sections of a draft (the form's fields are the sections' names)."""
    sent = {
        "summary": summary,
        "remarks": remarks,
        "content": content,
        "cause": cause,
        "scope": scope,
        "harm": harm,
        "measures": measures,
        "trend": trend,
        "next_steps": next_steps,
    }
    store.update_sections(
        session=session,
        clock=clock,
        actor=user,
        report_id=report_id,
        sections={name: text for name, text in sent.items() if text is not None},
    )
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


@router.post("/reports/{report_id}/sign", tags=["pages"])
def sign_report_form(
    report_id: int, session: SessionDep, clock: ClockDep, user: Signer
) -> RedirectResponse:
    store.sign(session=session, clock=clock, actor=user, report_id=report_id)
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


@router.post("/reports/{report_id}/correct", tags=["pages"])
def correct_report_form(
    report_id: int, session: SessionDep, clock: ClockDep, user: Writer
) -> RedirectResponse:
    version = store.correct(session=session, clock=clock, actor=user, report_id=report_id)
    return RedirectResponse(f"/reports/{version.id}", status_code=303)


@router.get("/reports/{report_id}/download/{fmt}", tags=["pages"])
def download_report_file(report_id: int, fmt: str, session: SessionDep, user: Reader) -> Response:
    version = store.get_or_raise(session=session, actor=user, report_id=report_id)
    return api.download(version, fmt, session=session)
