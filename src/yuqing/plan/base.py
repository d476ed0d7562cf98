"""Building blocks shared by the plan's models: ids, times of day and durations."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

from yuqing.core.i18n import N_, _


class PlanModel(BaseModel):
    """Every plan model refuses unknown keys, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# Ids are referenced from other sections; plain ASCII keeps them easy to type and grep.
# Names carry the Chinese.
Id = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", min_length=1, max_length=64)
]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def _time_of_day(value: Any) -> Any:
    # Plans write "8:30" as often as "08:30"; pydantic's ISO parser takes only the latter.
    if isinstance(value, str):
        match = _TIME.match(value)
        if not match:
            raise ValueError(
                _("expected a time of day like '17:00', got {value!r}").format(value=value)
            )
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise ValueError(
                _("expected a time of day between 00:00 and 23:59, got {value!r}").format(
                    value=value
                )
            )
        return time(hour, minute)
    return value


TimeOfDay = Annotated[time, BeforeValidator(_time_of_day)]


def _not_a_yes(value: Any) -> Any:
    # YAML reads `true` and `false` as booleans, and pydantic would take them for 1 and 0:
    # `min_negative_share: true` would silently ask for a 100 % negative share.
    if isinstance(value, bool):
        raise ValueError(_("expected a number, got {value!r}").format(value=value))
    return value


# Whole and real numbers of a plan: as pydantic reads them ('100' included), but never
# `true` or `false`.
Count = Annotated[int, BeforeValidator(_not_a_yes)]
Number = Annotated[float, BeforeValidator(_not_a_yes)]

_UNITS = {
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "m": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$")
# The units are plan syntax, which stays English whatever the language of the messages.
DURATION_HELP = N_("expected a duration like '30 min', '2 h' or '7 days', got {value!r}")


MAX_DURATION = timedelta(days=3660)  # ten years: longer than any time limit of a plan


def parse_duration(value: Any) -> Any:
    """'30 min', '2h', '1.5 hours', '7 days' -> timedelta; other values pass to pydantic."""
    if isinstance(value, str):
        match = _DURATION.match(value.lower())
        if not match or match[2] not in _UNITS:
            raise ValueError(_(DURATION_HELP).format(value=value))
        seconds = float(match[1]) * _UNITS[match[2]]
        if seconds > MAX_DURATION.total_seconds():
            # A typo (`99999999999 days`): timedelta overflows, a deadline that far never
            # comes, and counting working days to it would take minutes.
            message = _("a duration of at most {days} days, got {value!r}")
            raise ValueError(message.format(days=MAX_DURATION.days, value=value))
        return timedelta(seconds=seconds)
    if isinstance(value, bool):
        raise ValueError(_(DURATION_HELP).format(value=value))
    if isinstance(value, int | float):
        # A bare number is ambiguous (minutes? hours?); make the plan say.
        message = _(
            "expected a duration like '30 min', '2 h' or '7 days' with its unit, "
            "got the bare number {value}"
        )
        raise ValueError(message.format(value=value))
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def format_duration(delta: timedelta) -> str:
    """A timedelta the way a plan writes it: '30 min', '2 h', '7 days'."""
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0 and seconds > 86400:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
