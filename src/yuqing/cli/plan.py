"""`yuqing plan check/load/show/diff/versions`: the plan (预案) and its versions."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from yuqing.cli.ids import MAX_ID

plan_app = typer.Typer(help="The plan (预案): check, load, show, diff.", no_args_is_help=True)


@plan_app.command("check")
def check(file: Path = typer.Argument(..., help="A plan YAML file.")) -> None:
    """Validate a plan: a one-line summary, or one `FILE:LINE: message` line per problem."""
    from yuqing.core.i18n import _
    from yuqing.plan.loading import PlanInvalid, load_plan

    try:
        plan = load_plan(file)
    except PlanInvalid as exc:
        # Problems go to stdout, like a linter's, so they can be piped and grepped.
        for problem in exc.problems:
            typer.echo(str(problem))
        raise typer.Exit(exc.exit_code) from None
    typer.echo(_("{file}: ok — {summary}").format(file=file, summary=plan.summary()))


@plan_app.command("load")
def load(
    file: Path = typer.Argument(..., help="A plan YAML file."),
    author: str = typer.Option("", "--author", help="Who loads it (default: $USER)."),
) -> None:
    """Validate a plan and make it the active version; a bad plan changes nothing."""
    import getpass

    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.plan import service
    from yuqing.plan.loading import PlanInvalid

    ctx = app_context()
    try:
        with session_scope(ctx.sessions) as session:
            before = service.get_active(session=session)
            version = service.load(
                session=session, clock=ctx.clock, path=file, author=author or getpass.getuser()
            )
            line = (
                _("plan v{version} is already active ({organization}); unchanged")
                if before is not None and before.id == version.id
                else _(
                    "loaded plan v{version}: {organization} (sha256 {sha256}, by {author}); "
                    "it is now active"
                )
            ).format(
                version=version.version,
                organization=version.organization,
                sha256=version.sha256[:12],
                author=version.author,
            )
    except PlanInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(_("plan refused; the active plan stays in force"), file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    typer.echo(line)


@plan_app.command("show")
def show(
    version: int | None = typer.Option(
        None, "--version", help="A version (default: active).", min=1, max=MAX_ID
    ),
    json_out: bool = typer.Option(False, "--json", help="The validated plan as JSON."),
) -> None:
    """Print a stored plan: its YAML text as loaded, or the validated plan as JSON."""
    from yuqing.cli.context import app_context
    from yuqing.core.errors import NotFound
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.plan import service

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        if version is None:
            found = service.get_active(session=session)
            if found is None:
                raise NotFound(_("no plan loaded yet (yuqing plan load FILE)"))
        else:
            found = service.get_or_raise(session=session, version=version)
        text = service.parse(found).model_dump_json(indent=2) if json_out else found.yaml_text
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@plan_app.command("diff")
def diff(
    old: int = typer.Argument(..., help="The older version number.", min=1, max=MAX_ID),
    new: int = typer.Argument(..., help="The newer version number.", min=1, max=MAX_ID),
) -> None:
    """A unified diff between two stored versions."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.plan import service

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        text = service.diff(
            service.get_or_raise(session=session, version=old),
            service.get_or_raise(session=session, version=new),
        )
    sys.stdout.write(text or _("v{old} and v{new} are identical").format(old=old, new=new) + "\n")


@plan_app.command("versions")
def versions() -> None:
    """Stored versions, oldest first, with the review status of the active one."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.plan import service

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        rows = [
            f"{'*' if v.active else ' '} v{v.version}\t{v.loaded_at.isoformat()}\t{v.author}"
            f"\t{v.sha256[:12]}\t{v.organization}"
            for v in service.get_all_versions(session=session)
        ]
        review = service.review_due(session=session, clock=ctx.clock)
    for row in rows:
        typer.echo(row)
    if not rows:
        typer.echo(_("no plan loaded yet"), err=True)
    if review is not None and review.remind:
        state = (
            _("review of plan v{version} overdue since {date}")
            if review.overdue
            else _("review of plan v{version} due {date}")
        )
        typer.echo(state.format(version=review.version, date=review.due.date()), err=True)


def register(app: typer.Typer) -> None:
    """Add the `plan` command group to the main app."""
    app.add_typer(plan_app, name="plan")
