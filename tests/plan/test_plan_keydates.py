"""Key dates lower thresholds and raise duty as the plan says; the review reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tests.conftest import ROOT
from yuqing.plan.keydates import effective_criteria, key_dates_on, on_duty, threshold_factor
from yuqing.plan.loading import load_plan
from yuqing.plan.review import next_review_due, review_reminder_due

EXAMPLES = ROOT / "examples" / "plans"
SH = ZoneInfo("Asia/Shanghai")
BUREAU = load_plan(EXAMPLES / "county_bureau.yaml")
TOWNSHIP = load_plan(EXAMPLES / "township.yaml")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(UTC)


def ids(day: date) -> list[str]:
    return [k.id for k in key_dates_on(BUREAU, day)]


def test_annual_and_official_holiday_spans() -> None:
    assert ids(date(2026, 3, 5)) == ["lianghui"]
    assert ids(date(2026, 6, 7)) == ["gaokao"]
    assert ids(date(2026, 10, 3)) == ["national_day"]
    assert ids(date(2026, 10, 8)) == []
    # 春节 2026 is 15–23 Feb; the plan starts three days early.
    assert ids(date(2026, 2, 12)) == ["spring_festival"]
    assert ids(date(2026, 2, 11)) == []
    assert ids(date(2026, 2, 23)) == ["spring_festival"]
    assert ids(date(2026, 2, 24)) == []


def test_key_dates_lower_numeric_thresholds() -> None:
    lianghui = date(2026, 3, 5)
    assert threshold_factor(BUREAU, "II", lianghui) == 0.5
    # In the level's groups too: 重点领域 spreading at 30 posts an hour, not 60.
    assert effective_criteria(BUREAU, "II", lianghui).any_of[1].min_posts_per_hour == 30
    assert effective_criteria(BUREAU, "I", lianghui).any_of[1].min_negative_share == 0.25
    assert effective_criteria(BUREAU, "III", lianghui).min_sites == 2  # ceil(3 x 0.5)
    assert effective_criteria(BUREAU, "IV", lianghui).min_posts == 1  # never below 1
    ordinary = date(2026, 4, 15)
    assert effective_criteria(BUREAU, "II", ordinary) == BUREAU.grading["II"]


def test_key_dates_can_apply_to_some_levels_only() -> None:
    flood = date(2026, 7, 1)
    assert threshold_factor(TOWNSHIP, "orange", flood) == 0.7
    assert threshold_factor(TOWNSHIP, "blue", flood) == 1.0
    # Reach is a count, lowered like posts: 10,000 x 0.7.
    assert effective_criteria(TOWNSHIP, "orange", flood).any_of[2].min_reach == 7_000
    assert TOWNSHIP.grading["orange"].any_of[2].min_reach == 10_000


def test_duty_roster_and_heightened_duty() -> None:
    assert on_duty(BUREAU, sh(2026, 4, 15, 10, 0)) == ["sun_li", "zhou_jie"]
    assert on_duty(BUREAU, sh(2026, 4, 15, 23, 0)) == ["zheng_yun", "he_tao"]
    assert on_duty(BUREAU, sh(2026, 10, 3, 23, 0)) == ["zheng_yun", "he_tao", "xu_bo", "lin_na"]


def test_next_review_due_from_last_review() -> None:
    due = next_review_due(BUREAU, loaded_at=sh(2026, 3, 2, 9, 0))
    assert due == sh(2027, 1, 15, 0, 0)  # last reviewed 2026-01-15, every 12 months
    assert not review_reminder_due(BUREAU, sh(2026, 3, 2, 9, 0), now=sh(2026, 12, 15, 23, 59))
    assert review_reminder_due(BUREAU, sh(2026, 3, 2, 9, 0), now=sh(2026, 12, 16, 0, 0))


def test_next_review_due_from_loading_when_never_reviewed() -> None:
    plan = BUREAU.model_copy(
        update={
            "review": BUREAU.review.model_copy(update={"last_reviewed": None, "every_months": 6})
        }
    )
    assert next_review_due(plan, loaded_at=sh(2026, 8, 31, 12, 0)) == sh(2027, 2, 28, 0, 0)
