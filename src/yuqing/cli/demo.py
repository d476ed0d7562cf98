"""`yuqing demo`: the bundled scenario through the live pipeline on a fresh store."""

from __future__ import annotations

import typer


def demo(
    port: int = typer.Option(8000, "--port", help="Port of the web UI (when it exists)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
) -> None:
    """Create a fresh demo home, load the demo watches and replay the demo scenario."""
    import os
    from dataclasses import replace
    from pathlib import Path

    from yuqing.cli.context import AppContext, app_context
    from yuqing.core.i18n import _
    from yuqing.demo.run import demo_home, run_demo

    ctx = app_context()
    if "YUQING_HOME" not in os.environ:
        home = demo_home(Path(ctx.settings.home) / "demos")
        ctx = AppContext(
            settings=replace(ctx.settings, home=home, db_url=f"sqlite:///{home / 'yuqing.db'}"),
            clock=ctx.clock,
        )
    typer.echo(_("YuQing demo — store {url}").format(url=ctx.settings.db_url))
    run_demo(engine=ctx.engine, clock=ctx.clock, settings=ctx.settings, echo=typer.echo)
    home = ctx.settings.home
    try_ = _("Try:")
    pages = _("(API and acknowledgement pages)")
    typer.echo(
        f"\n{try_}\n  YUQING_HOME={home} yuqing search 食堂\n"
        f"  YUQING_HOME={home} yuqing events list\n"
        f"  YUQING_HOME={home} yuqing alerts list\n"
        f"  YUQING_HOME={home} yuqing serve --port {port}   {pages}"
    )
    del no_browser  # part of the CONTRACTS signature; the web UI comes with its issue


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
