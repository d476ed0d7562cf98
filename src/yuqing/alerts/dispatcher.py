"""The outbox dispatcher: sends due deliveries, records every attempt, retries with back-off.

A delivery is claimed with a lease (status `sending`, `lease_until`) in its own short
transaction, sent, then its result is written. If the process dies between sending and
recording, the lease runs out and the delivery is sent again with the same idempotency
key, which receivers use to recognise it: an alert is never lost, and a repeat is
recognisable. Deliveries are sent concurrently, so a channel that hangs until its
timeout never holds up the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts import attempts
from yuqing.alerts.models import Alert, Delivery, DeliveryAttempt
from yuqing.core.clock import Clock
from yuqing.core.errors import ChannelError
from yuqing.db.engine import session_scope

LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=30)
MAX_ATTEMPTS = 8
CLAIM = 50  # deliveries a round


@dataclass(frozen=True)
class Sent:
    provider_id: str | None = None
    detail: str = "sent"
    code: str | None = None  # the far end's answer: "250", "200", an errcode "0"


# Sends one delivery of one alert (None: a notice with its own words, `Delivery.subject`
# and `body`); raises ChannelError (with `retryable`) on failure.
SendFn = Callable[[Delivery, Alert | None], Sent]


def retry_delay(attempts: int) -> timedelta:
    """Back-off after `attempts` failed tries: 30 s, 1 min, 2 min … at most 30 min."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, MAX_RETRY)


class OutboxRow(Protocol):
    """A delivery of an outbox (alerts' or scheduled reports'), as `settle` updates it."""

    channel: str
    address: str
    attempts: int
    status: str
    not_before: datetime
    lease_until: datetime | None
    sent_at: datetime | None
    provider_id: str | None
    last_error: str | None


class Answer(Protocol):
    """What a channel answered for a sent message (`Sent`, a report channel's result)."""

    @property
    def provider_id(self) -> str | None: ...
    @property
    def detail(self) -> str: ...
    @property
    def code(self) -> str | None: ...


def settle(row: OutboxRow, outcome: Answer | ChannelError, now: datetime) -> attempts.Attempt:
    """Count one attempt of `row`: sent; or failed and tried again after `retry_delay`
    while the failure may pass and attempts are left; else given up. Returns what the
    attempt keeps (each outbox stores it in its own table)."""
    row.attempts += 1
    row.lease_until = None
    where = {"channel": row.channel, "address": row.address}
    if isinstance(outcome, ChannelError):
        attempt = attempts.failed(outcome, **where)
        row.last_error = attempt.detail
        if attempt.retryable and row.attempts < MAX_ATTEMPTS:
            row.status, row.not_before = "failed", now + retry_delay(row.attempts)
        else:
            row.status = "dead"
    else:
        attempt = attempts.succeeded(detail=outcome.detail, code=outcome.code, **where)
        row.status, row.sent_at, row.provider_id = "sent", now, outcome.provider_id
        row.last_error = None
    return attempt


def claim_due(session: Session, now: datetime, limit: int = CLAIM) -> list[int]:
    """Lease the deliveries that are due now (or whose lease ran out); returns their ids."""
    stmt = (
        select(Delivery)
        .where(
            or_(
                Delivery.status.in_(("pending", "failed")) & (Delivery.not_before <= now),
                (Delivery.status == "sending") & (Delivery.lease_until <= now),
            )
        )
        .order_by(Delivery.not_before, Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)  # several dispatchers share the work
    rows = session.scalars(stmt).all()
    for row in rows:
        row.status, row.lease_until = "sending", now + LEASE
    session.flush()
    return [row.id for row in rows]


def _record(
    sessions: sessionmaker[Session], clock: Clock, delivery_id: int, outcome: Sent | ChannelError
) -> None:
    now = clock.now()
    with session_scope(sessions) as session:
        row = session.get(Delivery, delivery_id)
        if row is None:  # the alert was deleted meanwhile
            return
        attempt = settle(row, outcome, now)
        session.add(
            DeliveryAttempt(
                delivery_id=row.id,
                at=now,
                ok=attempt.ok,
                retryable=attempt.retryable,
                code=attempt.code,
                detail=attempt.detail,
            )
        )


def _send_one(
    sessions: sessionmaker[Session], send: SendFn, delivery_id: int
) -> Sent | ChannelError:
    with session_scope(sessions) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return ChannelError("delivery vanished before it was sent")
        alert = None
        if delivery.alert_id is not None:  # else a notice, in the delivery's own words
            alert = session.get(Alert, delivery.alert_id)
            if alert is None:
                return ChannelError("delivery vanished before it was sent")
        session.expunge_all()
    try:
        return send(delivery, alert)
    except ChannelError as exc:
        return exc
    except Exception as exc:  # a bug in one channel must not stop the others
        return ChannelError(f"{delivery.channel}: {type(exc).__name__}: {exc}", retryable=True)


def dispatch_due(
    *, sessions: sessionmaker[Session], clock: Clock, send: SendFn, workers: int = 8
) -> Sequence[int]:
    """Send every delivery that is due; returns the ids tried."""
    with session_scope(sessions) as session:
        ids = claim_due(session, clock.now())
    if not ids:
        return ids
    with ThreadPoolExecutor(max_workers=min(workers, len(ids))) as pool:
        outcomes = list(pool.map(lambda i: _send_one(sessions, send, i), ids))
    for delivery_id, outcome in zip(ids, outcomes, strict=True):
        _record(sessions, clock, delivery_id, outcome)
    return ids
