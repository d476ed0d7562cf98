"""`yuqing report template show|set KIND [FILE]`: the HTML template a report kind's HTML,
PDF and DOCX are made from."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Report templates (Jinja2, sandboxed) an administrator edits.", no_args_is_help=True
)
FILE = typer.Argument(..., help="The template file (UTF-8 HTML with Jinja2).")
KINDS_HELP = "daily, weekly, monthly, bulletin; special, flash, initial, progress, closing."


@app.command("show")
def show(kind: str = typer.Argument(..., help=KINDS_HELP)) -> None:
    """Print the template in force for KIND (the built-in one until one is set)."""
    from yuqing.cli.context import app_context
    from yuqing.db.engine import session_scope
    from yuqing.reports import templates_store
    from yuqing.reports.periods import check_kind

    check_kind(kind)
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        source = templates_store.active_source(session=session, kind=kind)
    typer.echo(source if source is not None else templates_store.builtin_source(kind), nl=False)


@app.command("set")
def set_(
    kind: str = typer.Argument(..., help=KINDS_HELP),
    file: Path = FILE,
    author: str | None = typer.Option(None, help="Who set it (default: the login name)."),
) -> None:
    """Check FILE by a test render and make it KIND's template; on an error nothing changes."""
    import getpass

    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.reports import templates_store

    try:
        source = file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InvalidInput(
            _("cannot read: {error}").format(error=exc.strerror or exc), where=str(file)
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(_("not UTF-8 text"), where=str(file)) from None
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        row = templates_store.set_template(
            session=session,
            clock=ctx.clock,
            kind=kind,
            source=source,
            author=author or getpass.getuser(),
        )
        version = row.version
    line = _("{kind} template version {version} is in force")
    typer.echo(line.format(kind=kind, version=version))
