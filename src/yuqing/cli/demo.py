"""`yuqing demo`: the service on a demo home, with the scenario replayed on a fast clock."""

from __future__ import annotations

import typer

DEFAULT_SPEED = 360.0  # one scenario hour in ten seconds: the story's first day in 4 minutes
WORKER_PAUSE = 0.25  # real seconds the worker waits between rounds at the least


def demo(
    port: int = typer.Option(8000, "--port", help="Port to serve on (0: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host"),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser."),
    speed: float = typer.Option(
        DEFAULT_SPEED, "--speed", help="Scenario seconds per real second while replaying."
    ),
) -> None:
    """Serve a demo home and replay the demo scenario into it live, until Ctrl-C."""
    import os
    import signal
    import threading
    import webbrowser
    from dataclasses import replace
    from datetime import datetime, timedelta
    from pathlib import Path
    from types import FrameType

    import httpx

    from yuqing.cli.context import AppContext, app_context
    from yuqing.core.clock import AcceleratedClock
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.demo.replay import Replay, load_scenario, remaining
    from yuqing.demo.run import AlertReporter, Progress, demo_home, prepare
    from yuqing.monitor.schemas import IngestSummary
    from yuqing.web.app import create_app
    from yuqing.web.server import ServerThread, api_tokens_from_env, start_worker
    from yuqing.worker.live import build_pipeline

    if not speed > 0 or speed > 100_000:
        raise InvalidInput(
            _("--speed must be above 0 and at most 100000, not {speed}").format(speed=speed)
        )
    ctx = app_context()
    if "YUQING_HOME" not in os.environ:
        home = demo_home(Path(ctx.settings.home) / "demos")
        ctx = AppContext(
            settings=replace(ctx.settings, home=home, db_url=f"sqlite:///{home / 'yuqing.db'}"),
            clock=ctx.clock,
        )
    engine, settings = ctx.engine, ctx.settings
    typer.echo(_("YuQing demo — store {url}").format(url=settings.db_url))
    scenario = load_scenario()
    before = Progress.read(settings.home)
    # Scenario time runs ahead of real time: a demo home that was replayed before goes on
    # from where its clock stopped, so that its time never goes back.
    start = ctx.clock.now()
    if before.at is not None and before.at >= start:
        start = before.at + timedelta(seconds=1)
    clock = AcceleratedClock(start, speed)
    logins = prepare(engine=engine, clock=clock, echo=typer.echo)
    pipeline = build_pipeline(engine=engine, clock=clock, settings=settings)
    tokens = api_tokens_from_env()
    app = create_app(
        engine=engine, clock=clock, settings=settings, api_tokens=tokens, pipeline=pipeline
    )
    server = ServerThread(app, host=host, port=port)

    stop = threading.Event()

    def ask_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    http = httpx.Client(trust_env=False)
    threads: list[threading.Thread] = []
    replay: Replay | None = None
    failed = False
    try:
        threads.append(
            start_worker(
                pipeline=pipeline,
                settings=settings,
                clock=clock,
                http=http,
                stop=stop,
                daemon=False,
                # A quarter of a real second, at whatever pace the clock runs now.
                min_wait=lambda: WORKER_PAUSE * clock.factor,
            )
        )
        if server.start(stop):
            _announce(server.url, logins, len(tokens))
            if not no_browser:
                webbrowser.open(server.url)
            todo = remaining(scenario, before.fed)
            if todo:
                typer.echo(
                    _(
                        "replaying {n} posts of the demo scenario, {speed:g} times faster "
                        "than real time"
                    ).format(n=len(todo), speed=speed)
                )
            else:
                typer.echo(_("this home holds the whole demo scenario already: serving it"))
            report = AlertReporter(engine=engine, timezone=settings.timezone, echo=typer.echo)
            running = replay = Replay(pipeline=pipeline, posts=todo, stop=stop)

            def on_batch(now: datetime, batch: IngestSummary) -> None:
                # Saved after each batch: a demo stopped at any point resumes from here.
                Progress(before.fed + running.fed, now).write(settings.home)
                report(now, batch)

            running.on_batch = on_batch

            def replay_then_idle() -> None:
                summary = running.run()
                clock.set_factor(1.0)  # the story is told: time goes on at its real pace
                if not stop.is_set() and todo:
                    typer.echo(
                        _("scenario replayed ({stored} posts stored); serving until Ctrl-C").format(
                            stored=summary.stored
                        )
                    )

            threads.append(threading.Thread(target=replay_then_idle, name="yuqing-demo-replay"))
            threads[-1].start()
            while not stop.wait(0.5):
                if not server.thread.is_alive():
                    failed = True  # the server died: uvicorn said why on stderr
                    break
        elif not stop.is_set():
            failed = True  # it did not start: uvicorn said why on stderr
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        server.stop()
        pipeline.checkpoint(force=True)  # the next demo in this home resumes these events
        if replay is not None:
            Progress(before.fed + replay.fed, clock.now()).write(settings.home)
        http.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        raise typer.Exit(1)
    typer.echo(_("demo stopped"))


def _announce(url: str, logins: list[str] | None, tokens: int) -> None:
    from yuqing.core.i18n import _
    from yuqing.demo.accounts import DEMO_PASSWORD

    typer.echo(
        _("YuQing demo serving on {url} (API tokens configured: {tokens})").format(
            url=url, tokens=tokens
        )
    )
    if logins is None:
        typer.echo(
            _("sign-in accounts come with the web UI; for now: {url}/api/v1/docs").format(url=url)
        )
    else:
        typer.echo(
            _("sign in as {names}, password {password}").format(
                names=", ".join(logins), password=DEMO_PASSWORD
            )
        )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
