"""预案定期评审修订 (P1): when the plan is due for review, and when to remind."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from yuqing.plan.deadlines import WorkCalendar
from yuqing.plan.schema import Plan


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_due(plan: Plan, loaded_at: datetime) -> datetime:
    """Start of the day the next review is due (aware UTC): the last review, or else the
    day the plan was loaded, plus `review.every_months`."""
    cal = WorkCalendar.for_plan(plan)
    base = plan.review.last_reviewed or cal.local(loaded_at).date()
    return cal.at(_add_months(base, plan.review.every_months), time(0, 0))


def review_reminder_due(plan: Plan, loaded_at: datetime, now: datetime) -> bool:
    """Whether `now` is within `review.remind_days_before` of the review (or past it)."""
    due = next_review_due(plan, loaded_at)
    return now >= due - timedelta(days=plan.review.remind_days_before)
