"""API tokens of users: shown once, kept as their SHA-256 (auth/secrets.py says why),
revocable; and the per-token rate limit.

A token reads `yq_` and 43 URL-safe characters; the prefix lets a leaked token be
recognized by secret scanners and in logs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.auth.models import ApiToken, User
from yuqing.auth.secrets import digest, new_secret
from yuqing.core.clock import Clock

PREFIX = "yq_"
SHOWN = 8  # characters of a token kept to tell tokens apart in a list


def create(*, session: Session, clock: Clock, user: User, name: str) -> tuple[str, ApiToken]:
    """A new token for `user`: the token itself (never stored, shown once) and its row."""
    raw = PREFIX + new_secret()
    row = ApiToken(
        user_id=user.id,
        name=name[:100],
        token_hash=digest(raw),
        prefix=raw[:SHOWN],
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return raw, row


def resolve(*, session: Session, raw: str) -> ApiToken | None:
    """The live token a request presented (not revoked, its user not disabled), or None."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw)))
    if row is None or row.revoked_at is not None or row.user.disabled:
        return None
    return row


def get_all(*, session: Session, user_id: int | None = None) -> Sequence[ApiToken]:
    """Tokens, oldest first, of one user or of all."""
    query = select(ApiToken).order_by(ApiToken.id)
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return session.scalars(query).all()


class RateLimiter:
    """A token bucket per key: `per_minute` requests a minute, bursts up to as many.

    Kept in the serving process's memory (one check per request costs no write to the
    store); each process of a deployment limits on its own. Time is the Clock's.
    """

    def __init__(self, *, clock: Clock, per_minute: int) -> None:
        self._clock = clock
        self._capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._buckets: dict[object, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: object) -> float:
        """Take one request for `key`: 0.0 when allowed, else the seconds to wait."""
        now = self._clock.monotonic()
        with self._lock:
            level, then = self._buckets.get(key, (self._capacity, now))
            level = min(self._capacity, level + (now - then) * self._rate)
            if level >= 1.0:
                self._buckets[key] = (level - 1.0, now)
                return 0.0
            self._buckets[key] = (level, now)
            return (1.0 - level) / self._rate
