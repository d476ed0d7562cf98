"""The `yuqing` command.

Each command group lives in its own module and imports heavy libraries inside its
commands, so `yuqing --help` stays fast. Errors end here: one line on stderr and the
error's exit code; a traceback only with `--debug`.
"""

from __future__ import annotations

import os
import sys

# Plain help and usage errors unless a user asks for rich's (TYPER_USE_RICH=1): typer reads
# this when it is imported, and loading rich for them doubles the time of `yuqing --help`
# (about 250 ms against 150 ms here), which scripts call thousands of times.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # after the setting above

from yuqing.assessment import cli as assessment_cli
from yuqing.auth import cli as auth_cli
from yuqing.cli import (
    alerts,
    classify,
    cluster,
    demo,
    events,
    fetch,
    ingest,
    model_cmds,
    monitor_cmds,
    plan,
    serve,
    sources,
    store,
    streams,
    watches,
    worker,
)
from yuqing.core.errors import YuQingError
from yuqing.drills import cli as drills_cli
from yuqing.incidents import cli as incidents_cli
from yuqing.reports import cli as reports_cli
from yuqing.risks import cli as risks_cli

app = typer.Typer(
    name="yuqing",
    help="YuQing 舆情: public-opinion monitoring and emergency-plan handling.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


@app.callback()
def _main(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
) -> None:
    _state["debug"] = debug


for module in (
    store,
    ingest,
    streams,
    classify,
    cluster,
    fetch,
    monitor_cmds,
    plan,
    demo,
    worker,
    serve,
):
    module.register(app)
app.add_typer(sources.app, name="source")
app.add_typer(watches.app, name="watch")
app.add_typer(events.app, name="events")
app.add_typer(alerts.app, name="alerts")
app.add_typer(reports_cli.app, name="report")
auth_cli.register(app)
app.add_typer(model_cmds.app, name="model")
incidents_cli.register(app)
assessment_cli.register(app)
risks_cli.register(app)
app.add_typer(drills_cli.app, name="drill")


def run() -> None:
    """Console entry point: usage errors are typer's; ours end as one line on stderr."""
    try:
        app()
    except YuQingError as exc:
        if _state["debug"]:
            raise
        print(f"yuqing: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(141)  # `yuqing search … | head`: the reader left, not an error of ours
    except Exception as exc:
        if _state["debug"]:
            raise
        from yuqing.core.i18n import _

        error = _("internal error: {kind}: {error}").format(
            kind=type(exc).__name__, error=_one_line(exc)
        )
        print(f"yuqing: {error}", file=sys.stderr)
        sys.exit(70)


def _one_line(exc: Exception) -> str:
    """The error in one line; a database error without its SQL and parameters."""
    # SQLAlchemy's statement errors print the statement and every parameter (whole posts
    # of a batch): the driver's own error (`.orig`) says what went wrong.
    orig = getattr(exc, "orig", None) if hasattr(exc, "statement") else None
    return " ".join(str(orig if orig is not None else exc).split())[:500]
