"""`yuqing drill start|score|list|remove`: rehearsals in sandbox homes (docs/drills.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from yuqing.demo import DEFAULT_SPEED

app = typer.Typer(
    help="Drills (演练): a scenario replayed into a sandbox copy of the office, scored.",
    no_args_is_help=True,
)


@app.command("start")
def start(
    name: str = typer.Argument(..., help="The drill's name (letters, digits, _ . -)."),
    scenario: Path | None = typer.Option(
        None, "--scenario", help="Scenario file (JSON Lines); default: the bundled one."
    ),
    plan: Path | None = typer.Option(
        None, "--plan", help="Plan file to rehearse; default: the live plan in force."
    ),
    speed: float = typer.Option(
        DEFAULT_SPEED, "--speed", help="Scenario seconds per real second while replaying."
    ),
    port: int = typer.Option(
        8000, "--port", help="Port to serve on (0: any free port).", min=0, max=65535
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
    restart: bool = typer.Option(
        False, "--restart", help="Remove a drill of that name first and start over."
    ),
    notify: bool = typer.Option(
        False, "--notify", help="Send alerts over the office's channels (default: record only)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Serve the drill's sandbox again, its replay going on."
    ),
    setup_only: bool = typer.Option(
        False, "--setup-only", help="Make the sandbox and stop (`--resume` serves it)."
    ),
) -> None:
    """Make a drill's sandbox from the live store, serve it and replay the scenario."""
    from yuqing.cli.context import app_context
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.drills.run import resume_drill, serve_drill, start_drill

    if not speed > 0 or speed > 100_000:
        message = _("--speed must be above 0 and at most 100000, not {speed}")
        raise InvalidInput(message.format(speed=speed))
    ctx = app_context()
    if resume:
        if restart or scenario is not None or plan is not None or notify or setup_only:
            message = _("--resume serves a drill as it was made: it takes only --speed, "
                        "--port, --host and --no-browser")  # fmt: skip
            raise InvalidInput(message)
        settings, engine, story, notify = resume_drill(live=ctx.settings, name=name)
    else:
        settings, engine, story = start_drill(
            live=ctx.settings,
            name=name,
            clock=ctx.clock,
            scenario_file=scenario,
            plan_file=plan,
            restart=restart,
            notify=notify,
            echo=typer.echo,
        )
    if setup_only:
        engine.dispose()
        return
    served = serve_drill(
        settings=settings,
        engine=engine,
        scenario=story,
        real=ctx.clock,
        host=host,
        port=port,
        speed=speed,
        open_browser=not no_browser,
        notify=notify,
        echo=typer.echo,
    )
    engine.dispose()
    if not served:
        raise typer.Exit(1)
    typer.echo(_("drill stopped: `yuqing drill score {name}` scores it").format(name=name))


@app.command("score")
def score_cmd(
    name: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="The score as one JSON object."),
) -> None:
    """The drill's score against the plan's deadlines, and the lessons for the plan."""
    import json

    from yuqing.cli.context import app_context
    from yuqing.drills.run import drill_score
    from yuqing.drills.wording import score_lines

    ctx = app_context()
    info, result = drill_score(live=ctx.settings, name=name, real=ctx.clock)
    if as_json:
        typer.echo(json.dumps({"drill": info.to_json(), **result.to_json()}, ensure_ascii=False))
        return
    for line in score_lines(result, name=info.name, timezone=ctx.settings.timezone):
        typer.echo(line)


@app.command("list")
def list_cmd() -> None:
    """The drills of this home: name, when made, scenario, posts."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.drills.sandbox import list_drills

    ctx = app_context()
    found = list_drills(ctx.settings)
    if not found:
        typer.echo(_("no drills yet: `yuqing drill start NAME` makes one"))
    for info in found:
        made = info.created_at.strftime("%Y-%m-%d %H:%M")
        title = f" — {info.title}" if info.title else ""
        typer.echo(f"{info.name}\t{made}\t{info.scenario} ({info.posts}){title}")


@app.command("remove")
def remove(name: str = typer.Argument(...)) -> None:
    """Delete a drill's sandbox home (the live store is not touched)."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.drills.sandbox import remove_drill

    ctx = app_context()
    home = remove_drill(ctx.settings, name)
    typer.echo(_("removed {home}").format(home=home))
