"""`yuqing assess`: the assessment of a period as a table, JSON or an XLSX workbook."""

from __future__ import annotations

from pathlib import Path

import typer


def assess(
    start: str | None = typer.Option(None, "--from", help="Start (ISO 8601; naive: plan zone)."),
    end: str | None = typer.Option(None, "--to", help="End, exclusive (default: now)."),
    year: int | None = typer.Option(None, "--year", help="A calendar year, e.g. 2026."),
    department: str | None = typer.Option(
        None,
        "--department",
        help="Only the incidents it leads or helps with, the alerts routed to it.",
    ),
    by: str = typer.Option("department", "--by", help="department or person."),
    json_out: bool = typer.Option(False, "--json", help="The whole assessment as JSON."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Also write the XLSX workbook here."),
) -> None:
    """考评: on-time, late and missed reports, contradicted reports (for a person to judge),
    statements without approval and response times, per department or person."""
    from zoneinfo import ZoneInfo

    from yuqing.assessment import export, service
    from yuqing.assessment.schemas import VIEWS
    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor.timeparse import parse_time
    from yuqing.plan.service import get_active_plan
    from yuqing.reports.service import write_atomically

    if by not in VIEWS:
        raise InvalidInput(_("--by: expected department or person, got {value!r}").format(
            value=by[:40]))  # fmt: skip
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        plan = get_active_plan(session=session)
        zone = plan.organization.timezone if plan is not None else ctx.settings.timezone
        when = [
            parse_time(v, field=name, default_tz=zone) if v else None
            for v, name in ((start, "--from"), (end, "--to"))
        ]
        period = service.period_of(
            start=when[0], end=when[1], year=year, zone=zone, now=ctx.clock.now()
        )
        result = service.assess(
            session=session, clock=ctx.clock, period=period, department=department or None
        )
    tz = ZoneInfo(zone)
    if xlsx is not None:
        write_atomically(xlsx, export.xlsx(result, zone=tz))
    if json_out:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(export.text(result, view=by, zone=tz))


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
