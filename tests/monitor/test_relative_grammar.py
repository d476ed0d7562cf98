"""One grammar of relative times (`timeparse.RELATIVE`): a whole field and running text
read the same forms."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yuqing.monitor.connectors import pagerelative
from yuqing.monitor.connectors.pagedate import time_of
from yuqing.monitor.timeparse import RELATIVE, relative_time

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def test_pages_search_with_the_grammar_fields_are_read_by() -> None:
    spans = list(pagerelative.relative_spans("楼主：张三 | 发表于 3分钟前 | 昨天 14:20"))
    assert [span.text for span in spans] == ["3分钟前", "昨天 14:20"]
    assert all(RELATIVE.fullmatch(span.text) for span in spans)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12月6日10:00", "2026-12-06T02:00:00+00:00"),  # no space after 日
        ("just  now", "2026-12-07T02:00:00+00:00"),
    ],
)
def test_a_field_and_a_page_read_the_same_forms(value: str, expected: str) -> None:
    assert relative_time(value, now=NOW) == datetime.fromisoformat(expected)
    assert time_of(f"发布时间：{value}", "Asia/Shanghai", now=NOW) == expected


@pytest.mark.parametrize("value", ["1-2日", "12-06日 10:00", "12-0610:00", "now and then"])
def test_a_day_range_or_run_together_digits_are_no_relative_time(value: str) -> None:
    assert relative_time(value, now=NOW) is None
