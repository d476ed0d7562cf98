"""`yuqing serve`: the web service (API and pages) with the worker loop beside it."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Serve only; run `yuqing worker` elsewhere."
    ),
) -> None:
    """Serve the API under /api/v1 and the pages; poll and deliver alerts in the background."""
    import threading

    import httpx
    import uvicorn

    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.web.app import create_app
    from yuqing.web.server import api_tokens_from_env, start_worker
    from yuqing.worker.live import build_pipeline

    ctx = app_context()
    tokens = api_tokens_from_env()
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
        start_worker(
            pipeline=pipeline, settings=ctx.settings, clock=ctx.clock, http=client, stop=stop
        )
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
