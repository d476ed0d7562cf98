"""`yuqing risk …`: the risk register (风险点台账) from the command line.

Every command acts as a user of the store (`--as NAME`, or `YUQING_USER`) with that
user's role and department, exactly as the API would. `list` and `show` print a table
for people, or JSON with `--json`; changes print the point as one JSON line. Services are
imported inside the commands so `yuqing --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from yuqing.cli.ids import IdArg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from yuqing.auth.schemas import Actor
    from yuqing.core.clock import Clock

app = typer.Typer(help="The risk register (风险点台账): risk points and their monthly status.",
                  no_args_is_help=True)  # fmt: skip

AS = typer.Option(None, "--as", help="Act as this user (default: $YUQING_USER).")
RESPONSIBLE = typer.Option([], "--dept", help="A responsible department (repeat).")
VERSION = typer.Option(None, "--expect-version", help="Refuse if the point changed since.")
MONTH = typer.Option(None, "--month", help="YYYY-MM (default: this month).")
REPLACED = typer.Option(None, "--dept", help="Responsible departments (replaces them all).")
OUTPUT = typer.Option(None, "--output", "-o", help="File (default: stdout).")
JSON = typer.Option(False, "--json", help="JSON instead of a table.")


def _run(user: str | None, work: Callable[[Session, Clock, Actor], Any]) -> Any:
    """One unit of work as `user`, committed; returns what `work` returned."""
    from yuqing.cli.context import run_as

    return run_as(user, work)


def _echo_point(point: Any) -> None:
    from yuqing.cli.jsonlines import dumps
    from yuqing.risks.schemas import RiskRead

    typer.echo(dumps(RiskRead.model_validate(point).model_dump(mode="json")))


def _day(value: str | None) -> Any:
    from yuqing.risks.service import parse_day

    return None if value is None else parse_day(value, "--deadline")


@app.command("add")
def add_cmd(
    title: str = typer.Option(..., "--title", help="The risk point (存在风险点)."),
    lead: str = typer.Option(..., "--lead", help="The lead department (牵头单位)."),
    dept: list[str] = RESPONSIBLE,
    description: str = typer.Option("", "--description"),
    domain: str | None = typer.Option(None, "--domain", help="A domain label."),
    owner: str | None = typer.Option(None, "--owner", help="The person answering for it."),
    measures: str = typer.Option("", "--measures", help="The measures planned."),
    deadline: str | None = typer.Option(None, "--deadline", help="YYYY-MM-DD."),
    user: str | None = AS,
) -> None:
    """Add a risk point (open)."""
    from yuqing.risks import service

    def work(s: Session, c: Clock, a: Actor) -> None:
        point = service.add_risk(
            session=s, clock=c, actor=a, title=title, lead_department=lead, departments=dept,
            description=description, domain=domain, owner=owner, measures=measures,
            deadline=_day(deadline),
        )  # fmt: skip
        _echo_point(point)

    _run(user, work)


@app.command("list")
def list_cmd(
    month: str | None = MONTH,
    department: str | None = typer.Option(None, "--department", help="Led or shared by it."),
    status: str | None = typer.Option(None, "--status", help="open, mitigated or closed."),
    overdue: bool = typer.Option(False, "--overdue", help="Open past their deadline only."),
    missing: bool = typer.Option(False, "--missing", help="No status for the month only."),
    as_json: bool = JSON,
    user: str | None = AS,
) -> None:
    """The register for a month: each point, its status that month, overdue marked."""
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.i18n import _
    from yuqing.risks import service
    from yuqing.risks.schemas import RiskList, RiskListed

    def work(s: Session, c: Clock, a: Actor) -> None:
        asked, found = service.get_all(session=s, clock=c, actor=a, month=month,
                                       department=department, status=status,
                                       overdue=overdue, missing=missing)  # fmt: skip
        if as_json:
            data = [RiskListed.of(item) for item in found]
            listing = RiskList(month=asked, data=data, count=len(data))
            typer.echo(dumps(listing.model_dump(mode="json")))
            return
        typer.echo(_("Risk register {month}: {count} points").format(month=asked, count=len(found)))
        for item in found:
            point = item.point
            marks = [service.status_label(point.status)]
            if item.overdue:
                marks.append(_("overdue"))
            if item.month_missing:
                marks.append(_("no status this month"))
            deadline = point.deadline.isoformat() if point.deadline else "-"
            typer.echo(f"{point.id}\t{point.title}\t{point.lead_department}\t{deadline}\t"
                       f"{' · '.join(marks)}")  # fmt: skip

    _run(user, work)


@app.command("show")
def show_cmd(risk_id: IdArg, user: str | None = AS) -> None:
    """The point and its monthly status, newest month first (one JSON line)."""
    from yuqing.cli.jsonlines import dumps
    from yuqing.risks import service
    from yuqing.risks.schemas import RiskDetail, RiskMonthRead, RiskRead

    def work(s: Session, c: Clock, a: Actor) -> None:
        point = service.get_or_raise(session=s, actor=a, risk_id=risk_id)
        months = service.months_of(session=s, actor=a, risk_id=risk_id)
        detail = RiskDetail(
            **RiskRead.model_validate(point).model_dump(),
            overdue=service.is_overdue(point, service.today(session=s, clock=c)),
            months=[RiskMonthRead.model_validate(m) for m in months],
        )
        typer.echo(dumps(detail.model_dump(mode="json")))

    _run(user, work)


@app.command("update")
def update_cmd(
    risk_id: IdArg,
    title: str | None = typer.Option(None, "--title"),
    lead: str | None = typer.Option(None, "--lead"),
    dept: list[str] | None = REPLACED,
    description: str | None = typer.Option(None, "--description"),
    domain: str | None = typer.Option(None, "--domain", help='"" clears it.'),
    owner: str | None = typer.Option(None, "--owner", help='"" clears it.'),
    measures: str | None = typer.Option(None, "--measures"),
    deadline: str | None = typer.Option(None, "--deadline", help='YYYY-MM-DD; "" clears it.'),
    status: str | None = typer.Option(None, "--status", help="open or mitigated."),
    expect_version: int | None = VERSION,
    user: str | None = AS,
) -> None:
    """Change the fields given; the others stay."""
    from yuqing.risks import service

    given: dict[str, Any] = {
        "title": title,
        "lead_department": lead,
        "departments": dept or None,
        "description": description,
        "domain": domain,
        "owner": owner,
        "measures": measures,
        "deadline": deadline,
        "status": status,
    }
    changes = {key: value for key, value in given.items() if value is not None}
    if "deadline" in changes:
        changes["deadline"] = _day(changes["deadline"])

    def work(s: Session, c: Clock, a: Actor) -> None:
        point = service.update_risk(session=s, clock=c, actor=a, risk_id=risk_id,
                                    expected_version=expect_version, changes=changes)  # fmt: skip
        _echo_point(point)

    _run(user, work)


@app.command("status")
def status_cmd(
    risk_id: IdArg,
    month: str | None = MONTH,
    situation: str = typer.Option("", "--situation", help="The risk as it stands."),
    measures: str = typer.Option("", "--measures", help="Measures taken this month."),
    effect: str = typer.Option("", "--effect", help="风险防范化解成效."),
    next_steps: str = typer.Option("", "--next", help="下步重点工作."),
    note: str = typer.Option("", "--note", help="备注."),
    user: str | None = AS,
) -> None:
    """Record the point's status for a month; again for the same month replaces it."""
    from yuqing.cli.jsonlines import dumps
    from yuqing.risks import service
    from yuqing.risks.schemas import RiskMonthRead

    def work(s: Session, c: Clock, a: Actor) -> None:
        row = service.record_month(session=s, clock=c, actor=a, risk_id=risk_id, month=month,
                                   situation=situation, measures=measures, effect=effect,
                                   next_steps=next_steps, note=note)  # fmt: skip
        typer.echo(dumps(RiskMonthRead.model_validate(row).model_dump(mode="json")))

    _run(user, work)


@app.command("close")
def close_cmd(
    risk_id: IdArg,
    reason: str = typer.Option("", "--reason", help="Why it is resolved (销号)."),
    reopen: bool = typer.Option(False, "--reopen", help="Open a closed point again."),
    expect_version: int | None = VERSION,
    user: str | None = AS,
) -> None:
    """Close a risk point (销号), or with --reopen open it again."""
    from yuqing.risks import service

    def work(s: Session, c: Clock, a: Actor) -> None:
        if reopen:
            point = service.reopen_risk(session=s, clock=c, actor=a, risk_id=risk_id,
                                        expected_version=expect_version)  # fmt: skip
        else:
            point = service.close_risk(session=s, clock=c, actor=a, risk_id=risk_id,
                                       expected_version=expect_version, reason=reason)  # fmt: skip
        _echo_point(point)

    _run(user, work)


@app.command("export")
def export_cmd(
    month: str | None = MONTH,
    fmt: str = typer.Option("xlsx", "--format", help="xlsx or csv."),
    output: Path | None = OUTPUT,
    department: str | None = typer.Option(None, "--department", help="Led or shared by it."),
    user: str | None = AS,
) -> None:
    """The register of a month as XLSX or CSV (the plan's 台账 columns), written whole."""
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.reports.service import write_atomically
    from yuqing.risks import export, service
    from yuqing.web.departments import department_names

    if fmt not in export.FORMATS:
        raise InvalidInput(
            _("unknown format '{fmt}' (expected one of: {formats})").format(
                fmt=fmt[:20], formats=", ".join(export.FORMATS)
            ),
            where="--format",
        )

    def work(s: Session, c: Clock, a: Actor) -> bytes:
        asked, found = service.get_all(session=s, clock=c, actor=a, month=month,
                                       department=department)  # fmt: skip
        names = department_names(session=s)
        return export.export(found, fmt, month=asked, department_name=names)

    data = _run(user, work)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomically(output, data)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="risk")
