import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.monitor.timeparse import is_relative, parse_time
from yuqing.monitor.urls import canonical_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTPS://News.Example.COM:443/a/b?id=3&utm_medium=x#frag",
            "https://news.example.com/a/b?id=3",
        ),
        ("http://example.com", "http://example.com/"),
        (
            "https://mp.weixin.qq.com/s?__biz=1&mid=2&scene=21&sharer_sharetime=9",
            "https://mp.weixin.qq.com/s?__biz=1&mid=2",
        ),
        ("https://example.com:8080/x?fbclid=1", "https://example.com:8080/x"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_relative_links_resolve_against_the_base() -> None:
    assert (
        canonical_url("../b.html", base="https://e.com/news/a/x.html")
        == "https://e.com/news/b.html"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tue, 03 Mar 2026 08:00:00 GMT", datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),
        ("2026-03-03T08:00:00+08:00", datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),
        ("2026/3/3 8:00", datetime(2026, 3, 3, 0, 0, tzinfo=UTC)),
        (1772524800, datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),
        (1772524800000, datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),
    ],
)
def test_times(raw: object, expected: datetime) -> None:
    assert parse_time(raw) == expected


@pytest.mark.parametrize("raw", ["soon", "2026-13-45", True, [], 12])
def test_bad_times_name_the_field(raw: object) -> None:
    with pytest.raises(InvalidInput, match="published_at"):
        parse_time(raw, field="published_at")


def test_a_zone_abbreviation_the_configured_zone_uses_is_that_zone() -> None:
    # Chinese sites' content systems write CST for China Standard Time; RFC 2822 says US
    # Central. An office in Asia/Shanghai reads Beijing time, one in Chicago Central time.
    cst = "Mon, 02 Mar 2026 10:00:00 CST"
    assert parse_time(cst) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert parse_time(cst, default_tz="America/Chicago") == datetime(2026, 3, 2, 16, tzinfo=UTC)
    # Other abbreviations and numeric offsets keep their RFC 2822 meaning.
    assert parse_time("Mon, 02 Mar 2026 10:00:00 EST") == datetime(2026, 3, 2, 15, tzinfo=UTC)
    assert parse_time("Mon, 02 Mar 2026 10:00:00 -0600") == datetime(2026, 3, 2, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "beijing"),
    [
        # qa11: `3:00 PM` was read as 03:00, twelve hours off, without a word.
        ("December 1, 2026 3:00 PM", "2026-12-01 15:00"),
        ("Dec 1, 2026 3:00 pm GMT", "2026-12-01 23:00"),
        ("2026-12-01 12:00 AM", "2026-12-01 00:00"),
        # Forms of exports and Chinese pages that were refused, costing their post.
        ("2026-12-01 下午3:00", "2026-12-01 15:00"),
        ("2026年12月1日 上午10:00", "2026-12-01 10:00"),
        ("2026年12月1日 中午1:30", "2026-12-01 13:30"),
        ("2026年12月1日 凌晨12:30", "2026-12-01 00:30"),
        ("2026年12月1日10时30分", "2026-12-01 10:30"),
        ("2026年12月1日 10点30分15秒", "2026-12-01 10:30"),
        ("2026-12-01 10:00:00 UTC", "2026-12-01 18:00"),
        ("2026-12-01T10:00:00 GMT+8", "2026-12-01 10:00"),
        ("2026-12-01 10:00:00 (UTC-5)", "2026-12-01 23:00"),
        ("北京时间2026年12月1日 15:00", "2026-12-01 15:00"),
        ("2026年12月1日 15:00（北京时间）", "2026-12-01 15:00"),
        ("Dec 1, 2026", "2026-12-01 00:00"),
        ("1 December 2026", "2026-12-01 00:00"),
        ("１７６４５５４４００", "2025-12-01 10:00"),
        ("1764554400.5", "2025-12-01 10:00"),
    ],
)
def test_times_as_people_and_pages_write_them(raw: str, beijing: str) -> None:
    got = parse_time(raw, field="published_at").astimezone(ZoneInfo("Asia/Shanghai"))
    assert got.strftime("%Y-%m-%d %H:%M") == beijing


@pytest.mark.parametrize("raw", ["12/01/2026", "PM", "May", "3分钟前", "下午"])
def test_times_with_no_certain_meaning_are_still_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match="published_at"):
        parse_time(raw, field="published_at")


READ_AT = datetime(2026, 12, 7, 1, 45, tzinfo=UTC)  # 09:45 in Beijing


@pytest.mark.parametrize(
    ("raw", "beijing"),
    [
        ("3分钟前", "2026-12-07 09:42"),
        ("３ 分钟之前", "2026-12-07 09:42"),
        ("十五分钟前", "2026-12-07 09:30"),
        ("两小时前", "2026-12-07 07:45"),
        ("半小时前", "2026-12-07 09:15"),
        ("1天前", "2026-12-06 09:45"),
        ("刚刚", "2026-12-07 09:45"),
        ("2 hours ago", "2026-12-07 07:45"),
        ("an hour ago", "2026-12-07 08:45"),
        ("昨天 14:20", "2026-12-06 14:20"),
        ("昨天下午3:00", "2026-12-06 15:00"),
        ("前天", "2026-12-05 00:00"),
        ("今天 上午8:05", "2026-12-07 08:05"),
        ("yesterday 14:20", "2026-12-06 14:20"),
        ("12-06 10:00", "2026-12-06 10:00"),
        ("12月6日 上午9:30", "2026-12-06 09:30"),
        ("12月31日 23:00", "2025-12-31 23:00"),  # not after the reading: last year's
        ("12月8日 08:00", "2026-12-08 08:00"),  # a day ahead at most: a clock's skew
    ],
)
def test_times_relative_to_their_reading(raw: str, beijing: str) -> None:
    got = parse_time(raw, field="published_at", now=READ_AT)
    assert got.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M") == beijing
    assert is_relative(raw)


@pytest.mark.parametrize("raw", ["99999天前", "13-45 10:00", "昨天 25:00", "几分钟前"])
def test_relative_looking_nonsense_is_refused_naming_the_value(raw: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(repr(raw))):
        parse_time(raw, field="published_at", now=READ_AT)
    assert not is_relative(raw)
