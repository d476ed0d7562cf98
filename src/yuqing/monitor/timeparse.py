"""Times from outside: ISO 8601, RFC 2822 (feeds) and common Chinese forms.

CONTRACTS: a time without an offset means Asia/Shanghai (or the configured zone).
Results are aware UTC, with a year from 1900 to 2100: anything else is a typo or a
placeholder (`0000-01-01`, `9999-12-31`), and would misplace a post among recent ones.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

_CHINESE = re.compile(
    r"^(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*分?(?:\s*:?\s*(\d{1,2})\s*秒?)?)?$"
)
# What people write around a time that the parsers above do not read: the half of the
# day (`下午3:00`, `3:00 PM`), the zone as words (`UTC`, `GMT+8`, `北京时间`).
_MERIDIEM_EN = re.compile(r"(?<=\d)\s*([AaPp])\.?\s*[Mm]\.?(?=\s|$)")
_MERIDIEM_ZH = re.compile(r"(上午|早上|早晨|凌晨|中午|下午|傍晚|晚上)\s*(?=\d)")
_AFTERNOON = frozenset({"p", "P", "下午", "傍晚", "晚上"})
_MORNING = frozenset({"a", "A", "上午", "早上", "早晨", "凌晨"})
_UTC_WORD = re.compile(r"\s*[(（]?\s*(?:UTC|GMT)\s*(?:([+-])\s*(\d{1,2})(?::?(\d{2}))?)?\s*[)）]?$")
_BEIJING = re.compile(r"\s*[(（]?\s*北京时间\s*[)）]?\s*")
_BEIJING_ZONE = timezone(timedelta(hours=8))  # China has one offset, all year
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


_MONTH_NAME = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)
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
        if ":" in text or not _MONTH_NAME.search(text):
            return None
        try:  # a date alone, as English pages write it (`Dec 1, 2026`): its midnight
            parsed = parsedate_to_datetime(f"{text} 00:00")
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
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width digits, `：`
    if not _looks_iso(text):
        half, zone, text = _spoken_parts(text)
        if half is not None or zone is not None:
            parsed = _parse_plain(text, default_tz, field, value)
            if (half in _AFTERNOON and parsed.hour < 12) or (half == "中午" and parsed.hour < 6):
                parsed += timedelta(hours=12)
            elif half in _MORNING and parsed.hour == 12:  # 12:30 AM, 凌晨12点
                parsed -= timedelta(hours=12)
            if zone is not None and parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=zone)
            return _checked(parsed, default_tz, field, value)
    return _checked(_parse_plain(text, default_tz, field, value), default_tz, field, value)


_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _looks_iso(text: str) -> bool:
    """Plain ISO 8601 (the common case, for every post): nothing to take apart."""
    found = _ISO_START.match(text)
    return found is not None and (
        found.end() == len(text) or (text[found.end()] in "Z+-" and ":" in text[found.end() :])
    )


def _spoken_parts(text: str) -> tuple[str | None, tzinfo | None, str]:
    """The half of the day and the zone written as words, and the text without them."""
    zone: tzinfo | None = None
    if "北京时间" in text:
        text, zone = _BEIJING.sub(" ", text).strip(), _BEIJING_ZONE
    named = _UTC_WORD.search(text)
    if named is not None and named.start() > 0:
        sign, hours, minutes = named.groups()
        offset = timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
        if offset <= timedelta(hours=14):
            zone = timezone(-offset if sign == "-" else offset)
            text = text[: named.start()].strip()
    half: str | None = None
    found = _MERIDIEM_ZH.search(text) or _MERIDIEM_EN.search(text)
    if found is not None:
        half = found.group(1)
        text = (text[: found.start()] + " " + text[found.end() :]).strip()
        text = re.sub(r"\s+", " ", text)
    return half, zone, text


def _parse_plain(text: str, default_tz: str, field: str, value: str) -> datetime:
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
        if _EPOCH_TEXT.match(text):
            return _from_epoch(float(text), field)
        raise InvalidInput(
            _("field '{field}' is not a time: {value!r}").format(
                field=field, value=value.strip()[:60]
            )
        )
    return parsed


_EPOCH_TEXT = re.compile(r"\d+(?:\.\d+)?\Z", re.ASCII)


def _checked(parsed: datetime, default_tz: str, field: str, value: str) -> datetime:
    text = value.strip()
    if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
        raise InvalidInput(
            _("field '{field}' is not a plausible time (year {year}): {value!r}").format(
                field=field, year=parsed.year, value=text[:60]
            )
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_zone(default_tz))
    return parsed.astimezone(UTC)
