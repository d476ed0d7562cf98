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
_HALF_DAY = r"上午|早上|早晨|凌晨|中午|下午|傍晚|晚上"
_MERIDIEM_ZH = re.compile(r"(" + _HALF_DAY + r")\s*(?=\d)")
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


def parse_time(
    value: Any,
    *,
    default_tz: str = "Asia/Shanghai",
    field: str = "time",
    now: datetime | None = None,
) -> datetime:
    """Parse a time given as text or Unix seconds; raise `InvalidInput` naming `field`.

    With `now` (when the post was received), a time written relative to it is read too:
    `3分钟前`, `刚刚`, `昨天 14:20`, a date without its year (`12-06 10:00`); see
    `relative_time`. Without it, such a text is refused: it says nothing certain.
    """
    if type(value) is str:  # the common case first: this runs for every post
        try:
            return _parse_text(value, default_tz, field)
        except InvalidInput:
            if now is None:
                raise
            found = relative_time(value, now=now, default_tz=default_tz, field=field)
            if found is None:
                raise
            return found
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


# Times written relative to when they were read, as Weibo, forums and list pages show
# them: `3分钟前`, `半小时前`, `刚刚`, `昨天 14:20`, `前天`, `3 hours ago`, `12-06 10:00`.
_NUMERALS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNIT_SECONDS = {
    "秒": 1, "秒钟": 1, "分": 60, "分钟": 60, "小时": 3600, "钟头": 3600, "天": 86400,
    "日": 86400, "周": 604800, "星期": 604800, "礼拜": 604800, "sec": 1, "second": 1,
    "min": 60, "minute": 60, "hr": 3600, "hour": 3600, "day": 86400, "week": 604800,
}  # fmt: skip
_DAYS_BACK = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}
# The clock after a day word or a date, as running text shows it (`14:20`, `下午3:00`).
_CLOCK = (
    r"\s*(?:" + _HALF_DAY + r")?\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?"
)
# The one grammar of relative times, for a whole field (`relative_time`, with `match`:
# after a day word or a date, the rest of the field is read as a clock time) and for
# search inside text (`pagerelative`, where the clock, if any, is `day_clock`/`date_clock`).
RELATIVE = re.compile(
    r"(?P<ago>(?P<amount>\d{1,4}|[一二两三四五六七八九十]{1,3}|半)\s*个?\s*"
    r"(?P<unit>秒钟?|分钟?|小时|钟头|天|日|周|星期|礼拜)\s*[以之]?前"
    r"|(?P<amount_en>\d{1,4}|an?)\s*(?P<unit_en>sec|second|min|minute|hr|hour|day|week)s?\.?"
    r"\s+ago"
    r"|(?P<just_now>刚刚|刚才|just\s+now))"
    r"|(?P<day>" + "|".join(_DAYS_BACK) + r")(?P<day_clock>" + _CLOCK + r")?"
    # A date without its year, not part of a longer date, a range or a number: `12-06`,
    # `12月6日` (a clock may follow 日 at once: `12月6日10:00`).
    r"|(?P<date>(?<![\d/.\-年])(?P<month>\d{1,2})\s*"
    r"(?:[-/]\s*(?P<month_day>\d{1,2})(?![\d/.\-])"
    r"|月\s*(?P<month_day_zh>\d{1,2})(?:\s*日(?![/.\-])|\s*日?(?![\d/.\-]))))"
    r"(?P<date_clock>" + _CLOCK + r")?",
    re.IGNORECASE,
)
_MAX_AGO = timedelta(days=3660)


def _numeral(text: str) -> float:
    if text.isdigit():
        return float(text)
    if text == "半":
        return 0.5
    if text.lower() in ("a", "an"):
        return 1.0
    tens, _sep, ones = text.partition("十")
    if not _sep:
        return float(_NUMERALS[text]) if text in _NUMERALS else -1.0
    return float((_NUMERALS.get(tens, -99) if tens else 1) * 10 + _NUMERALS.get(ones, 0))


def relative_time(
    value: str, *, now: datetime, default_tz: str = "Asia/Shanghai", field: str = "time"
) -> datetime | None:
    """A time written relative to `now` (aware), or None when `value` is not one.

    - `N秒/分钟/小时/天/周前` (digits or a Chinese numeral, `半小时前`), `3 hours ago`:
      `now` less that much; `刚刚`, `刚才`: `now`.
    - `今天`, `昨天`, `前天` (with a time or not: `昨天 14:20`, `昨天下午3:00`): that day in
      `default_tz`, at the time given (else its midnight, as any date alone).
    - a date without its year (`12-06 10:00`, `12月6日 上午9:30`): the latest such date
      that is not after `now` by more than a day.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    found = RELATIVE.match(text)
    if found is None:  # `now` alone is a time only as a whole field: in text, a word
        return now.astimezone(UTC) if text.lower() == "now" else None
    if found.group("ago"):
        if found.end() != len(text):
            return None
        return now.astimezone(UTC) if found.group("just_now") else _ago(found, now)
    local = now.astimezone(_zone(default_tz))
    if found.group("day"):
        date = (local - timedelta(days=_DAYS_BACK[found.group("day").lower()])).date()
        rest = text[found.end("day") :].strip()
        try:
            return _parse_text(f"{date.isoformat()} {rest}".strip(), default_tz, field)
        except InvalidInput:
            return None  # the caller names the value as written
    month = int(found.group("month"))
    day_of_month = int(found.group("month_day") or found.group("month_day_zh"))
    rest = text[found.end("date") :].strip()
    for year in (local.year + 1, local.year, local.year - 1):
        written = f"{year}年{month}月{day_of_month}日 {rest}".strip()
        try:
            moment = _parse_text(written, default_tz, field)
        except InvalidInput:
            return None
        if moment <= now + timedelta(days=1):
            return moment
    return None


def _ago(found: re.Match[str], now: datetime) -> datetime | None:
    amount = _numeral(found.group("amount") or found.group("amount_en"))
    unit = (found.group("unit") or found.group("unit_en")).lower()
    if amount < 0 or (delta := timedelta(seconds=amount * _UNIT_SECONDS[unit])) > _MAX_AGO:
        return None
    return (now - delta).astimezone(UTC)


def is_relative(value: str, *, default_tz: str = "Asia/Shanghai") -> bool:
    """Whether `value` is a time written relative to when it was read (`relative_time`):
    a connector that knows no fetch time passes it on as written, for the pipeline to
    read against the moment the post was received."""
    reference = datetime(2026, 6, 15, tzinfo=UTC)  # any moment: only the form matters
    return relative_time(value, now=reference, default_tz=default_tz) is not None
