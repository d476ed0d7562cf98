"""`yuqing search`, `yuqing poll` and `yuqing tip add`."""

from __future__ import annotations

from datetime import datetime

import typer

tip_app = typer.Typer(
    help="Tips that arrive by phone or in person (群众反映).", no_args_is_help=True
)


def _time_option(value: str | None, name: str) -> datetime | None:
    from yuqing.monitor.timeparse import parse_time

    return None if value is None else parse_time(value, field=name)


def search(
    query: str = typer.Argument(..., help='A rule, as in watches: 学校 食堂, "a b" | c, -d'),
    watch: str | None = typer.Option(None, "--watch", help="Only posts this watch matched."),
    since: str | None = typer.Option(None, "--since", help="From this time (ISO 8601)."),
    until: str | None = typer.Option(None, "--until", help="Before this time (ISO 8601)."),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000),
    json_out: bool = typer.Option(False, "--json", help="JSON Lines of the stored posts."),
) -> None:
    """Stored posts matching QUERY, newest first."""
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor.rules import compile_rule
    from yuqing.monitor.search import search_posts
    from yuqing.monitor.views_text import post_json, post_line

    rule = compile_rule(query)
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        posts = search_posts(
            session=session,
            rule=rule,
            watch=watch,
            since=_time_option(since, "--since"),
            until=_time_option(until, "--until"),
            limit=limit,
        )
        lines = [
            dumps(post_json(p)) if json_out else post_line(p, ctx.settings.timezone) for p in posts
        ]
    for line in lines:
        typer.echo(line)
    if not json_out and not lines:
        typer.echo(_("no posts found"), err=True)


def poll(
    names: list[str] = typer.Argument(None, help="Sources to poll; all when none."),
    once: bool = typer.Option(False, "--once", help="Poll now, regardless of schedule."),
    loop: bool = typer.Option(False, "--loop", help="Keep polling each source on its interval."),
) -> None:
    """Poll due sources through the pipeline; one JSON line per source.

    Exits non-zero when every source it polled failed; 0 when one succeeded or none was due.
    """
    import httpx

    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.errors import SourceUnavailable
    from yuqing.core.i18n import ngettext
    from yuqing.monitor.fetching import SafeClient
    from yuqing.monitor.polling import poll_due
    from yuqing.worker.live import build_pipeline
    from yuqing.worker.scheduler import run_scheduler

    ctx = app_context()
    pipeline = build_pipeline(engine=ctx.engine, clock=ctx.clock, settings=ctx.settings)
    with httpx.Client(trust_env=False) as client:
        http = SafeClient.from_settings(client, settings=ctx.settings, clock=ctx.clock)
        if loop:
            run_scheduler(
                pipeline=pipeline,
                http=http,
                on_result=lambda r: typer.echo(dumps(r.to_json())),
            )
            return
        results = poll_due(pipeline=pipeline, http=http, names=names or (), force=once)
    for result in results:
        typer.echo(dumps(result.to_json()))
    failed = [result.source for result in results if result.error is not None]
    if results and len(failed) == len(results):
        # Each line above says why; a script or cron job needs to see it in the status.
        reason = ngettext(
            "the {n} source polled failed", "all {n} sources polled failed", len(failed)
        ).format(n=len(failed))
        raise SourceUnavailable(reason, source=", ".join(failed))


@tip_app.command("add")
def add_tip(
    text: str = typer.Option(..., "--text", help="What was reported."),
    title: str = typer.Option("", "--title"),
    url: str | None = typer.Option(None, "--url", help="A link the reporter gave."),
    channel: str = typer.Option("phone", "--channel", help="phone, visit, letter, email…"),
    received: str | None = typer.Option(None, "--at", help="When it was received (ISO 8601)."),
) -> None:
    """Record a tip; it goes through the pipeline and is always kept."""
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.errors import InvalidInput
    from yuqing.monitor.pipeline import SourceDefaults
    from yuqing.monitor.readers import Record
    from yuqing.worker.live import build_pipeline

    ctx = app_context()
    obj: dict[str, object] = {"text": text, "title": title, "channel": channel, "tip": True}
    if url:
        obj["url"] = url
    if received:
        obj["published_at"] = received
    pipeline = build_pipeline(engine=ctx.engine, clock=ctx.clock, settings=ctx.settings)
    reasons: list[str] = []
    summary = pipeline.run(
        [Record(line=1, obj=obj)],
        defaults=SourceDefaults(source="tip", platform="other", keep_all=True),
        on_reject=lambda _line, reason: reasons.append(reason),
    )
    if reasons:
        raise InvalidInput(reasons[0], where="tip")
    typer.echo(dumps(summary.to_json()))


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("poll")(poll)
    app.add_typer(tip_app, name="tip")
