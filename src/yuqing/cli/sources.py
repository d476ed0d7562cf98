"""`yuqing source add/list/remove` (CONTRACTS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

app = typer.Typer(help="Configured sources and their health.", no_args_is_help=True)

ModelT = TypeVar("ModelT", bound="BaseModel")


def _validated(model: type[ModelT], **values: object) -> ModelT:
    """The model built from command-line values; the first problem as one clear line."""
    from pydantic import ValidationError

    from yuqing.core.errors import InvalidInput

    try:
        return model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(f"{field}: {err['msg']}") from None


OPTION_HELP = (
    "A connector option KEY=VALUE (repeat): max_items=20, items_path=data.list, "
    'fields=\'{"text": "content"}\'; VALUE is read as JSON when it is JSON, else as text.'
)


def _options(pairs: list[str]) -> dict[str, object]:
    """`KEY=VALUE` pairs as an options mapping; an empty VALUE stands for None (removed)."""
    import json

    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _

    options: dict[str, object] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidInput(_("--option must be KEY=VALUE, not {pair!r}").format(pair=pair))
        value: object
        try:
            value = json.loads(raw) if raw.strip() else None
        except ValueError:
            value = raw  # plain text: a selector, a dotted path, a zone
        options[key] = value
    return options


@app.command("add")
def add(
    name: str = typer.Argument(..., help="A unique name for the source."),
    kind: str = typer.Option(..., "--kind", help="rss, web, jsonapi or file."),
    url: str = typer.Option(..., "--url", help="The feed, page or API URL (or file path)."),
    platform: str | None = typer.Option(None, "--platform", help="news, forum, microblog…"),
    tier: str | None = typer.Option(None, "--tier", help="central … self."),
    interval: int = typer.Option(900, "--interval", help="Seconds between polls."),
    internal: bool = typer.Option(False, "--internal", help="Allow loopback/private addresses."),
    keep_all: bool = typer.Option(False, "--keep-all", help="Keep every post, matched or not."),
    option: list[str] = typer.Option([], "--option", help=OPTION_HELP),
) -> None:
    """Add a source."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor import service
    from yuqing.monitor.schemas import SourceCreate

    source_in = _validated(
        SourceCreate,
        name=name,
        kind=kind,
        url=url,
        platform=platform,
        media_tier=tier,
        interval_s=interval,
        internal=internal,
        keep_all=keep_all,
        options={k: v for k, v in _options(option).items() if v is not None},
    )
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        service.create_source(session=session, clock=ctx.clock, source_in=source_in)
    typer.echo(
        _("added source {name!r} ({kind}, every {interval} s)").format(
            name=name, kind=kind, interval=interval
        )
    )


@app.command("update")
def update(
    name: str = typer.Argument(...),
    url: str | None = typer.Option(None, "--url"),
    platform: str | None = typer.Option(None, "--platform"),
    tier: str | None = typer.Option(None, "--tier"),
    interval: int | None = typer.Option(None, "--interval", help="Seconds between polls."),
    internal: bool | None = typer.Option(None, "--internal/--public"),
    keep_all: bool | None = typer.Option(None, "--keep-all/--matched-only"),
    enabled: bool | None = typer.Option(None, "--enable/--disable"),
    option: list[str] = typer.Option(
        [], "--option", help=OPTION_HELP + " KEY= removes the option."
    ),
) -> None:
    """Change a source; what is not given stays as it is."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor import service
    from yuqing.monitor.schemas import SourceUpdate

    source_in = _validated(
        SourceUpdate,
        url=url,
        platform=platform,
        media_tier=tier,
        interval_s=interval,
        internal=internal,
        keep_all=keep_all,
        enabled=enabled,
    )
    given = _options(option)
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        if given:
            current = service.get_source_or_raise(session=session, name=name).options or {}
            merged = {**current, **given}
            source_in.options = {k: v for k, v in merged.items() if v is not None}
        service.update_source(session=session, clock=ctx.clock, name=name, source_in=source_in)
    typer.echo(_("updated source {name!r}").format(name=name))


@app.command("list")
def list_sources(json_out: bool = typer.Option(False, "--json", help="JSON Lines.")) -> None:
    """List sources with their health."""
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.i18n import _, pgettext
    from yuqing.db.engine import session_scope
    from yuqing.monitor import service
    from yuqing.monitor.schemas import SourceRead

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        rows = [SourceRead.model_validate(s) for s in service.get_all_sources(session=session)]
    if json_out:
        for row in rows:
            typer.echo(dumps(row.model_dump(mode="json")))
        return
    if not rows:
        typer.echo(_("no sources"))
        return
    for row in rows:
        health = (
            pgettext("source health", "ok")
            if row.last_error is None
            else _("error: {error}").format(error=row.last_error)
        )
        last = (
            row.last_success_at.isoformat(timespec="seconds") if row.last_success_at else _("never")
        )
        due = row.next_poll_at.isoformat(timespec="seconds") if row.next_poll_at else "-"
        columns = [
            row.name,
            row.kind,
            row.url,
            _("seen {seen} kept {kept}").format(seen=row.items_seen, kept=row.items_kept),
            _("last ok {time}").format(time=last),
            _("next {time}").format(time=due),
            health,
        ]
        typer.echo("\t".join(columns))


@app.command("remove")
def remove(name: str = typer.Argument(...)) -> None:
    """Remove a source (its stored posts stay)."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor import service

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        service.delete_source(session=session, name=name)
    typer.echo(_("removed source {name!r}").format(name=name))
