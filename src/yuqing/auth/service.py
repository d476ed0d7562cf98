"""Accounts: users and departments, signing in and out, API tokens, and the audit trail.

Every change here appends its audit entry in the same transaction (auth/audit.py), and
`record` is how other contexts append theirs. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.auth import lockout, sessions, tokens
from yuqing.auth.audit import Verified, record, verify
from yuqing.auth.audit import get_all as get_audit_entries
from yuqing.auth.models import ApiToken, Department, LoginSession, User
from yuqing.auth.passwords import hash_password, needs_rehash, verify_password
from yuqing.auth.schemas import LANGUAGES, ROLES, Actor, Language, Role, TokenRead, UserRead
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, InvalidInput, LoginRefused, NotFound
from yuqing.core.i18n import _
from yuqing.core.settings import AuthSettings

__all__ = [
    "SignIn",
    "Verified",
    "actor_of",
    "authenticate_token",
    "create_demo_users",
    "create_department",
    "create_token",
    "create_user",
    "disable_user",
    "get_all_departments",
    "get_all_tokens",
    "get_all_users",
    "get_audit_entries",
    "get_user",
    "get_user_or_raise",
    "read_token",
    "read_user",
    "record",
    "resolve_session",
    "revoke_token",
    "sign_in",
    "sign_out",
    "update_user",
    "verify",
]

NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def _check_name(name: str, what: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 100 or not set(clean.lower()) <= NAME_CHARS:
        raise InvalidInput(
            _("{what} {name!r} must be 1 to 100 letters, digits, '.', '_' or '-'").format(
                what=what, name=name
            ),
        )
    return clean


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidInput(
            _("unknown role {role!r}: one of {roles}").format(role=role, roles=", ".join(ROLES))
        )
    return role  # type: ignore[return-value]  # checked against the Literal's values


def _check_language(language: str) -> Language:
    if language not in LANGUAGES:
        raise InvalidInput(
            _("unknown language {language!r}: one of {languages}").format(
                language=language, languages=", ".join(LANGUAGES)
            )
        )
    return language  # type: ignore[return-value]


# --- departments ---------------------------------------------------------------------


def create_department(
    *, session: Session, clock: Clock, actor: str, name: str, display_name: str = ""
) -> Department:
    """A new department; its name is what `--dept` and the plan's routes use."""
    name = _check_name(name, _("department"))
    if session.scalar(select(Department).where(Department.name == name)) is not None:
        raise Conflict(_("department {name!r} exists already").format(name=name))
    department = Department(name=name, display_name=display_name.strip(), created_at=clock.now())
    session.add(department)
    session.flush()
    record(
        session=session,
        clock=clock,
        actor=actor,
        action="department.created",
        target=f"department:{name}",
        after={"name": name, "display_name": department.display_name},
    )
    return department


def _department(session: Session, clock: Clock, actor: str, name: str | None) -> Department | None:
    """The department named (created on first mention, as `user add --dept` promises)."""
    if not name:
        return None
    found = session.scalar(select(Department).where(Department.name == name.strip()))
    return found or create_department(session=session, clock=clock, actor=actor, name=name)


def get_all_departments(*, session: Session) -> Sequence[Department]:
    return session.scalars(select(Department).order_by(Department.name)).all()


# --- users ---------------------------------------------------------------------------


def read_user(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        role=_check_role(user.role),
        department=user.department.name if user.department else None,
        language=_check_language(user.language),
        disabled=user.disabled,
        created_at=user.created_at,
    )


def _snapshot(user: User) -> dict[str, Any]:
    """What the audit trail keeps of a user (never the password hash)."""
    return read_user(user).model_dump(mode="json", exclude={"id", "created_at"})


def get_user(*, session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name.strip()))


def get_user_or_raise(*, session: Session, name: str) -> User:
    user = get_user(session=session, name=name)
    if user is None:
        raise NotFound(_("no user named {name!r}").format(name=name))
    return user


def get_all_users(*, session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.name)).all()


def create_user(
    *,
    session: Session,
    clock: Clock,
    actor: str,
    name: str,
    role: str,
    password: str | None,
    department: str | None = None,
    display_name: str = "",
    language: str = "zh_CN",
    password_hash: str | None = None,
) -> User:
    """A new user; a department user needs a department. No password: cannot sign in yet.
    `password_hash`: a hash made before (a drill's sandbox copies the office's sign-ins)."""
    name = _check_name(name, _("user name"))
    checked_role = _check_role(role)
    checked_language = _check_language(language)
    if checked_role == "department" and not department:
        raise InvalidInput(_("a user with the role 'department' needs --dept"))
    if get_user(session=session, name=name) is not None:
        raise Conflict(_("user {name!r} exists already").format(name=name))
    now = clock.now()
    user = User(
        name=name,
        display_name=display_name.strip()[:200],
        role=checked_role,
        department=_department(session, clock, actor, department),
        language=checked_language,
        disabled=False,
        password_hash=hash_password(password) if password is not None else password_hash,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    record(
        session=session,
        clock=clock,
        actor=actor,
        action="user.created",
        target=f"user:{name}",
        after=_snapshot(user),
    )
    return user


_UNSET: Any = object()


def update_user(
    *,
    session: Session,
    clock: Clock,
    actor: str,
    user: User,
    role: str | None = None,
    department: str | None = _UNSET,
    display_name: str | None = None,
    language: str | None = None,
    disabled: bool | None = None,
    password: str | None = None,
) -> User:
    """Change what is given; a disabled user or a new password ends the user's sessions."""
    before = _snapshot(user)
    if role is not None:
        user.role = _check_role(role)
    if department is not _UNSET:
        user.department = _department(session, clock, actor, department)
    if user.role == "department" and user.department is None:
        raise InvalidInput(_("a user with the role 'department' needs --dept"))
    if display_name is not None:
        user.display_name = display_name.strip()[:200]
    if language is not None:
        user.language = _check_language(language)
    if disabled is not None:
        user.disabled = disabled
    if password is not None:
        user.password_hash = hash_password(password)
    after = _snapshot(user)
    if after == before and password is None:
        return user
    user.updated_at = clock.now()
    session.flush()
    if user.disabled or password is not None:
        sessions.end_all(session=session, user_id=user.id)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if password is not None:
        changed["password"] = "changed"  # noqa: S105  # that it changed, never what to
    action = "user.disabled" if disabled and not before["disabled"] else "user.changed"
    record(
        session=session,
        clock=clock,
        actor=actor,
        action=action,
        target=f"user:{user.name}",
        before={k: before[k] for k in changed if k in before},
        after=changed,
    )
    return user


def disable_user(*, session: Session, clock: Clock, actor: str, name: str) -> User:
    """Disable a user: signed out everywhere, tokens refused, nothing deleted."""
    user = get_user_or_raise(session=session, name=name)
    return update_user(session=session, clock=clock, actor=actor, user=user, disabled=True)


def actor_of(user: User, *, token_id: int | None = None, csrf_token: str | None = None) -> Actor:
    """The request actor for a user (signed in, or through one of their tokens)."""
    return Actor(
        name=user.name,
        display_name=user.display_name,
        role=_check_role(user.role),
        department=user.department.name if user.department else None,
        department_name=user.department.display_name if user.department else None,
        language=_check_language(user.language),
        user_id=user.id,
        token_id=token_id,
        csrf_token=csrf_token,
    )


DEMO_PASSWORD = "yuqing-demo"  # noqa: S105  # CONTRACTS: the demo logins, printed by `yuqing demo`
DEMO_DEPARTMENT = ("logistics", "后勤处")  # the school scenario's canteen is theirs


def create_demo_users(*, session: Session, clock: Clock) -> list[str]:
    """One user per role, named after it, password `yuqing-demo` (a demo home only)."""
    made: list[str] = []
    password = hash_password(DEMO_PASSWORD)  # one hash for all: argon2 is slow on purpose
    for role in ROLES:
        if get_user(session=session, name=role) is not None:
            continue
        department = None
        if role == "department":
            name, display = DEMO_DEPARTMENT
            if session.scalar(select(Department).where(Department.name == name)) is None:
                create_department(
                    session=session, clock=clock, actor="demo", name=name, display_name=display
                )
            department = name
        user = create_user(
            session=session,
            clock=clock,
            actor="demo",
            name=role,
            role=role,
            password=None,
            department=department,
        )
        user.password_hash = password
        made.append(role)
    session.flush()
    return made


# --- signing in and out --------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """A good sign-in: the session id for the cookie (shown only now) and the user."""

    session_id: str
    user: User
    login_session: LoginSession


def _refuse(
    session: Session, clock: Clock, policy: AuthSettings, name: str, address: str, why: str
) -> LoginRefused:
    """Count a failure on the name and the address, audit it, and word the refusal."""
    until_name = lockout.fail(
        session=session,
        clock=clock,
        policy=policy,
        key=lockout.name_key(name),
        threshold=policy.login_max_failures,
    )
    until_address = lockout.fail(
        session=session,
        clock=clock,
        policy=policy,
        key=lockout.address_key(address),
        threshold=policy.login_max_failures_per_address,
    )
    record(
        session=session,
        clock=clock,
        actor=name[:100] or "-",
        action="login.failed",
        target=f"user:{name[:100]}",
        after={"address": address, "reason": why},
    )
    until = max((u for u in (until_name, until_address) if u is not None), default=None)
    # The same words whichever was wrong: no hint that a name exists (CONTRACTS).
    return LoginRefused(_("wrong user name or password"), locked_until=until)


@dataclass(frozen=True)
class CheckedPassword:
    """A password checked before the sign-in's write transaction: argon2 takes tens of
    milliseconds of CPU, and on SQLite a writer holds the store's one write lock, so
    every other writer (the pipeline, the worker, other sign-ins) would wait for it."""

    password_hash: str | None  # the hash it was checked against (None: no such user)
    good: bool


def check_password(*, session: Session, name: str, password: str) -> CheckedPassword:
    """Check `password` against the user's stored hash, in a session that only reads."""
    name = name.strip()
    user = get_user(session=session, name=name) if name and len(name) <= 100 else None
    stored = user.password_hash if user else None
    return CheckedPassword(stored, verify_password(stored, password))


def sign_in(
    *,
    session: Session,
    clock: Clock,
    policy: AuthSettings,
    name: str,
    password: str,
    address: str,
    checked: CheckedPassword | None = None,
) -> SignIn:
    """Check a name and password and start a session; LoginRefused otherwise.

    `checked`: the password already checked (`check_password`, before this transaction);
    it counts while the user's hash is still the one it was checked against.
    The caller must commit even when this raises: the failure counts and its audit
    entry are the point of a refusal.
    """
    name = name.strip()
    until = lockout.locked_until(
        session=session,
        clock=clock,
        keys=[lockout.name_key(name), lockout.address_key(address)],
    )
    if until is not None:
        record(
            session=session,
            clock=clock,
            actor=name[:100] or "-",
            action="login.failed",
            target=f"user:{name[:100]}",
            after={"address": address, "reason": "locked"},
        )
        raise LoginRefused(
            _("too many failed sign-ins: try again after {minutes} minutes").format(
                minutes=max(1, -(-int((until - clock.now()).total_seconds()) // 60))
            ),
            locked_until=until,
        )
    user = get_user(session=session, name=name) if name and len(name) <= 100 else None
    stored = user.password_hash if user else None
    if checked is not None and checked.password_hash == stored:
        good = checked.good
    else:
        good = verify_password(stored, password)
    if user is None or not good:
        raise _refuse(
            session,
            clock,
            policy,
            name,
            address,
            "unknown user" if user is None else "wrong password",
        )
    if user.disabled:
        raise _refuse(session, clock, policy, name, address, "disabled")
    assert user.password_hash is not None  # verify_password is False without one
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    lockout.clear(session=session, key=lockout.name_key(name))
    sessions.purge_expired(session=session, clock=clock, policy=policy)
    raw, row = sessions.start(session=session, clock=clock, user=user, address=address)
    record(
        session=session,
        clock=clock,
        actor=user.name,
        action="login",
        target=f"user:{user.name}",
        after={"address": address},
    )
    return SignIn(session_id=raw, user=user, login_session=row)


def resolve_session(
    *, session: Session, clock: Clock, policy: AuthSettings, session_id: str, may_write: bool = True
) -> Actor | None:
    """The actor behind a session cookie, or None when it is unknown or has ended.

    With `may_write` False it raises `sessions.WriteNeeded` where it would change the store.
    """
    found = sessions.resolve(
        session=session, clock=clock, policy=policy, raw_id=session_id, may_write=may_write
    )
    if found is None:
        return None
    row, user = found
    return actor_of(user, csrf_token=row.csrf_token)


def sign_out(*, session: Session, clock: Clock, session_id: str) -> None:
    """End a browser's session (audited); nothing happens for an unknown one."""
    row = sessions.end(session=session, raw_id=session_id)
    if row is None:
        return
    user = session.get(User, row.user_id)
    name = user.name if user else str(row.user_id)
    record(session=session, clock=clock, actor=name, action="logout", target=f"user:{name}")


# --- API tokens ----------------------------------------------------------------------


def read_token(row: ApiToken) -> TokenRead:
    return TokenRead(
        id=row.id,
        user=row.user.name,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def create_token(
    *, session: Session, clock: Clock, actor: str, user_name: str, name: str = ""
) -> tuple[str, ApiToken]:
    """A new API token for a user: the token (show it once, it is not kept) and its row."""
    user = get_user_or_raise(session=session, name=user_name)
    if user.disabled:
        raise Conflict(_("user {name!r} is disabled").format(name=user.name))
    raw, row = tokens.create(session=session, clock=clock, user=user, name=name.strip())
    record(
        session=session,
        clock=clock,
        actor=actor,
        action="token.created",
        target=f"token:{row.id}",
        after={"user": user.name, "name": row.name, "prefix": row.prefix},
    )
    return raw, row


def revoke_token(*, session: Session, clock: Clock, actor: str, token_id: int) -> ApiToken:
    """Revoke a token: refused from now on (revoking twice is a conflict)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_("no API token with id {id}").format(id=token_id))
    if row.revoked_at is not None:
        raise Conflict(_("API token {id} was revoked already").format(id=token_id))
    row.revoked_at = clock.now()
    session.flush()
    record(
        session=session,
        clock=clock,
        actor=actor,
        action="token.revoked",
        target=f"token:{row.id}",
        before={"revoked": False},
        after={"revoked": True, "user": row.user.name, "name": row.name},
    )
    return row


def get_all_tokens(*, session: Session, user_name: str | None = None) -> Sequence[ApiToken]:
    user_id = get_user_or_raise(session=session, name=user_name).id if user_name else None
    return tokens.get_all(session=session, user_id=user_id)


def authenticate_token(*, session: Session, raw: str) -> Actor | None:
    """The actor behind a user's API token, or None when it is unknown or revoked."""
    row = tokens.resolve(session=session, raw=raw)
    return actor_of(row.user, token_id=row.id) if row is not None else None
