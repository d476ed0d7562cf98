"""Report kinds and the period each one covers by default.

A period is half-open, [start, end), and its days are the plan's days: a daily report
of 2026-03-01 in Asia/Shanghai runs from 00:00 to 24:00 there, not in UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

# CONTRACTS "Reports": the period kinds, and the kinds that report on one incident.
PERIOD_KINDS = ("daily", "weekly", "monthly", "bulletin")
INCIDENT_KINDS = ("special", "flash", "initial", "progress", "closing")
KINDS = PERIOD_KINDS + INCIDENT_KINDS
BULLETIN_DAYS = 7
# A report lists and charts every day of its period: `--from 1900-01-01` took over five
# minutes and 900 MB before it was stopped, where a year takes a minute on a busy machine.
MAX_PERIOD_DAYS = 731  # two years, a leap day included


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, in the plan's zone
    end: datetime  # exclusive

    @property
    def days(self) -> list[date]:
        """Every local day the period touches, in order."""
        first = self.start.date()
        last = (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def check_kind(kind: str) -> None:
    """Refuse a kind CONTRACTS does not name."""
    if kind not in KINDS:
        raise InvalidInput(
            _("unknown report kind '{kind}' (expected one of: {kinds})").format(
                kind=kind, kinds=", ".join(KINDS)
            )
        )


def default_period(kind: str, *, now: datetime, zone: ZoneInfo) -> Period:
    """The period of `kind` that ended last before `now`, in `zone`'s days."""
    today = now.astimezone(zone).date()
    if kind == "daily":
        first, end = today - timedelta(days=1), today
    elif kind == "weekly":  # Monday to Sunday
        end = today - timedelta(days=today.weekday())
        first = end - timedelta(days=7)
    elif kind == "monthly":
        end = today.replace(day=1)
        first = (end - timedelta(days=1)).replace(day=1)
    else:  # bulletin: the last seven whole days
        first, end = today - timedelta(days=BULLETIN_DAYS), today
    return Period(_midnight(first, zone), _midnight(end, zone))


def resolve_period(
    kind: str, *, start: datetime | None, end: datetime | None, now: datetime, zone: ZoneInfo
) -> Period:
    """The period asked for: each end not given comes from the kind's default period."""
    default = default_period(kind, now=now, zone=zone)
    period = Period(
        (start or default.start).astimezone(zone), (end or default.end).astimezone(zone)
    )
    if period.start >= period.end:
        raise InvalidInput(
            _("inverted period: --from {start} is not before --to {end}").format(
                start=period.start.isoformat(), end=period.end.isoformat()
            )
        )
    days = (period.end - period.start).total_seconds() / 86400
    if days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("the period from {start} to {end} is {days} days long; a report covers at most "
              "{limit} days").format(
                start=period.start.isoformat(), end=period.end.isoformat(),
                days=math.ceil(days), limit=MAX_PERIOD_DAYS,
            )
        )  # fmt: skip
    return period


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)
