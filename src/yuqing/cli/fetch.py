"""`yuqing fetch URL [--kind rss|web] [--internal]` (CONTRACTS): try a source, store nothing."""

from __future__ import annotations

import sys

import typer

_KINDS = ("rss", "web")


def fetch(
    url: str = typer.Argument(..., help="The feed or page URL."),
    kind: str | None = typer.Option(
        None, "--kind", help="rss or web; by default a feed is detected, else a web page."
    ),
    internal: bool = typer.Option(
        False, "--internal", help="Allow loopback and private addresses."
    ),
    max_items: int | None = typer.Option(
        None, "--max-items", min=1, help="Most posts to print; by default all the source holds."
    ),
) -> None:
    """Fetch a source once and print its posts as JSON Lines."""
    # Heavy imports stay here so `yuqing --help` stays fast.
    import httpx

    from yuqing.cli.jsonlines import dumps
    from yuqing.core.clock import SystemClock
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.core.settings import load_settings
    from yuqing.monitor.connectors import SourceSpec, detect_and_fetch, get_connector
    from yuqing.monitor.fetching import SafeClient

    if kind is not None and kind not in _KINDS:
        raise InvalidInput(
            _("--kind must be one of {kinds}, not {kind!r}").format(
                kinds=", ".join(_KINDS), kind=kind
            )
        )
    settings = load_settings()
    clock = SystemClock()
    spec = SourceSpec(
        name=url,
        kind="rss" if kind == "rss" else "web",
        url=url,
        internal=internal,
        # Unset, each connector yields all it has (CONTRACTS: "the posts the connector
        # yields"); the web connector keeps its own default, as each item is a request.
        options={} if max_items is None else {"max_items": max_items},
    )
    # trust_env off: an environment proxy would see every URL tried, and checks here
    # are about the address actually reached.
    with httpx.Client(trust_env=False) as client:
        http = SafeClient.from_settings(client, settings=settings, clock=clock)
        if kind is None:
            _kind, fetched = detect_and_fetch(spec, cursor=None, http=http, now=clock.now())
        else:
            connector = get_connector(kind)
            fetched = connector.fetch(spec, cursor=None, http=http, now=clock.now())
    for warning in fetched.warnings:
        print(_("warning: {warning}").format(warning=warning), file=sys.stderr)
    for item in fetched.items:
        typer.echo(dumps(item))
    if fetched.left_out:
        # TRANSLATORS: {n} posts were printed; {more} others of the source were not.
        note = _("stopped after {n} posts because of --max-items; {more} more not printed")
        print(note.format(n=len(fetched.items), more=fetched.left_out), file=sys.stderr)


def register(app: typer.Typer) -> None:
    """Add the `fetch` command to the `yuqing` app."""
    app.command("fetch")(fetch)
