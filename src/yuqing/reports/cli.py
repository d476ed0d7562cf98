"""`yuqing report generate`: a period report from the store as JSON, HTML, DOCX or PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from yuqing.reports.template_cli import app as template_app

app = typer.Typer(help="Reports and briefings (日报, 周报, 月报, 网上舆情).", no_args_is_help=True)
app.add_typer(template_app, name="template")


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
    from yuqing.reports import service, templates_store
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
        template = templates_store.active_source(session=session, kind=kind)
    doc = replace(
        doc,
        organization=organization or doc.organization,
        doc_number=doc_number,
        mark=mark,
        signature=signature,
        issued=issued_on,
    )
    service.write_atomically(output, service.render(figures, doc, chosen, template=template))
    typer.echo(str(output))
