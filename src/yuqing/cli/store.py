"""`yuqing init`: create or upgrade the store."""

from __future__ import annotations

import typer


def init() -> None:
    """Create or upgrade the store named by YUQING_DB / YUQING_HOME (idempotent)."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.migrate import current_revision

    ctx = app_context()
    engine = ctx.engine  # upgrades on first use
    typer.echo(
        _("store ready at revision {revision}: {url}").format(
            revision=current_revision(engine), url=engine.url.render_as_string()
        )
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
