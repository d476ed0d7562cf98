"""Sign-in sessions kept in the store: they work on both stores and survive a restart.

A session ends when its browser signs out, after `session_idle_minutes` without a
request, or `session_max_hours` after it began, whichever comes first; and at once when
its user is disabled. Times come from the Clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from yuqing.auth.models import LoginSession, User
from yuqing.auth.secrets import digest, new_secret
from yuqing.core.clock import Clock
from yuqing.core.settings import AuthSettings

# Each request would otherwise write its session row; a minute's precision is plenty for
# an idle timeout counted in tens of minutes.
TOUCH_EVERY = timedelta(seconds=60)


def start(*, session: Session, clock: Clock, user: User, address: str) -> tuple[str, LoginSession]:
    """A new session for `user`: the id for the cookie (shown only now) and its row."""
    raw = new_secret()
    now = clock.now()
    row = LoginSession(
        id_hash=digest(raw),
        user_id=user.id,
        csrf_token=new_secret(),
        created_at=now,
        last_seen_at=now,
        address=address[:100],
    )
    session.add(row)
    session.flush()
    return raw, row


def _expired(row: LoginSession, now: datetime, policy: AuthSettings) -> bool:
    idle = now - row.last_seen_at >= timedelta(minutes=policy.session_idle_minutes)
    too_old = now - row.created_at >= timedelta(hours=policy.session_max_hours)
    return idle or too_old


class WriteNeeded(Exception):
    """Resolving this session changes the store (it ended, or is due a touch)."""


def resolve(
    *, session: Session, clock: Clock, policy: AuthSettings, raw_id: str, may_write: bool = True
) -> tuple[LoginSession, User] | None:
    """The live session behind a cookie and its user, or None (an ended one is removed).

    With `may_write` False (a read-only session) it raises WriteNeeded where it would write.
    """
    if not raw_id or len(raw_id) > 200:
        return None
    # One statement for the session and its user: every page asks (bench/web.py).
    found = session.execute(
        select(LoginSession, User)
        .outerjoin(User, User.id == LoginSession.user_id)
        .where(LoginSession.id_hash == digest(raw_id))
    ).first()
    if found is None:
        return None
    row, user = found
    now = clock.now()
    ended = user is None or user.disabled or _expired(row, now, policy)
    if not may_write and (ended or now - row.last_seen_at >= TOUCH_EVERY):
        raise WriteNeeded
    if user is None or user.disabled or _expired(row, now, policy):
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return row, user


def end(*, session: Session, raw_id: str) -> LoginSession | None:
    """Sign a browser out; returns the ended session, if there was one."""
    row = session.get(LoginSession, digest(raw_id)) if raw_id else None
    if row is not None:
        session.delete(row)
        session.flush()
    return row


def end_all(*, session: Session, user_id: int) -> int:
    """Sign a user out everywhere (disabled, password changed); how many sessions ended."""
    result = session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired(*, session: Session, clock: Clock, policy: AuthSettings) -> None:
    """Remove every session past its idle or absolute limit (cheap; done at each sign-in)."""
    now = clock.now()
    session.execute(
        delete(LoginSession).where(
            or_(
                LoginSession.last_seen_at <= now - timedelta(minutes=policy.session_idle_minutes),
                LoginSession.created_at <= now - timedelta(hours=policy.session_max_hours),
            )
        )
    )


def count_for(*, session: Session, user_id: int) -> int:
    """How many sessions `user_id` has open (for tests and the users page)."""
    return len(
        session.scalars(select(LoginSession.id_hash).where(LoginSession.user_id == user_id)).all()
    )
