"""`yuqing user …`, `yuqing token …`, `yuqing audit …`: accounts from the command line.

Whoever runs these acts as `cli:<login name>` in the audit trail. Services and the store
are imported inside the commands, so `yuqing --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from yuqing.cli.ids import IdArg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from yuqing.core.clock import Clock

users = typer.Typer(
    help="Accounts: people who sign in, their roles and departments.", no_args_is_help=True
)
tokens = typer.Typer(help="API tokens of users (shown once, kept hashed).", no_args_is_help=True)
audit = typer.Typer(help="The audit trail (hash-chained).", no_args_is_help=True)


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (a container's numeric user)
        return "cli"


@contextmanager
def _unit() -> Iterator[tuple[Session, Clock]]:
    from yuqing.cli.context import app_context
    from yuqing.db.engine import session_scope

    ctx = app_context()
    with session_scope(ctx.sessions) as session:
        yield session, ctx.clock


def _password_from_stdin() -> str:
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _

    line = sys.stdin.readline()
    if not line:
        raise InvalidInput(_("--password-stdin: nothing on stdin"))
    return line.removesuffix("\n").removesuffix("\r")


@users.command("add")
def add_user(
    name: str = typer.Argument(..., help="Sign-in name: letters, digits, '.', '_', '-'."),
    role: str = typer.Option(
        ..., "--role", help="admin, office, leader, monitor, department, spokesperson or auditor."
    ),
    dept: str | None = typer.Option(None, "--dept", help="Department (created when new)."),
    display_name: str = typer.Option("", "--display-name", help="The name people read."),
    lang: str = typer.Option("zh_CN", "--lang", help="Language of pages and alerts: zh_CN or en."),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="Read the password from stdin; else one is made and printed once.",
    ),
) -> None:
    """Add a user who signs in with a password."""
    from yuqing.auth import service
    from yuqing.auth.secrets import new_secret
    from yuqing.core.i18n import _

    made = None if password_stdin else new_secret()[:20]
    password = _password_from_stdin() if password_stdin else made
    with _unit() as (session, clock):
        user = service.create_user(
            session=session,
            clock=clock,
            actor=_actor(),
            name=name,
            role=role,
            department=dept,
            display_name=display_name,
            language=lang,
            password=password,
        )
        name, role = user.name, user.role
    typer.echo(_("added user {name} ({role})").format(name=name, role=role))
    if made is not None:
        typer.echo(_("password (shown once): {password}").format(password=made))


@users.command("set")
def set_user(
    name: str = typer.Argument(...),
    role: str | None = typer.Option(None, "--role"),
    dept: str | None = typer.Option(None, "--dept", help="Department; '' for none."),
    display_name: str | None = typer.Option(None, "--display-name"),
    lang: str | None = typer.Option(None, "--lang", help="zh_CN or en."),
    enable: bool = typer.Option(False, "--enable", help="Enable a disabled user."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="A new password from stdin."
    ),
) -> None:
    """Change a user's role, department, name, language, password; or enable them again."""
    from yuqing.auth import service
    from yuqing.core.i18n import _

    password = _password_from_stdin() if password_stdin else None
    with _unit() as (session, clock):
        user = service.get_user_or_raise(session=session, name=name)
        changes: dict[str, Any] = {}  # the department only when given ('' clears it)
        if dept is not None:
            changes["department"] = dept or None
        service.update_user(
            session=session,
            clock=clock,
            actor=_actor(),
            user=user,
            role=role,
            display_name=display_name,
            language=lang,
            disabled=False if enable else None,
            password=password,
            **changes,
        )
    typer.echo(_("changed user {name}").format(name=name))


@users.command("list")
def list_users(json_out: bool = typer.Option(False, "--json", help="JSON Lines.")) -> None:
    """Users by name, with role, department, language and whether disabled."""
    from yuqing.auth import service
    from yuqing.core.i18n import _, pgettext

    with _unit() as (session, _clock):
        rows = [service.read_user(u) for u in service.get_all_users(session=session)]
    for row in rows:
        if json_out:
            typer.echo(row.model_dump_json())
            continue
        state = (
            pgettext("user state", "disabled") if row.disabled else pgettext("user state", "active")
        )
        fields = (row.name, row.role, row.department or "-", row.language, state, row.display_name)
        typer.echo("\t".join(fields))
    if not rows and not json_out:
        typer.echo(_("no users"), err=True)


@users.command("disable")
def disable_user(name: str = typer.Argument(...)) -> None:
    """Disable a user: signed out everywhere, their tokens refused; nothing is deleted."""
    from yuqing.auth import service
    from yuqing.core.i18n import _

    with _unit() as (session, clock):
        service.disable_user(session=session, clock=clock, actor=_actor(), name=name)
    typer.echo(_("disabled user {name}").format(name=name))


@tokens.command("create")
def create_token(
    user: str = typer.Option(..., "--user", help="Whose token: it acts with their role."),
    name: str = typer.Option("", "--name", help="A label to tell tokens apart."),
) -> None:
    """Make an API token and print it once on stdout (only its hash is kept)."""
    from yuqing.auth import service
    from yuqing.core.i18n import _

    with _unit() as (session, clock):
        raw, row = service.create_token(
            session=session, clock=clock, actor=_actor(), user_name=user, name=name
        )
        token_id = row.id
    typer.echo(raw)
    typer.echo(
        _("API token {id} for {user}: shown only now, keep it (Authorization: Bearer …)").format(
            id=token_id, user=user
        ),
        err=True,
    )


@tokens.command("list")
def list_tokens(
    user: str | None = typer.Option(None, "--user"),
    json_out: bool = typer.Option(False, "--json", help="JSON Lines."),
) -> None:
    """API tokens (their first characters only), oldest first."""
    from yuqing.auth import service
    from yuqing.core.i18n import _, pgettext

    with _unit() as (session, _clock):
        rows = [
            service.read_token(t) for t in service.get_all_tokens(session=session, user_name=user)
        ]
    for row in rows:
        if json_out:
            typer.echo(row.model_dump_json())
            continue
        state = (
            pgettext("token state", "revoked")
            if row.revoked_at
            else pgettext("token state", "active")
        )
        created = row.created_at.isoformat(timespec="seconds")
        typer.echo(f"{row.id}\t{row.user}\t{row.prefix}…\t{state}\t{created}\t{row.name}")
    if not rows and not json_out:
        typer.echo(_("no API tokens"), err=True)


@tokens.command("revoke")
def revoke_token(token_id: IdArg) -> None:
    """Revoke an API token: refused from now on."""
    from yuqing.auth import service
    from yuqing.core.i18n import _

    with _unit() as (session, clock):
        service.revoke_token(session=session, clock=clock, actor=_actor(), token_id=token_id)
    typer.echo(_("revoked API token {id}").format(id=token_id))


@audit.command("verify")
def verify_audit() -> None:
    """Check the hash chain; names the first entry changed or deleted (exit 1)."""
    from yuqing.auth import service
    from yuqing.core.i18n import _

    with _unit() as (session, _clock):
        found = service.verify(session=session)
    if found.problem:
        typer.echo(f"yuqing: {found.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(
        _("audit trail intact: {n} entries, head {hash}").format(
            n=found.entries, hash=found.head_hash
        )
    )


@audit.command("list")
def list_audit(
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    json_out: bool = typer.Option(False, "--json", help="JSON Lines."),
) -> None:
    """The latest audit entries, newest first."""
    from yuqing.auth import service
    from yuqing.cli.jsonlines import dumps

    with _unit() as (session, _clock):
        rows = [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "before": e.before,
                "after": e.after,
            }
            for e in service.get_audit_entries(session=session, limit=limit)
        ]
    for row in rows:
        if json_out:
            typer.echo(dumps(row))
        else:
            typer.echo(
                f"{row['seq']}\t{row['at']}\t{row['actor']}\t{row['action']}\t{row['target']}"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="user")
    app.add_typer(tokens, name="token")
    app.add_typer(audit, name="audit")
