"""Who gets an alert, over which channel, by when it must be acknowledged, and what
happens when nobody does: the plan's routes turned into plain data for the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Recipient:
    """One person, robot or reporting body on one channel."""

    id: str  # person id, robot name or body name in the plan
    name: str
    channel: str  # email | wecom | dingtalk | feishu | webhook | sms
    address: str  # e-mail, phone or webhook URL (secrets stay in the plan)


@dataclass(frozen=True)
class QuietHours:
    """Hours in which alerts of low levels wait (never the most severe level)."""

    start: time
    end: time
    timezone: str = "Asia/Shanghai"

    def release(self, now: datetime) -> datetime:
        """`now` if outside quiet hours, else when they end (aware UTC)."""
        local = now.astimezone(ZoneInfo(self.timezone))
        t = local.timetz().replace(tzinfo=None)
        inside = (
            self.start <= t < self.end
            if self.start <= self.end
            else (t >= self.start or t < self.end)
        )
        if not inside:
            return now
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(now.tzinfo)


@dataclass(frozen=True)
class RoutePlan:
    """Everything the outbox needs to deliver, remind and escalate one alert."""

    recipients: list[Recipient]
    ack_within: timedelta | None = None  # remind when not acknowledged by then
    remind_every: timedelta = timedelta(minutes=10)
    reminders_before_escalation: int = 1
    escalation: list[list[Recipient]] = field(default_factory=list)  # up the chain, step by step
    quiet: QuietHours | None = None  # applies to this level (never to the most severe)
