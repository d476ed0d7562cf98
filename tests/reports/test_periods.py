"""The period each kind covers by default, in the plan's days."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.reports.periods import check_kind, default_period, resolve_period

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 4 March 2026, 07:30 in Shanghai (still 3 March in UTC).
NOW = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        ("daily", "2026-03-03", "2026-03-04"),
        ("weekly", "2026-02-23", "2026-03-02"),  # last Monday to Sunday
        ("monthly", "2026-02-01", "2026-03-01"),
        ("bulletin", "2026-02-25", "2026-03-04"),  # the last seven days
    ],
)
def test_the_period_that_ended_last(kind: str, start: str, end: str) -> None:
    period = default_period(kind, now=NOW, zone=SHANGHAI)
    assert (period.start.isoformat(), period.end.isoformat()) == (
        f"{start}T00:00:00+08:00",
        f"{end}T00:00:00+08:00",
    )


def test_a_monthly_report_in_january_covers_december() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    period = default_period("monthly", now=now, zone=SHANGHAI)
    assert (period.start.date().isoformat(), period.end.date().isoformat()) == (
        "2025-12-01",
        "2026-01-01",
    )


def test_a_missing_end_comes_from_the_default() -> None:
    start = datetime(2026, 3, 1, tzinfo=SHANGHAI)
    period = resolve_period("daily", start=start, end=None, now=NOW, zone=SHANGHAI)
    assert period.end == datetime(2026, 3, 4, tzinfo=SHANGHAI)
    assert [d.isoformat() for d in period.days] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
    ]


def test_an_inverted_or_empty_period_is_refused() -> None:
    when = datetime(2026, 3, 1, tzinfo=SHANGHAI)
    with pytest.raises(InvalidInput, match="--from"):
        resolve_period("daily", start=when, end=when, now=NOW, zone=SHANGHAI)


def test_an_unknown_kind_is_refused_and_the_incident_kinds_are_known() -> None:
    with pytest.raises(InvalidInput, match="x"):
        check_kind("x")
    for kind in ("special", "flash", "initial", "progress", "closing"):
        check_kind(kind)  # they need --incident: tests/reports/test_incident_reports.py


def test_two_years_are_the_longest_period() -> None:
    start = datetime(2024, 3, 1, tzinfo=SHANGHAI)
    two_years = resolve_period("weekly", start=start, end=datetime(2026, 3, 1, tzinfo=SHANGHAI),
                               now=NOW, zone=SHANGHAI)  # fmt: skip
    assert len(two_years.days) == 730
    with pytest.raises(InvalidInput, match="731"):
        resolve_period("weekly", start=start, end=datetime(2026, 3, 3, tzinfo=SHANGHAI),
                       now=NOW, zone=SHANGHAI)  # fmt: skip
