"""`yuqing watch import/list/remove`."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="Watches (监测方案): the rules that decide what is kept.", no_args_is_help=True
)


@app.command("import")
def import_watches(
    file: Path = typer.Argument(..., help="A YAML file with a list `watches:`."),
) -> None:
    """Add or replace watches by name; the whole file or nothing."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import ngettext
    from yuqing.db.engine import session_scope
    from yuqing.monitor import service
    from yuqing.monitor.watches import load_watch_file

    watches = load_watch_file(file)  # every error found before anything is written
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        added, replaced = service.upsert_watches(session=session, clock=ctx.clock, watches=watches)
    typer.echo(
        ngettext(
            "imported {n} watch: {added} added, {replaced} replaced",
            "imported {n} watches: {added} added, {replaced} replaced",
            len(watches),
        ).format(n=len(watches), added=added, replaced=replaced)
    )


@app.command("list")
def list_watches(json_out: bool = typer.Option(False, "--json", help="JSON Lines.")) -> None:
    """List stored watches."""
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor import service

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        rows = service.get_all_watch_rows(session=session)
        items = [
            {"name": r.name, "rule": r.rule, "groups": r.groups, "sources": r.sources,
             "department": r.department or None}
            for r in rows
        ]  # fmt: skip
    if json_out:
        for item in items:
            typer.echo(dumps({k: v for k, v in item.items() if v is not None}))
        return
    if not items:
        typer.echo(_("no watches"))
    for item in items:
        rule = (
            item["rule"]
            if item["rule"] is not None
            else _("groups {groups}").format(groups=dumps(item["groups"]))
        )
        scope = (
            "\t" + _("sources {names}").format(names=",".join(item["sources"]))
            if item["sources"]
            else ""
        )
        if item["department"]:
            scope += "\t" + _("department {name}").format(name=item["department"])
        typer.echo(f"{item['name']}\t{rule}{scope}")


@app.command("remove")
def remove(name: str = typer.Argument(...)) -> None:
    """Remove a watch."""
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor import service

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        service.delete_watch(session=session, name=name)
    typer.echo(_("removed watch {name!r}").format(name=name))
