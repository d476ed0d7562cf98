"""Writing on an incident: a report's own page (its fields prefilled from the event,
edited, submitted, revised), the fact sheet, and statements (drafted with the fact sheet
beside them, reviewed step by step, published with channel, time, link and text).

Refusals come back as the page the form was on, with the reason on top."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import N_, _
from yuqing.incidents import service
from yuqing.incidents.forms import REFUSALS, Version, act, lines, local_time, owned
from yuqing.incidents.models import Report, Statement
from yuqing.incidents.service.access import get_visible
from yuqing.incidents.service.reports import REPORT_FIELDS
from yuqing.incidents.views import zone_of
from yuqing.reports.incident_text import versions_of
from yuqing.reports.store import READERS as REPORT_READERS
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(prefix="/incidents", dependencies=[Depends(csrf_protect)], tags=["pages"])

# PRODUCT §6: what each report field asks for, as the form labels it.
FIELD_LABELS: dict[str, str] = {
    "event_name": N_("Event name"),
    "category": N_("Category"),
    "level": N_("Level"),
    "received_at": N_("Time received"),
    "reporter": N_("Reporter"),
    "discovered_at": N_("Time discovered"),
    "discovered_where": N_("Where discovered"),
    "content": N_("Main content"),
    "cause": N_("Possible cause"),
    "scope": N_("Scope"),
    "harm": N_("Harm"),
    "measures": N_("Measures taken"),
    "trend": N_("Trend"),
    "next_steps": N_("Next steps"),
}
# Fields with room for sentences; the others are one line.
LONG_FIELDS = frozenset({"content", "cause", "scope", "harm", "measures", "trend", "next_steps"})
assert set(FIELD_LABELS) == set(REPORT_FIELDS)


def report_page(
    request: Request,
    *,
    session: Session,
    user: Actor,
    incident_id: int,
    report_id: int,
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    owned(session, user, Report, report_id, incident_id)
    incident, _plan = get_visible(session, user, incident_id)
    report = session.get(Report, report_id)
    assert report is not None  # owned() found it
    # The stored versions under /reports are this text too (reports/incident_text.py).
    versions = versions_of(session, report) if user.role in REPORT_READERS else []
    return render(
        request,
        "incidents/report.html",
        {
            "incident": incident,
            "report": report,
            "fields": [(name, FIELD_LABELS[name], name in LONG_FIELDS) for name in REPORT_FIELDS],
            "refusal": refusal,
            "versions": versions,
            "zone": zone_of(request),
        },
        status_code=status_code,
    )


@router.get("/{incident_id}/reports/{report_id}", response_class=HTMLResponse)
def read_incident_report_page(
    incident_id: int, report_id: int, request: Request, user: CurrentUser, session: SessionDep
) -> HTMLResponse:
    """One report: a draft's fields to edit (prefilled), a submitted one to read."""
    return report_page(
        request, session=session, user=user, incident_id=incident_id, report_id=report_id
    )


@router.post("/{incident_id}/reports")
def create_incident_report_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Form()],
    version: Version = None,
) -> Response:
    """A new prefilled report (a progress report, a flash report…): to its page."""
    created: list[int] = []

    def change() -> None:
        report = service.create_report(session=session, clock=clock, actor=user,
                                       incident_id=incident_id, kind=kind,
                                       expected_version=version)  # fmt: skip
        created.append(report.id)

    answer = act(request, session=session, user=user, clock=clock, incident_id=incident_id,
                 change=change)  # fmt: skip
    if created:
        return RedirectResponse(f"/incidents/{incident_id}/reports/{created[0]}", 303)
    return answer


@router.post("/{incident_id}/reports/{report_id}")
async def update_incident_report_form(
    incident_id: int,
    report_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Save a draft's fields, then (the `then` button) submit it up the chain."""
    form = await request.form()
    fields = {name: str(form.get(name, "")) for name in REPORT_FIELDS if name in form}
    raw_version = str(form.get("version", ""))
    then = str(form.get("then", "save"))
    owned(session, user, Report, report_id, incident_id)
    try:
        if raw_version and not raw_version.isdigit():
            raise InvalidInput(_("not a number"), where="version")
        version = int(raw_version) if raw_version else None
        service.update_report(session=session, clock=clock, actor=user, report_id=report_id,
                              fields=fields, expected_version=version)  # fmt: skip
        if then == "submit":
            session.flush()
            service.submit_report(session=session, clock=clock, actor=user,
                                  report_id=report_id)  # fmt: skip
        session.flush()
    except REFUSALS as exc:
        session.rollback()
        return report_page(request, session=session, user=user, incident_id=incident_id,
                           report_id=report_id, refusal=exc.message,
                           status_code=exc.http_status)  # fmt: skip
    if then == "submit":
        return RedirectResponse(f"/incidents/{incident_id}#reports-heading", status_code=303)
    return RedirectResponse(f"/incidents/{incident_id}/reports/{report_id}", status_code=303)


@router.post("/{incident_id}/reports/{report_id}/revision")
def revise_report_form(
    incident_id: int,
    report_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    version: Version = None,
) -> Response:
    """A new draft revision of a submitted report (the submitted one stays as it was)."""
    owned(session, user, Report, report_id, incident_id)
    try:
        revision = service.revise_report(session=session, clock=clock, actor=user,
                                         report_id=report_id, expected_version=version)  # fmt: skip
        session.flush()
    except REFUSALS as exc:
        session.rollback()
        return report_page(request, session=session, user=user, incident_id=incident_id,
                           report_id=report_id, refusal=exc.message,
                           status_code=exc.http_status)  # fmt: skip
    return RedirectResponse(f"/incidents/{incident_id}/reports/{revision.id}", status_code=303)


@router.post("/{incident_id}/fact-sheet")
def update_fact_sheet_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    facts: Annotated[str, Form()],
    figures: Annotated[str, Form()] = "",
    wording: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """The one set of facts, figures ("name: value" a line) and wording."""

    def change() -> None:
        table = {}
        for number, line in enumerate(lines(figures), start=1):
            name, colon, value = line.replace("：", ":").partition(":")
            if not colon or not name.strip():
                raise InvalidInput(
                    _("line {n}: write a figure as 'name: value'").format(n=number),
                    where="figures",
                )
            table[name.strip()] = value.strip()
        service.update_fact_sheet(session=session, clock=clock, actor=user,
                                  incident_id=incident_id, facts=facts, figures=table,
                                  wording=wording, expected_version=version)  # fmt: skip

    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=change, then="#facts-heading")  # fmt: skip


@router.post("/{incident_id}/statements")
def draft_statement_form(
    incident_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    text: Annotated[str, Form()],
    revises: Annotated[int | None, Form()] = None,
    version: Version = None,
) -> Response:
    """A statement (or a new revision of one) into review by the level's chain."""
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.draft_statement(
                   session=session, clock=clock, actor=user, incident_id=incident_id,
                   text=text, revises=revises, expected_version=version),
               then="#statements-heading")  # fmt: skip


@router.post("/{incident_id}/statements/{statement_id}/review")
def review_statement_form(
    incident_id: int,
    statement_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Approve, reject or comment from the page (a phone will do)."""
    owned(session, user, Statement, statement_id, incident_id)
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.review_statement(
                   session=session, clock=clock, actor=user, statement_id=statement_id,
                   decision=decision, comment=comment),
               then="#statements-heading")  # fmt: skip


@router.post("/{incident_id}/statements/{statement_id}/publish")
def publish_statement_form(
    incident_id: int,
    statement_id: int,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    channel: Annotated[str, Form()] = "",
    link: Annotated[str, Form()] = "",
    published_text: Annotated[str, Form()] = "",
    published_at: Annotated[str, Form()] = "",
    version: Version = None,
) -> Response:
    """Record a statement as published; one without its approvals is refused with the
    service's reason (how many approvals it has, whose step is next)."""
    owned(session, user, Statement, statement_id, incident_id)
    return act(request, session=session, user=user, clock=clock, incident_id=incident_id,
               change=lambda: service.publish_statement(
                   session=session, clock=clock, actor=user, statement_id=statement_id,
                   channel=channel, link=link.strip(), text=published_text.strip() or None,
                   published_at=local_time(published_at, zone_of(request), "published_at"),
                   expected_version=version),
               then="#statements-heading")  # fmt: skip
