"""`yuqing serve`: the web service (API and pages) with the worker loop beside it."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Serve only; run `yuqing worker` elsewhere."
    ),
) -> None:
    """Serve the API under /api/v1 and the pages; poll and deliver alerts in the background."""
    import os
    import threading

    import httpx
    import uvicorn

    from yuqing.alerts.sending import load_channel_settings, make_sender
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.monitor.fetching import SafeClient
    from yuqing.web.app import create_app
    from yuqing.worker.live import build_pipeline
    from yuqing.worker.scheduler import run_scheduler

    ctx = app_context()
    tokens = [t.strip() for t in os.environ.get("YUQING_API_TOKENS", "").split(",") if t.strip()]
    # One pipeline for the worker loop and the push API (it locks itself); with
    # --no-worker the API builds its own on the first push.
    pipeline = (
        None
        if no_worker
        else build_pipeline(engine=ctx.engine, clock=ctx.clock, settings=ctx.settings)
    )
    app = create_app(
        engine=ctx.engine,
        clock=ctx.clock,
        settings=ctx.settings,
        api_tokens=tokens,
        pipeline=pipeline,
    )
    stop = threading.Event()
    client = httpx.Client(trust_env=False)
    if pipeline is not None:
        send = make_sender(
            settings=load_channel_settings(ctx.settings.home), clock=ctx.clock, http=client
        )
        http = SafeClient.from_settings(client, settings=ctx.settings, clock=ctx.clock)
        worker = threading.Thread(
            target=run_scheduler,
            kwargs={"pipeline": pipeline, "http": http, "send": send, "stop": stop},
            daemon=True,
            name="yuqing-worker",
        )
        worker.start()
    typer.echo(
        _("YuQing serving on {url} (API tokens configured: {tokens})").format(
            url=f"http://{host}:{port}", tokens=len(tokens)
        )
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        stop.set()
        client.close()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
