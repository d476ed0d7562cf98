"""`risks:` in a plan: when each month the risk register's lead departments are reminded
of a point's monthly status not yet recorded (docs/risks.md, docs/plans.md).

Optional: a plan without it reminds on the 25th at 09:00 (the plan's time zone), by
e-mail; `status_due_day: null` turns the reminder off.
"""

from __future__ import annotations

from datetime import time

from pydantic import Field, field_validator

from yuqing.core.i18n import _
from yuqing.plan.base import Count, PlanModel, TimeOfDay
from yuqing.plan.handling import Channel


def _email() -> list[Channel]:
    return ["email"]


class RiskRules(PlanModel):
    """The `risks:` section; every field has a default."""

    # The day of the month the monthly status is due (at most 28: every month has it);
    # null: no reminders.
    status_due_day: Count | None = Field(25, ge=1, le=28)
    status_remind_at: TimeOfDay = time(9, 0)  # local time of that day
    # How the lead department's people are reached, addressed as routes address them
    # (e-mail and SMS to each person, a group robot once for the unit). E-mail by
    # default: paperwork due is no alarm, and it reaches everyone with an address.
    status_channels: list[Channel] = Field(default_factory=_email, min_length=1)

    @field_validator("status_channels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(_("each entry may be listed once"))
        return value
