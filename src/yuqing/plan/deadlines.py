"""When things are due: the plan's deadlines turned into instants.

Pure functions, aware UTC in and out; the plan's time zone (Asia/Shanghai by default) only
decides where days begin and what "11:00" means.

- `wall_clock` and `holidays_included`: start + the duration. They count the same; the
  second records that the plan says so on purpose (P2: "含休息日、节假日").
- `working_days`: the day of the start never counts, even when it is a working day
  (the usual way of counting 期间: 开始之日不计入). The deadline is the office's closing
  time on the Nth working day after it. Working days follow the official calendar
  (chinese_calendar, 调休 included), corrected by the plan's override lists; in a year the
  package does not know yet, Monday–Friday are working days unless the plan says otherwise.
- fixed times of day (progress reports by 11:00 and 17:00): the first such time strictly
  after the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from yuqing.core.clock import utc
from yuqing.plan.schema import Plan
from yuqing.plan.timing import Deadline


@dataclass(frozen=True)
class WorkCalendar:
    """Where days begin, when the office closes, and which days are working days."""

    timezone: str = "Asia/Shanghai"
    office_close: time = time(17, 30)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def for_plan(cls, plan: Plan) -> WorkCalendar:
        """The calendar a plan implies: its zone, office hours and overrides."""
        org = plan.organization
        return cls(
            timezone=org.timezone,
            office_close=org.office_hours.end,
            extra_workdays=frozenset(org.calendar.workdays),
            extra_holidays=frozenset(org.calendar.holidays),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_workday(self, day: date) -> bool:
        """A working day by the official calendar, the plan's overrides first."""
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5  # a year the package does not know yet

    def local(self, moment: datetime) -> datetime:
        return utc(moment).astimezone(self.zone)

    def at(self, day: date, when: time) -> datetime:
        """`when` on `day` in the plan's zone, as aware UTC."""
        return datetime.combine(day, when, tzinfo=self.zone).astimezone(UTC)


def add_working_days(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """Office close on the `days`-th working day after the start's local date."""
    if days < 1:
        raise ValueError("working days must be at least 1")
    day = calendar.local(start).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return calendar.at(day, calendar.office_close)


def deadline(start: datetime, rule: Deadline, calendar: WorkCalendar) -> datetime:
    """The instant (aware UTC) by which `rule` is met when counting from `start`."""
    start = utc(start)
    if rule.mode == "working_days":
        return add_working_days(start, rule.working_days, calendar)
    return start + rule.within


def next_fixed_time(start: datetime, times: Sequence[time], calendar: WorkCalendar) -> datetime:
    """The first of `times` (local times of day) strictly after `start`, as aware UTC."""
    if not times:
        raise ValueError("no fixed times given")
    local = calendar.local(start)
    for offset in range(2):
        day = local.date() + timedelta(days=offset)
        for when in sorted(times):
            candidate = calendar.at(day, when)
            if candidate > utc(start):
                return candidate
    raise AssertionError("unreachable: some time tomorrow is always later")
