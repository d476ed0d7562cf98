"""Time in the plan: deadlines per level, key dates, and the duty roster."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from yuqing.core.i18n import _
from yuqing.plan.base import Count, Duration, Id, Number, PlanModel, Text, TimeOfDay

DeadlineMode = Literal["wall_clock", "holidays_included", "working_days"]
_SHORTHAND = re.compile(r"^(?P<n>.+?)\s*(?P<mode>working days?|holidays included)$")

# chinese_calendar's names for the official holidays a key date may follow.
OfficialHoliday = Literal[
    "new_years_day",
    "spring_festival",
    "tomb_sweeping_day",
    "labour_day",
    "dragon_boat_festival",
    "mid_autumn_festival",
    "national_day",
]


class Deadline(PlanModel):
    """A time limit: `2 h`, `5 h holidays included`, `5 working days`, or the long form."""

    within: Duration
    mode: DeadlineMode = "wall_clock"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = " ".join(value.lower().split())
        match = _SHORTHAND.match(text)
        if match is None:
            return {"within": text}
        if match["mode"].startswith("working"):
            # "5 working days" counts days on the calendar of working days.
            return {"within": f"{match['n']} days", "mode": "working_days"}
        return {"within": match["n"], "mode": "holidays_included"}

    @model_validator(mode="after")
    def _possible(self) -> Deadline:
        if self.within <= timedelta(0):
            raise ValueError(_("a deadline must be longer than zero"))
        if self.mode == "working_days" and (self.within % timedelta(days=1)):
            raise ValueError(_("working days count whole days, e.g. '5 working days'"))
        return self

    @property
    def working_days(self) -> int:
        return self.within.days

    def nominal(self) -> timedelta:
        """The shortest this deadline can be, for comparing deadlines of different modes."""
        return self.within


class LevelDeadlines(PlanModel):
    """Reporting (inward and upward) and response (toward the public) limits of one level.

    All count from discovery except the answers, which count from the post (P2).
    """

    assess_within: Deadline | None = None  # on site and a risk assessment (P4: 20 min)
    report_within: Deadline | None = None  # first report to the office / leading group
    written_report_within: Deadline | None = None  # paper flash report (P2: 1 h)
    upward_report_within: Deadline | None = None  # to the bodies above (P4: 2 h)
    first_answer_within: Deadline | None = None  # a first public answer (P2: 5 h)
    formal_answer_within: Deadline | None = None  # formal answer, simple matters (P2: 24 h)
    final_answer_within: Deadline | None = None  # at the latest (P2: 5 working days)
    progress_reports_at: list[TimeOfDay] = Field(default_factory=list)  # P4: 11:00, 17:00
    closing_evaluation_within: Deadline | None = None  # after the end (P4: one week)

    @field_validator("progress_reports_at")
    @classmethod
    def _distinct_times(cls, value: list[Any]) -> list[Any]:
        if len(set(value)) != len(value):
            raise ValueError(_("progress report times must be distinct"))
        return sorted(value)


class DateSpan(PlanModel):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> DateSpan:
        if self.end < self.start:
            raise ValueError(_("a date span must end on or after its start"))
        return self


class AnnualSpan(PlanModel):
    """The same days every year, 'MM-DD' to 'MM-DD' (may run over New Year)."""

    start: str = Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
    end: str = Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class KeyDate(PlanModel):
    """A sensitive period (两会, 高考, 国庆, 春节, school holidays) and what it changes."""

    id: Id
    name: Text
    dates: list[DateSpan] = Field(default_factory=list)  # one-off spans
    annual: list[AnnualSpan] = Field(default_factory=list)  # every year
    holiday: OfficialHoliday | None = None  # the official span, from the calendar
    days_before: Count = Field(0, ge=0, le=60)  # widen `holiday` (and `dates`) by days
    days_after: Count = Field(0, ge=0, le=60)
    threshold_factor: Number = Field(1.0, gt=0, le=1)  # numeric thresholds x factor
    levels: list[Id] = Field(default_factory=list)  # levels whose thresholds drop; [] = all
    heightened_duty: bool = False

    @model_validator(mode="after")
    def _has_days(self) -> KeyDate:
        if not self.dates and not self.annual and self.holiday is None:
            raise ValueError(_("a key date needs `dates`, `annual` or `holiday`"))
        if self.threshold_factor == 1.0 and not self.heightened_duty:
            raise ValueError(_("a key date must lower thresholds or raise duty (or both)"))
        return self


class Shift(PlanModel):
    """People on duty between two times of day; `end` <= `start` runs past midnight."""

    name: Text
    start: TimeOfDay
    end: TimeOfDay
    people: list[Id] = Field(min_length=1)


def _minutes(shifts: list[Shift]) -> set[int]:
    covered: set[int] = set()
    for shift in shifts:
        start = shift.start.hour * 60 + shift.start.minute
        end = shift.end.hour * 60 + shift.end.minute
        length = (end - start) % 1440 or 1440  # start == end: the whole day
        covered.update((start + i) % 1440 for i in range(length))
    return covered


class Duty(PlanModel):
    """The duty roster: regular shifts, and extra shifts on key dates that raise duty."""

    round_the_clock: bool = True  # 24 小时值班 (all plans)
    shifts: list[Shift] = Field(min_length=1)
    heightened: list[Shift] = Field(default_factory=list)

    @model_validator(mode="after")
    def _covers_the_day(self) -> Duty:
        if self.round_the_clock:
            covered = _minutes(self.shifts)
            missing = sorted(set(range(1440)) - covered)
            if missing:
                # Name where the gap begins (after a shift ends), not merely the first minute.
                first = next((m for m in missing if (m - 1) % 1440 in covered), missing[0])
                raise ValueError(
                    _(
                        "round_the_clock duty leaves {time} uncovered; "
                        "expected shifts covering all 24 hours"
                    ).format(time=f"{first // 60:02d}:{first % 60:02d}")
                )
        return self
