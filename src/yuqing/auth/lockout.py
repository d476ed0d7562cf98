"""Lockout with back-off after failed sign-ins, per name and per client address.

After `login_max_failures` failures in a row for a name (more for an address, which a
whole office may share), further attempts are refused for `login_lockout_seconds`,
doubled for each further failure up to `login_lockout_max_seconds`. Attempts while locked
are refused without checking the password and are not counted, so nobody can keep an
account locked forever by guessing; a success clears the name's count. Failures older
than the longest lock are forgotten. Names are counted whether or not such a user
exists, so a lock says nothing about which names exist. Times come from the Clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.auth.models import LoginThrottle
from yuqing.core.clock import Clock
from yuqing.core.settings import AuthSettings


def name_key(name: str) -> str:
    return "user:" + name.strip().lower()[:150]


def address_key(address: str) -> str:
    return "addr:" + address[:150]


def locked_until(*, session: Session, clock: Clock, keys: list[str]) -> datetime | None:
    """The latest lock still running on any of `keys`, or None."""
    now = clock.now()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    ends = [r.locked_until for r in rows if r.locked_until is not None and r.locked_until > now]
    return max(ends, default=None)


def _row_for_update(session: Session, key: str, now: datetime) -> LoginThrottle:
    # Two failures at once for a new key must not both insert: insert-or-nothing, then lock.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, last_failure_at=now, locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # inserted above in this transaction
    return row


def fail(
    *, session: Session, clock: Clock, policy: AuthSettings, key: str, threshold: int
) -> datetime | None:
    """Count one failure for `key`; returns the end of the lock it starts, if any."""
    now = clock.now()
    row = _row_for_update(session, key, now)
    if now - row.last_failure_at > timedelta(seconds=policy.login_lockout_max_seconds):
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= threshold:
        doublings = min(row.failures - threshold, 30)
        seconds = min(policy.login_lockout_seconds * 2**doublings, policy.login_lockout_max_seconds)
        row.locked_until = now + timedelta(seconds=seconds)
    session.flush()
    return row.locked_until if row.failures >= threshold else None


def clear(*, session: Session, key: str) -> None:
    """Forget the failures of `key` (after a good sign-in, or an administrator's unlock)."""
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
        session.flush()
