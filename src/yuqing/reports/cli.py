"""`yuqing report generate`: a period report from the store as JSON, HTML, DOCX or PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

app = typer.Typer(help="Reports and briefings (日报, 周报, 月报, 网上舆情).", no_args_is_help=True)


@app.command("generate")
def generate(
    kind: str = typer.Argument(..., help="daily, weekly, monthly or bulletin."),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write."),
    fmt: str = typer.Option("json", "--format", help="json, html, docx or pdf."),
    start: str | None = typer.Option(None, "--from", help="Start (ISO 8601; naive: plan zone)."),
    end: str | None = typer.Option(None, "--to", help="End, exclusive (ISO 8601)."),
    watch: str | None = typer.Option(None, "--watch", help="Only the posts of this watch."),
    incident: str | None = typer.Option(None, "--incident", help="For incident reports."),
    doc_number: str | None = typer.Option(None, "--doc-number", help="文号 under the header."),
    mark: str | None = typer.Option(None, "--mark", help="Confidentiality mark (密级)."),
    organization: str | None = typer.Option(None, "--org", help="Header (default: the plan's)."),
    signature: str | None = typer.Option(None, "--signature", help="Signature block text."),
    issued: str | None = typer.Option(None, "--date", help="Date under the signature."),
) -> None:
    """Generate a report of the period that ended last (or --from/--to) and write it."""
    from dataclasses import replace

    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor.timeparse import parse_time
    from yuqing.reports import service
    from yuqing.reports.periods import check_kind

    check_kind(kind)
    if incident is not None:
        raise InvalidInput(_("--incident is not available for period reports"))
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
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        figures, doc = service.compute(
            session=session, clock=ctx.clock, kind=kind, start=when[0], end=when[1], watch=watch
        )
    doc = replace(
        doc,
        organization=organization or doc.organization,
        doc_number=doc_number,
        mark=mark,
        signature=signature,
        issued=issued_on,
    )
    service.write_atomically(output, service.render(figures, doc, chosen))
    typer.echo(str(output))


@app.command("draft")
def draft(
    kind: str = typer.Argument(..., help="daily, weekly, monthly or bulletin."),
    start: str | None = typer.Option(None, "--from", help="Start (ISO 8601; naive: plan zone)."),
    end: str | None = typer.Option(None, "--to", help="End, exclusive (ISO 8601)."),
    watch: str | None = typer.Option(None, "--watch", help="Only the posts of this watch."),
) -> None:
    """Ask the organization's own model (YUQING_LLM_URL) for a summary paragraph of the
    report, checked against the store; prints it as JSON for a person to edit."""
    import json

    from yuqing.analysis.llm.client import EndpointError
    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput, YuQingError
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor.timeparse import parse_time
    from yuqing.reports import service
    from yuqing.reports.draft import draft_summary

    ctx = app_context()
    if ctx.settings.llm is None:
        raise InvalidInput(_("no drafting endpoint: set YUQING_LLM_URL and YUQING_LLM_MODEL"))
    when = [
        parse_time(v, field=name) if v else None for v, name in ((start, "--from"), (end, "--to"))
    ]
    with session_scope(ctx.sessions) as session:
        figures, _doc = service.compute(
            session=session, clock=ctx.clock, kind=kind, start=when[0], end=when[1], watch=watch
        )
        try:
            proposal = draft_summary(session, figures, ctx.settings.llm)
        except EndpointError as exc:
            raise YuQingError(_("the drafting endpoint failed: {why}").format(why=exc)) from None
    typer.echo(json.dumps(proposal.as_json(), ensure_ascii=False, indent=1))
