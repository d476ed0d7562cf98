"""Tables of scheduled reports: runs (one per schedule and due time), their files, and
the outbox of their deliveries.

A run row is the "exactly once" of a schedule: its (schedule, due time) is unique, and
it is written in the same transaction as the files and the delivery rows it causes, so
a worker that dies before the commit leaves nothing and the next one does it all again,
and one that dies after leaves the deliveries for the outbox to send (ARCHITECTURE
"Alerts never get lost" — the same rule for reports).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db.base import Base, BigId, UTCDateTime


class ReportRun(Base):
    """One due time of one schedule: generated (files, deliveries) or skipped (a holiday)."""

    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the schedule's nominal time
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # generated | skipped
    reason: Mapped[str | None] = mapped_column(Text)  # why it was skipped or failed
    title: Mapped[str | None] = mapped_column(Text)  # the document's title, for messages
    summary: Mapped[str | None] = mapped_column(Text)  # its opening paragraph
    plan_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at", name="uq_report_runs_schedule_due"),
    )


class ReportFile(Base):
    """One generated document of a run, kept for the e-mail attachment and the link."""

    __tablename__ = "report_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("report_runs.id", ondelete="CASCADE"), index=True
    )
    format: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ReportDelivery(Base):
    """One message of a run to one recipient over one channel (the alerts' outbox shape)."""

    __tablename__ = "report_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("report_runs.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(200))  # person, unit or address
    recipient_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # pending → sending (leased) → sent | failed (retry later) | dead (given up)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_report_deliveries_due", "status", "not_before"),)


class ReportDeliveryAttempt(Base):
    """Every try of a report delivery, kept (as `DeliveryAttempt` for alerts)."""

    __tablename__ = "report_delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("report_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(default=False)
    retryable: Mapped[bool] = mapped_column(default=False)
    code: Mapped[str | None] = mapped_column(String(32))  # SMTP reply, HTTP status, errcode
    detail: Mapped[str] = mapped_column(Text, default="")  # one line, secrets masked


class ReportTemplate(Base):
    """One stored version of an administrator's HTML template for a report kind."""

    __tablename__ = "report_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per kind
    source: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "version", name="uq_report_templates_kind_version"),)
