"""`yuqing worker`: the background loop of a deployment (polling, alerts, reminders)."""

from __future__ import annotations

import typer


def worker() -> None:
    """Poll sources, deliver, remind and escalate alerts, send scheduled reports, until stopped."""
    import httpx

    from yuqing.alerts.sending import load_channel_settings, make_sender
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.i18n import _
    from yuqing.monitor.fetching import SafeClient
    from yuqing.worker.live import build_pipeline
    from yuqing.worker.reporting import report_hook
    from yuqing.worker.scheduler import run_scheduler

    ctx = app_context()
    pipeline = build_pipeline(engine=ctx.engine, clock=ctx.clock, settings=ctx.settings)
    channels = load_channel_settings(ctx.settings.home)
    with httpx.Client(trust_env=False) as client:
        http = SafeClient.from_settings(client, settings=ctx.settings, clock=ctx.clock)
        send = make_sender(settings=channels, clock=ctx.clock, http=client)
        reports = report_hook(
            sessions=pipeline.sessions, clock=ctx.clock, settings=channels, http=client
        )
        typer.echo(_("worker started: polling sources and delivering alerts (Ctrl-C stops)"))
        try:
            run_scheduler(
                pipeline=pipeline,
                http=http,
                send=send,
                on_result=lambda r: typer.echo(dumps(r.to_json())),
                reports=reports,
            )
        finally:
            pipeline.checkpoint(force=True)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
