"""Sending report deliveries: the alerts' outbox rules (lease, attempts, back-off) over
the `report_deliveries` rows.

A delivery is leased in a short transaction, sent, and its result written, each try
kept as a `ReportDeliveryAttempt` (when, outcome, response code, one-line detail); a failure
that may pass is tried again after `retry_delay` (30 s, 1 min, 2 min … at most 30 min),
up to `MAX_ATTEMPTS`. A worker that dies mid-send leaves a lease that runs out, and the
delivery goes again with the same idempotency key (the same e-mail Message-ID).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.channels.base import Delivery
from yuqing.alerts.dispatcher import CLAIM, LEASE, settle
from yuqing.core.clock import Clock
from yuqing.core.errors import ChannelError
from yuqing.core.i18n import _
from yuqing.db.engine import session_scope
from yuqing.reports.schedules.channels import Attachment, ReportMessage, ReportSender
from yuqing.reports.schedules.models import (
    ReportDelivery,
    ReportDeliveryAttempt,
    ReportFile,
    ReportRun,
)

ROBOTS = ("wecom", "dingtalk", "feishu")

# Sends one delivery; raises ChannelError (with `retryable`) when it fails.
SendReportFn = Callable[[ReportMessage, ReportDelivery], Delivery]


def sender_fn(sender: ReportSender) -> SendReportFn:
    """`sender` as the outbox calls it."""

    def send(message: ReportMessage, delivery: ReportDelivery) -> Delivery:
        return sender.send(
            message,
            channel=delivery.channel,
            address=delivery.address,
            recipient=delivery.recipient_name,
            key=delivery.idempotency_key,
        )

    return send


def claim_due(session: Session, now: datetime, limit: int = CLAIM) -> list[int]:
    """Lease the report deliveries due now (or whose lease ran out); returns their ids."""
    stmt = (
        select(ReportDelivery)
        .where(
            or_(
                ReportDelivery.status.in_(("pending", "failed"))
                & (ReportDelivery.not_before <= now),
                (ReportDelivery.status == "sending") & (ReportDelivery.lease_until <= now),
            )
        )
        .order_by(ReportDelivery.not_before, ReportDelivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = session.scalars(stmt).all()
    for row in rows:
        row.status, row.lease_until = "sending", now + LEASE
    session.flush()
    return [row.id for row in rows]


def message_for(session: Session, delivery: ReportDelivery, link_base: str | None) -> ReportMessage:
    """What one delivery says: files attached for e-mail, download links for robots."""
    run = session.get(ReportRun, delivery.run_id)
    assert run is not None  # deliveries are deleted with their run
    files = list(
        session.scalars(
            select(ReportFile).where(ReportFile.run_id == run.id).order_by(ReportFile.id)
        )
    )
    attachments: tuple[Attachment, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    if delivery.channel == "email":
        attachments = tuple(Attachment(f.filename, f.media_type, f.content) for f in files)
    elif link_base is not None:
        links = tuple(
            (
                _("Download {format}").format(format=f.format.upper()),
                f"{link_base}/reports/files/{f.id}",
            )
            for f in files
        )
    return ReportMessage(
        title=run.title or run.kind,
        text=run.summary or "",
        level="",
        event_id="",
        alert_id=0,
        run_id=run.id,
        attachments=attachments,
        links=links,
    )


def _send_one(
    sessions: sessionmaker[Session], send: SendReportFn, link_base: str | None, delivery_id: int
) -> Delivery | ChannelError:
    with session_scope(sessions) as session:
        delivery = session.get(ReportDelivery, delivery_id)
        if delivery is None:
            return ChannelError("delivery vanished before it was sent")
        message = message_for(session, delivery, link_base)
        session.expunge_all()
    try:
        return send(message, delivery)
    except ChannelError as exc:
        return exc
    except Exception as exc:  # a bug in one channel must not stop the others
        return ChannelError(f"{delivery.channel}: {type(exc).__name__}: {exc}", retryable=True)


def _record(
    sessions: sessionmaker[Session],
    clock: Clock,
    delivery_id: int,
    outcome: Delivery | ChannelError,
) -> None:
    now = clock.now()
    with session_scope(sessions) as session:
        row = session.get(ReportDelivery, delivery_id)
        if row is None:
            return
        attempt = settle(row, outcome, now)
        session.add(
            ReportDeliveryAttempt(
                delivery_id=row.id,
                at=now,
                ok=attempt.ok,
                retryable=attempt.retryable,
                code=attempt.code,
                detail=attempt.detail,
            )
        )


def dispatch_due(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    send: SendReportFn,
    link_base: str | None = None,
) -> Sequence[int]:
    """Send every report delivery that is due, one after another; returns the ids tried.

    One at a time: a report goes out a few times a day, and its files may be megabytes.
    """
    with session_scope(sessions) as session:
        ids = claim_due(session, clock.now())
    for delivery_id in ids:
        _record(sessions, clock, delivery_id, _send_one(sessions, send, link_base, delivery_id))
    return ids
