"""`report_schedules:` in a plan: which period reports are generated when, in which
formats, and who receives them over which channels (docs/plans.md, docs/reports.md).

Optional: a plan without it generates nothing on its own. Recipients are the plan's
people, roles and units (the same `{person}` / `{role, unit}` / `{unit}` as routes) and
outside e-mail addresses; channels are the alert channels that can carry a report
(e-mail with the files attached, a link in group-robot messages).
"""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field, field_validator, model_validator

from yuqing.core.i18n import _
from yuqing.plan.base import Count, Id, PlanModel, TimeOfDay
from yuqing.plan.handling import Recipient

ScheduledKind = Literal["daily", "weekly", "monthly", "bulletin"]
ReportFormat = Literal["pdf", "docx", "html", "json"]
ReportChannel = Literal["email", "wecom", "dingtalk", "feishu"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def _pdf() -> list[ReportFormat]:
    return ["pdf"]


def _email() -> list[ReportChannel]:
    return ["email"]


class ReportSchedule(PlanModel):
    """One scheduled report: `weekly` every Monday at 08:00, as PDF, to the leaders."""

    id: Id
    kind: ScheduledKind
    at: TimeOfDay = time(8, 0)  # local time of day, in the plan's zone
    # Weekly and bulletin reports: the day of the week (Monday by default).
    weekday: Weekday | None = None
    # Monthly reports: the day of the month (the 1st by default; at most 28, every month has it).
    day_of_month: Count | None = Field(None, ge=1, le=28)
    # Only on working days by the official calendar (调休 and the plan's overrides
    # included): a due day that is a holiday or weekend is skipped, not moved.
    working_days: bool = False
    formats: list[ReportFormat] = Field(default_factory=_pdf, min_length=1)
    watch: str | None = None  # only the posts of this watch (all posts when absent)
    # Only the events routed to this department (its id): that department's briefing.
    department: str | None = Field(None, min_length=1, max_length=100)
    recipients: list[Recipient] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)  # outside mailboxes the plan names
    channels: list[ReportChannel] = Field(default_factory=_email, min_length=1)

    @field_validator("formats", "channels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(_("each entry may be listed once"))
        return value

    @field_validator("emails")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address or address.startswith("@") or any(c.isspace() for c in address):
                raise ValueError(
                    _("expected an e-mail address, got {value!r}").format(value=address)
                )
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> ReportSchedule:
        if self.weekday is not None and self.kind not in ("weekly", "bulletin"):
            raise ValueError(
                _("weekday applies to weekly and bulletin reports, not {kind!r}").format(
                    kind=self.kind
                )
            )
        if self.day_of_month is not None and self.kind != "monthly":
            raise ValueError(
                _("day_of_month applies to monthly reports, not {kind!r}").format(kind=self.kind)
            )
        if not self.recipients and not self.emails:
            raise ValueError(_("a report schedule needs recipients or emails"))
        if self.emails and "email" not in self.channels:
            raise ValueError(_("emails are listed but the channels do not include email"))
        return self

    @property
    def weekday_number(self) -> int:
        """0 = Monday, as `date.weekday()` counts."""
        return WEEKDAYS.index(self.weekday or "monday")

    @property
    def month_day(self) -> int:
        return self.day_of_month or 1
