"""Tables of the alerts context: level decisions, alerts, deliveries and their attempts.

The outbox (ARCHITECTURE "Alerts never get lost"): an alert and one delivery row per
recipient and channel are written in the same transaction as the change that caused
them; the dispatcher sends from these rows and records every attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db.base import Base, BigId, Json, UTCDateTime


class LevelDecision(Base):
    """A proposed level for an event and what a person made of it (never silent)."""

    __tablename__ = "level_decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), ForeignKey("events.id", ondelete="CASCADE"))
    plan_version: Mapped[int | None] = mapped_column(Integer)
    proposed_level: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # proposed → confirmed | changed | dismissed | superseded (a higher level came)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    level: Mapped[str | None] = mapped_column(String(32))  # the level a person decided
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_level_decisions_event", "event_id", "proposed_at"),)


class Alert(Base):
    """A notice that an event reached or rose to a level (预警)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), ForeignKey("events.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(32))
    level_rank: Mapped[int] = mapped_column(Integer)  # 1 = most severe (plan order)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    # The message in each language ({"en": [title, text], …}); `title` and `text` are the
    # deployment's language, and what an alert raised without translations says to all.
    texts: Mapped[dict[str, list[str]] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ack_token: Mapped[str] = mapped_column(String(64), unique=True)
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    escalation_step: Mapped[int] = mapped_column(Integer, default=0)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_alerts_event_level", "event_id", "level"),
        Index("ix_alerts_next_check", "next_check_at"),
    )


class Delivery(Base):
    """One message of an alert to one recipient over one channel, or of a notice that is
    no alert's (the risk register's monthly reminder): no `alert_id`, its own words in
    `subject` and `body`."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("alerts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # alert | reminder | escalation
    recipient: Mapped[str] = mapped_column(String(200))  # a person id, or a robot/body name
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)  # e-mail, phone, webhook URL (no secrets)
    # The recipient's language when they are a user (their setting); None: the default.
    language: Mapped[str | None] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # pending → sending (leased) → sent | failed (retry later) | dead (given up)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)  # a notice's title (no alert)
    body: Mapped[str | None] = mapped_column(Text)  # a notice's text (no alert)

    __table_args__ = (Index("ix_deliveries_due", "status", "not_before"),)


class DeliveryAttempt(Base):
    """Every try of a delivery, kept: when, whether it worked, what the channel said."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(default=False)
    retryable: Mapped[bool] = mapped_column(default=False)
    # What the far end answered, where it says: an SMTP reply, an HTTP status, an errcode.
    code: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")  # one line, secrets masked


def ack_path(alert: Alert, delivery: Delivery | None = None) -> str:
    """The acknowledgement link's path. The token is the credential; the delivery's id
    only tells the page whose language to speak (a link forwarded to someone else
    still acknowledges, in the language of the person it was sent to)."""
    path = f"/ack/{alert.ack_token}"
    return f"{path}?d={delivery.id}" if delivery is not None and delivery.id else path


def message_in(alert: Alert, language: str | None) -> tuple[str, str]:
    """The alert's title and text in `language`, else in the deployment's language."""
    found = (alert.texts or {}).get(language or "")
    if found and len(found) == 2:
        return found[0], found[1]
    return alert.title, alert.text
