from datetime import UTC, datetime

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.monitor.timeparse import parse_time
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
