"""`yuqing events list/show/merge/split`: online events and their measured facts."""

from __future__ import annotations

from typing import Any

import typer

app = typer.Typer(help="Events (舆情事件): posts grouped as one happening.", no_args_is_help=True)


@app.command("list")
def list_events(
    since: str | None = typer.Option(None, "--since", help="Active since (ISO 8601)."),
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    json_out: bool = typer.Option(False, "--json", help="JSON Lines."),
) -> None:
    """Events, hottest first."""
    from yuqing.analysis import service
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.monitor.timeparse import parse_time
    from yuqing.reports.labels import tier_name

    ctx = app_context()
    when = parse_time(since, field="--since") if since else None
    with session_scope(ctx.sessions) as session:
        events = service.get_all(session=session, since=when, limit=limit)
        rows: list[dict[str, Any]] = [
            {
                "id": e.id,
                "title": e.title,
                "heat": round(e.heat, 1),
                "posts": e.posts,
                "copies": e.copies,
                "sites": e.sites,
                "top_tier": e.top_tier,
                "negative_share": round(e.negative / e.posts, 3) if e.posts else 0.0,
                "first_at": e.first_at.isoformat(),
                "last_at": e.last_at.isoformat(),
                "keywords": e.keywords,
                "summary": e.summary,
            }
            for e in events
        ]
    for row in rows:
        if json_out:
            typer.echo(dumps(row))
        else:
            typer.echo(
                _(
                    "{id}\theat {heat}\t{posts} posts ({copies} copies)\t{sites} sites"
                    "\ttier {tier}\tneg {negative}\t{title}"
                ).format(
                    id=row["id"],
                    heat=row["heat"],
                    posts=row["posts"],
                    copies=row["copies"],
                    sites=row["sites"],
                    tier=tier_name(row["top_tier"]) if row["top_tier"] else "-",
                    negative=f"{row['negative_share']:.0%}",
                    title=row["title"][:60],
                )
            )
    if not rows and not json_out:
        typer.echo(_("no events"), err=True)


@app.command("show")
def show(
    event_id: str = typer.Argument(...),
    json_out: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """An event's facts: volume, growth, spread path, tone, reach, outlets, heat."""
    from yuqing.analysis import service
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.db.engine import session_scope

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        event = service.get_or_raise(session=session, event_id=event_id)
        facts = service.facts(session=session, event=event, now=ctx.clock.now())
    if json_out:
        typer.echo(dumps(facts))
        return
    for key, value in facts.items():
        typer.echo(f"{key}: {dumps(value) if isinstance(value, dict | list) else value}")


@app.command("merge")
def merge(
    keep: str = typer.Argument(..., help="The event that stays."),
    other: str = typer.Argument(..., help="The event merged into it."),
) -> None:
    """Merge two events by hand; later posts of either go to the one kept."""
    from yuqing.analysis import service
    from yuqing.cli.context import app_context
    from yuqing.core.i18n import ngettext
    from yuqing.db.engine import session_scope

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        event = service.merge(session=session, clock=ctx.clock, keep_id=keep, other_id=other)
        posts = event.posts
    typer.echo(
        ngettext(
            "merged {other} into {keep}: {n} post",
            "merged {other} into {keep}: {n} posts",
            posts,
        ).format(other=other, keep=keep, n=posts)
    )


@app.command("split")
def split(
    event_id: str = typer.Argument(..., help="The event the posts leave."),
    post_ids: list[str] = typer.Argument(..., help="Ids of the stored posts to move."),
    by: str | None = typer.Option(None, "--by", help="Who decides (recorded with the split)."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Move posts out of an event into a new one by hand; prints the new event's id."""
    from yuqing.analysis import service
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.db.engine import session_scope

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        decision = service.split(
            session=session, clock=ctx.clock, event_id=event_id, post_ids=post_ids, by=by
        )
        old = service.get_or_raise(session=session, event_id=event_id)
        new = service.get_or_raise(session=session, event_id=decision.new_event_id)
        out: dict[str, Any] = {
            "event_id": new.id,
            "split_from": old.id,
            "title": new.title,
            "moved": list(dict.fromkeys(post_ids)),
            "posts": new.posts,
            "remaining": old.posts,
            "decided_by": decision.decided_by,
            "decided_at": decision.decided_at.isoformat(),
        }
    typer.echo(dumps(out) if json_out else out["event_id"])


@app.command("level")
def level(
    event_id: str = typer.Argument(...),
    by: str | None = typer.Option(None, "--by", help="Who decides (a person id of the plan)."),
    confirm: bool = typer.Option(False, "--confirm", help="Confirm the proposed level."),
    change: str | None = typer.Option(None, "--change", help="Set this level instead."),
    dismiss: bool = typer.Option(False, "--dismiss", help="Dismiss the proposal."),
    reason: str | None = typer.Option(None, "--reason", help="Why (needed to change)."),
) -> None:
    """Show the proposed level with its reasons, or decide on it."""
    from yuqing.alerts import levels
    from yuqing.auth import service as auth_service
    from yuqing.auth.audit import record
    from yuqing.cli.context import app_context
    from yuqing.cli.jsonlines import dumps
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.db.engine import session_scope
    from yuqing.incidents import service as incident_service
    from yuqing.plan import service as plan_service

    actions = [
        name for name, on in (("confirm", confirm), ("change", change), ("dismiss", dismiss)) if on
    ]
    if len(actions) > 1:
        raise InvalidInput(_("give one of --confirm, --change LEVEL or --dismiss"))
    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        if not actions:
            decision = levels.current(session=session, event_id=event_id)
        else:
            plan = plan_service.get_active_plan(session=session)
            if by is None:
                raise InvalidInput(_("--by PERSON is needed to decide on a level"))
            if plan is None:
                raise InvalidInput(_("no plan is loaded (yuqing plan load FILE)"))
            before = levels.current(session=session, event_id=event_id)
            was = {"status": before.status, "proposed_level": before.proposed_level}
            decision = levels.decide(
                session=session, clock=ctx.clock, plan=plan, event_id=event_id, by=by,
                action=actions[0], level=change, reason=reason,
            )  # fmt: skip
            # The same entry the event page writes (analysis/views.py decide_level).
            record(
                session=session, clock=ctx.clock, actor=by, action=f"level.{decision.status}",
                target=f"event:{event_id}", before=was,
                after={"status": decision.status, "level": decision.level,
                       "reason": decision.reason},
            )  # fmt: skip
            if decision.level is not None:  # open incidents of the event follow a rise
                account = auth_service.get_user(session=session, name=by)
                actor = None
                if account is not None and not account.disabled:
                    actor = auth_service.actor_of(account)
                incident_service.follow_event_level(
                    session=session, clock=ctx.clock, by=by, actor=actor, event_id=event_id,
                    level=decision.level,
                )  # fmt: skip
        typer.echo(
            dumps(
                {
                    "event_id": decision.event_id,
                    "proposed_level": decision.proposed_level,
                    "reasons": decision.reasons,
                    "status": decision.status,
                    "level": decision.level,
                    "decided_by": decision.decided_by,
                    "reason": decision.reason,
                }
            )
        )
