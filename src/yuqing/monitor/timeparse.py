"""Times from outside: ISO 8601, RFC 2822 (feeds) and common Chinese forms.

CONTRACTS: a time without an offset means Asia/Shanghai (or the configured zone).
Results are aware UTC, with a year from 1900 to 2100: anything else is a typo or a
placeholder (`0000-01-01`, `9999-12-31`), and would misplace a post among recent ones.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

_CHINESE = re.compile(
    r"^(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2}))?\s*秒?)?$"
)
# Unix seconds between 2000 and 2100; milliseconds are recognised by their size.
_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800
_FIRST_YEAR, _LAST_YEAR = 1900, 2100


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _from_epoch(value: float, field: str) -> datetime:
    if value > _EPOCH_MAX * 10:
        value /= 1000.0
    if not _EPOCH_MIN <= value <= _EPOCH_MAX:
        raise InvalidInput(
            _("field '{field}' is not a plausible Unix time: {value}").format(
                field=field, value=value
            )
        )
    return datetime.fromtimestamp(value, UTC)


def parse_time(value: Any, *, default_tz: str = "Asia/Shanghai", field: str = "time") -> datetime:
    """Parse a time given as text or Unix seconds; raise `InvalidInput` naming `field`."""
    if type(value) is str:  # the common case first: this runs for every post
        return _parse_text(value, default_tz, field)
    if isinstance(value, bool):
        raise InvalidInput(_("field '{field}' must be a time, not a boolean").format(field=field))
    if isinstance(value, int | float):
        return _from_epoch(float(value), field)
    if not isinstance(value, str):
        raise InvalidInput(
            _("field '{field}' must be a time string, not {type}").format(
                field=field, type=type(value).__name__
            )
        )
    return _parse_text(value, default_tz, field)


_ZONE_NAME = re.compile(r"\s([A-Z]{2,5})$")


def _rfc2822(text: str, default_tz: str) -> datetime | None:
    """An RFC 2822 time (feeds, mail). A zone named by an abbreviation the configured zone
    itself uses at that time is that zone: `CST` is US Central to RFC 2822, but the
    content systems of Chinese sites write it for China Standard Time, which is what an
    office in Asia/Shanghai reads; in America/Chicago it stays Central time.
    """
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    named = _ZONE_NAME.search(text)
    if named is not None:
        local = parsed.replace(tzinfo=_zone(default_tz))
        if local.tzname() == named.group(1):
            return local
    return parsed


def _parse_text(value: str, default_tz: str, field: str) -> datetime:
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        match = _CHINESE.match(text)
        if match:
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
            try:
                parsed = datetime(y, mo, d, h, mi, s)  # noqa: DTZ001 - zone added below
            except ValueError:
                parsed = None
        else:
            parsed = _rfc2822(text, default_tz)
    if parsed is None:
        if text.isascii() and text.isdigit():
            return _from_epoch(float(text), field)
        raise InvalidInput(
            _("field '{field}' is not a time: {value!r}").format(field=field, value=text[:60])
        )
    if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
        raise InvalidInput(
            _("field '{field}' is not a plausible time (year {year}): {value!r}").format(
                field=field, year=parsed.year, value=text[:60]
            )
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(default_tz))
    return parsed.astimezone(UTC)
