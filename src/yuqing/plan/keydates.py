"""Key dates (两会, 高考, 国庆, 春节, school holidays): which apply, and what they change.

A key date can lower a level's numeric thresholds by a factor and call in the heightened
duty shifts, as the plan says (P3).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar

from yuqing.plan.deadlines import WorkCalendar
from yuqing.plan.handling import Criteria
from yuqing.plan.schema import Plan
from yuqing.plan.timing import KeyDate, OfficialHoliday, Shift

_HOLIDAY_NAMES = {h.name: h.value for h in chinese_calendar.Holiday}
_COUNTS = ("min_sites", "min_posts", "min_reach")  # whole numbers: round up, never below 1
_RATES = ("min_posts_per_hour", "min_growth", "min_negative_share")


@lru_cache(maxsize=64)
def official_days(holiday: OfficialHoliday, year: int) -> frozenset[date]:
    """Days off of an official holiday in `year`; empty for a year the calendar lacks."""
    name = _HOLIDAY_NAMES[holiday]
    day, days = date(year, 1, 1), set()
    try:
        while day.year == year:
            is_off, which = chinese_calendar.get_holiday_detail(day)
            if is_off and which == name:
                days.add(day)
            day += timedelta(days=1)
    except NotImplementedError:
        return frozenset()
    return frozenset(days)


def _annual(day: date, start: str, end: str) -> bool:
    mmdd = day.strftime("%m-%d")
    return start <= mmdd <= end if start <= end else (mmdd >= start or mmdd <= end)


def applies(key_date: KeyDate, day: date) -> bool:
    """Whether `day` (a local date) falls in the key date."""
    before, after = timedelta(days=key_date.days_before), timedelta(days=key_date.days_after)
    if any(s.start - before <= day <= s.end + after for s in key_date.dates):
        return True
    if any(_annual(day, s.start, s.end) for s in key_date.annual):
        return True
    if key_date.holiday is not None:
        for year in (day.year - 1, day.year, day.year + 1):
            days = official_days(key_date.holiday, year)
            if days and min(days) - before <= day <= max(days) + after:
                return True
    return False


def key_dates_on(plan: Plan, day: date) -> list[KeyDate]:
    """The plan's key dates that `day` (a local date) falls in."""
    return [k for k in plan.key_dates if applies(k, day)]


def threshold_factor(plan: Plan, level_id: str, day: date) -> float:
    """The lowest factor any key date on `day` sets for this level (1.0: none)."""
    factors = [
        k.threshold_factor for k in key_dates_on(plan, day) if not k.levels or level_id in k.levels
    ]
    return min(factors, default=1.0)


def effective_criteria(plan: Plan, level_id: str, day: date) -> Criteria:
    """The level's criteria with numeric thresholds lowered as the key dates on `day` say."""
    criteria = plan.grading[level_id]
    factor = threshold_factor(plan, level_id, day)
    if factor == 1.0:
        return criteria
    return _lowered(criteria, factor)


def _lowered(criteria: Criteria, factor: float) -> Criteria:
    """`criteria` with every numeric threshold, in its groups too, times `factor`."""
    changes: dict[str, object] = {"any_of": [_lowered(g, factor) for g in criteria.any_of]}
    for name in _COUNTS:
        value = getattr(criteria, name)
        if value is not None:
            changes[name] = max(1, math.ceil(value * factor))
    for name in _RATES:
        value = getattr(criteria, name)
        if value is not None:
            changes[name] = value * factor
    return criteria.model_copy(update=changes)


def _covers(shift: Shift, minute: int) -> bool:
    start = shift.start.hour * 60 + shift.start.minute
    end = shift.end.hour * 60 + shift.end.minute
    length = (end - start) % 1440 or 1440
    return (minute - start) % 1440 < length


def on_duty(plan: Plan, at: datetime) -> list[str]:
    """Ids of the people on duty at `at`, heightened shifts included on key dates."""
    local = WorkCalendar.for_plan(plan).local(at)
    minute = local.hour * 60 + local.minute
    shifts = list(plan.duty.shifts)
    if any(k.heightened_duty for k in key_dates_on(plan, local.date())):
        shifts += plan.duty.heightened
    people: list[str] = []
    for shift in shifts:
        if _covers(shift, minute):
            people += [p for p in shift.people if p not in people]
    return people
