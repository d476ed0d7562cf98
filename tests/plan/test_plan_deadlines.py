"""Deadline arithmetic: wall clock, holidays included, working days (调休), fixed times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ROOT
from yuqing.plan.deadlines import WorkCalendar, add_working_days, deadline, next_fixed_time
from yuqing.plan.loading import load_plan
from yuqing.plan.timing import Deadline

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()  # Asia/Shanghai, office closes 17:30


def sh(*args: int) -> datetime:
    """A Shanghai wall-clock time as aware UTC."""
    return datetime(*args, tzinfo=SH).astimezone(UTC)


def rule(text: str) -> Deadline:
    return Deadline.model_validate(text)


def test_shorthand_modes() -> None:
    assert rule("30 min") == Deadline(within=timedelta(minutes=30), mode="wall_clock")
    assert rule("5 h holidays included").mode == "holidays_included"
    assert rule("5 working days").working_days == 5
    assert rule("1 working day").working_days == 1


def test_wall_clock_and_holidays_included_run_through_the_holiday() -> None:
    start = sh(2026, 2, 16, 22, 0)  # 春节 2026, a day off
    assert deadline(start, rule("5 h holidays included"), CAL) == sh(2026, 2, 17, 3, 0)
    assert deadline(start, rule("2 h"), CAL) == sh(2026, 2, 17, 0, 0)


def test_working_days_skip_spring_festival_and_count_the_makeup_saturday() -> None:
    # Friday 13 Feb 2026; Saturday the 14th is a 调休 working day; 15–23 Feb are off.
    start = sh(2026, 2, 13, 10, 0)
    # 14th (Sat, 调休) =1, 24th =2, 25th =3, 26th =4, 27th =5.
    assert deadline(start, rule("5 working days"), CAL) == sh(2026, 2, 27, 17, 30)
    assert deadline(start, rule("1 working day"), CAL) == sh(2026, 2, 14, 17, 30)


def test_working_days_across_national_day_with_saturday_makeup() -> None:
    # Oct 1–7 2026 off; Saturday 10 Oct is a 调休 working day, Sunday the 11th is not.
    start = sh(2026, 9, 30, 10, 0)
    assert deadline(start, rule("3 working days"), CAL) == sh(2026, 10, 10, 17, 30)
    assert deadline(start, rule("5 working days"), CAL) == sh(2026, 10, 13, 17, 30)


def test_the_start_day_never_counts_and_weekends_are_skipped() -> None:
    friday_early = sh(2026, 3, 6, 8, 0)
    friday_late = sh(2026, 3, 6, 23, 30)
    assert deadline(friday_early, rule("1 working day"), CAL) == sh(2026, 3, 9, 17, 30)
    assert deadline(friday_late, rule("1 working day"), CAL) == sh(2026, 3, 9, 17, 30)


def test_local_date_decides_not_the_utc_date() -> None:
    # 00:30 Monday in Shanghai is still Sunday in UTC: Monday is the start day.
    start = sh(2026, 3, 9, 0, 30)
    assert start.date() == date(2026, 3, 8)
    assert deadline(start, rule("1 working day"), CAL) == sh(2026, 3, 10, 17, 30)


def test_unknown_year_uses_weekdays_and_the_plans_overrides() -> None:
    start = sh(2027, 1, 29, 10, 0)  # a Friday in a year chinese_calendar does not know
    assert deadline(start, rule("1 working day"), CAL) == sh(2027, 2, 1, 17, 30)
    overridden = WorkCalendar(
        extra_holidays=frozenset({date(2027, 2, 1)}), extra_workdays=frozenset({date(2027, 1, 30)})
    )
    assert deadline(start, rule("1 working day"), overridden) == sh(2027, 1, 30, 17, 30)
    assert deadline(start, rule("2 working days"), overridden) == sh(2027, 2, 2, 17, 30)


def test_plan_calendar_takes_zone_office_hours_and_overrides() -> None:
    plan = load_plan(ROOT / "examples" / "plans" / "school.yaml")
    cal = WorkCalendar.for_plan(plan)
    assert cal.office_close == time(17, 0) and cal.timezone == "Asia/Shanghai"
    limits = plan.deadlines["L2"]
    post = sh(2026, 9, 30, 20, 0)  # the evening before National Day
    assert limits.first_answer_within is not None and limits.final_answer_within is not None
    assert deadline(post, limits.first_answer_within, cal) == sh(2026, 10, 1, 1, 0)
    assert deadline(post, limits.final_answer_within, cal) == sh(2026, 10, 13, 17, 0)


def test_next_fixed_time_of_day() -> None:
    times = [time(17, 0), time(11, 0)]
    assert next_fixed_time(sh(2026, 3, 2, 10, 59), times, CAL) == sh(2026, 3, 2, 11, 0)
    assert next_fixed_time(sh(2026, 3, 2, 11, 0), times, CAL) == sh(2026, 3, 2, 17, 0)
    assert next_fixed_time(sh(2026, 3, 2, 17, 30), times, CAL) == sh(2026, 3, 3, 11, 0)
    # 23:00 UTC is 07:00 the next day in Shanghai.
    late_utc = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    assert next_fixed_time(late_utc, times, CAL) == sh(2026, 3, 3, 11, 0)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(datetime(2026, 3, 2, 9, 0), rule("2 h"), CAL)
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(sh(2026, 3, 2, 9, 0), 0, CAL)
