"""`yuqing demo`: the service on a demo home, with the scenario replayed on a fast clock."""

from __future__ import annotations

import typer

from yuqing.demo import DEFAULT_SPEED


def demo(
    port: int = typer.Option(
        8000, "--port", help="Port to serve on (0: any free port).", min=0, max=65535
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
    speed: float = typer.Option(
        DEFAULT_SPEED, "--speed", help="Scenario seconds per real second while replaying."
    ),
) -> None:
    """Serve a demo home and replay the demo scenario into it live, until Ctrl-C."""
    import os
    from dataclasses import replace
    from pathlib import Path

    from yuqing.cli.context import AppContext, app_context
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.demo.live import run_live_demo
    from yuqing.demo.run import demo_home

    if not speed > 0 or speed > 100_000:
        message = _("--speed must be above 0 and at most 100000, not {speed}")
        raise InvalidInput(message.format(speed=speed))
    ctx = app_context()
    if "YUQING_HOME" not in os.environ:
        home = demo_home(Path(ctx.settings.home) / "demos")
        ctx = AppContext(
            settings=replace(ctx.settings, home=home, db_url=f"sqlite:///{home / 'yuqing.db'}"),
            clock=ctx.clock,
        )
    typer.echo(_("YuQing demo — store {url}").format(url=ctx.settings.db_url))
    served = run_live_demo(
        engine=ctx.engine,
        settings=ctx.settings,
        real=ctx.clock,
        host=host,
        port=port,
        speed=speed,
        open_browser=not no_browser,
        echo=typer.echo,
    )
    if not served:
        raise typer.Exit(1)
    typer.echo(_("demo stopped"))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
