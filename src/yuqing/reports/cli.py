"""`yuqing report generate`: a period report from the store as JSON, HTML, DOCX or PDF."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from yuqing.cli.ids import MAX_ID
from yuqing.reports.template_cli import app as template_app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(
    help="Reports and briefings (日报, 周报, 月报, 网上舆情, 专报, 快报, incident reports).",
    no_args_is_help=True,
)
app.add_typer(template_app, name="template")


@app.command("generate")
def generate(
    kind: str = typer.Argument(
        ..., help="daily, weekly, monthly, bulletin; special, flash, initial, progress, closing."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
    fmt: str = typer.Option("json", "--format", help="json, html, docx or pdf."),
    start: str | None = typer.Option(None, "--from", help="Start (ISO 8601; naive: plan zone)."),
    end: str | None = typer.Option(None, "--to", help="End, exclusive (ISO 8601)."),
    watch: str | None = typer.Option(None, "--watch", help="Only the posts of this watch."),
    department: str | None = typer.Option(
        None, "--department", help="Only the events routed to this department (its ID)."
    ),
    incident: int | None = typer.Option(
        None, "--incident", help="The incident (ID) reported on.", min=1, max=MAX_ID
    ),
    user: str | None = typer.Option(
        None, "--user", help="Incident reports: read the incident as this user (default: admin)."
    ),
    doc_number: str | None = typer.Option(None, "--doc-number", help="文号 under the header."),
    mark: str | None = typer.Option(None, "--mark", help="Confidentiality mark (密级)."),
    organization: str | None = typer.Option(None, "--org", help="Header (default: the plan's)."),
    signature: str | None = typer.Option(None, "--signature", help="Signature block text."),
    issued: str | None = typer.Option(None, "--date", help="Date under the signature."),
) -> None:
    """Generate a report of the period that ended last (or --from/--to) and write it."""
    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor.timeparse import parse_time
    from yuqing.reports import service, templates_store
    from yuqing.reports.incident_kinds import check_incident_kind
    from yuqing.reports.periods import check_kind

    check_kind(kind)
    check_incident_kind(kind, incident)
    chosen = service.check_format(fmt)
    when = [
        parse_time(v, field=name) if v else None for v, name in ((start, "--from"), (end, "--to"))
    ]
    try:
        issued_on = date.fromisoformat(issued) if issued else None
    except ValueError:
        raise InvalidInput(
            _("--date: expected YYYY-MM-DD, got {value!r}").format(value=issued)
        ) from None
    header = {"doc_number": doc_number, "mark": mark, "signature": signature, "issued": issued_on}
    ctx = app_context()
    if incident is not None:
        if start or end or watch or department:
            raise InvalidInput(_("--from, --to, --watch and --department are for period reports"))
        with session_scope(ctx.sessions) as session:
            data = _incident_report(
                session, ctx.clock.now(), kind, incident, user, chosen, organization, header
            )
        service.write_atomically(output, data)
        typer.echo(str(output))
        return
    with session_scope(ctx.sessions) as session:
        figures, doc = service.compute(
            session=session,
            clock=ctx.clock,
            kind=kind,
            start=when[0],
            end=when[1],
            watch=watch,
            department=department,
        )
        template = templates_store.active_source(session=session, kind=kind)
    doc = replace(doc, organization=organization or doc.organization, **header)  # type: ignore[arg-type]
    service.write_atomically(output, service.render(figures, doc, chosen, template=template))
    typer.echo(str(output))


@app.command("draft")
def draft(
    kind: str = typer.Argument(..., help="daily, weekly, monthly or bulletin."),
    start: str | None = typer.Option(None, "--from", help="Start (ISO 8601; naive: plan zone)."),
    end: str | None = typer.Option(None, "--to", help="End, exclusive (ISO 8601)."),
    watch: str | None = typer.Option(None, "--watch", help="Only the posts of this watch."),
    department: str | None = typer.Option(
        None, "--department", help="Only the events routed to this department (its ID)."
    ),
) -> None:
    """Ask the organization's own model (YUQING_LLM_URL) for a summary paragraph of the
    report, checked against the store; prints it as JSON for a person to edit."""
    import json

    from yuqing.analysis.llm.client import EndpointError
    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput, UpstreamError
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor.timeparse import parse_time
    from yuqing.reports import service
    from yuqing.reports.draft import draft_summary
    from yuqing.reports.incident_kinds import check_incident_kind
    from yuqing.reports.periods import check_kind

    check_kind(kind)
    check_incident_kind(kind, None)  # drafts are of period reports, for now
    ctx = app_context()
    if ctx.settings.llm is None:
        raise InvalidInput(_("no drafting endpoint: set YUQING_LLM_URL and YUQING_LLM_MODEL"))
    when = [
        parse_time(v, field=name) if v else None for v, name in ((start, "--from"), (end, "--to"))
    ]
    with session_scope(ctx.sessions) as session:
        figures, _doc = service.compute(
            session=session,
            clock=ctx.clock,
            kind=kind,
            start=when[0],
            end=when[1],
            watch=watch,
            department=department,
        )
        try:
            proposal = draft_summary(session, figures, ctx.settings.llm)
        except EndpointError as exc:
            raise UpstreamError(_("the drafting endpoint failed: {why}").format(why=exc)) from None
    typer.echo(json.dumps(proposal.as_json(), ensure_ascii=False, indent=1))


def _incident_report(
    session: Session,
    now: datetime,
    kind: str,
    incident: int,
    user: str | None,
    fmt: str,
    organization: str | None,
    header: dict[str, Any],
) -> bytes:
    """One incident's report, read as `user` (or as an administrator: the server's operator)."""
    from yuqing.auth import service as auth_service
    from yuqing.auth.schemas import Actor
    from yuqing.incidents.models import Incident
    from yuqing.incidents.service.access import plan_of
    from yuqing.reports import incident_kinds, incident_render, templates_store
    from yuqing.reports.document import DocumentInfo

    actor = (
        auth_service.actor_of(auth_service.get_user_or_raise(session=session, name=user))
        if user
        else Actor(name="cli", display_name="cli", role="admin")
    )
    figures = incident_kinds.compute(
        session=session, actor=actor, kind=kind, incident_id=incident, now=now
    )
    row = session.get(Incident, incident)
    assert row is not None  # compute found it
    doc = DocumentInfo(organization=organization or plan_of(session, row).organization.name)
    doc = replace(doc, **header)
    template = templates_store.active_source(session=session, kind=kind)
    return incident_render.render(figures, figures.fields, doc, fmt, template)
