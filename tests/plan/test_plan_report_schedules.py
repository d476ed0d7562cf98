"""`report_schedules:` in a plan: the examples' schedules load, and each mistake is named
with its line, like every other section."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from tests.conftest import ROOT
from yuqing.plan.deadlines import WorkCalendar
from yuqing.plan.loading import load_plan, parse_plan
from yuqing.reports.schedules.service import due_times, recipients

SCHOOL = (ROOT / "examples/plans/school.yaml").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_LANG", "en")


def with_schedules(section: str) -> str:
    """The school plan with its `report_schedules:` replaced by `section`."""
    return SCHOOL.split("\nreport_schedules:")[0] + "\n" + section


def problems(text: str) -> list[str]:
    plan, found = parse_plan(text, file="plan.yaml")
    assert plan is None
    return [str(p) for p in found]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_school_plan_schedules_a_daily_weekly_and_monthly_report() -> None:
    plan = load_plan(ROOT / "examples/plans/school.yaml")
    kinds = {s.id: (s.kind, s.at, s.working_days) for s in plan.report_schedules}
    assert kinds == {
        "daily_briefing": ("daily", time(8, 0), True),
        "weekly_briefing": ("weekly", time(8, 0), False),
        "monthly_report": ("monthly", time(9, 0), False),
    }
    monthly = next(s for s in plan.report_schedules if s.kind == "monthly")
    addresses = {r.address for r in recipients(plan, monthly)}
    assert "jyj-xcb@mdx.example.cn" in addresses and "liuyang@mdyz.example.cn" in addresses


def test_due_times_fall_on_the_kinds_days_in_the_plans_zone() -> None:
    plan = load_plan(ROOT / "examples/plans/school.yaml")
    calendar = WorkCalendar.for_plan(plan)
    weekly, monthly = plan.report_schedules[1], plan.report_schedules[2]
    start, end = datetime(2026, 2, 25, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    assert [d.isoformat() for d in due_times(weekly, calendar, start, end)] == [
        "2026-03-02T00:00:00+00:00",  # Monday 08:00 in Shanghai
        "2026-03-09T00:00:00+00:00",
    ]
    assert [d.isoformat() for d in due_times(monthly, calendar, start, end)] == [
        "2026-03-01T01:00:00+00:00"  # the 1st, 09:00 in Shanghai
    ]


def test_field_mistakes_are_named_with_their_line() -> None:
    text = with_schedules(
        "report_schedules:\n"
        "  - id: weekly\n"
        "    kind: weekly\n"
        "    day_of_month: 3\n"
        "    recipients: [{role: leader}]\n"
        "  - id: daily\n"
        "    kind: daly\n"
        "    recipients: [{role: leader}]\n"
        "  - id: monthly\n"
        "    kind: monthly\n"
        "    at: '25:00'\n"
        "    formats: [pdf, xls]\n"
        "    emails: [not-an-address]\n"
        "    channels: [sms]\n"
    )
    found = problems(text)
    weekly = line_of(text, "- id: weekly")
    assert any(
        p.startswith(f"plan.yaml:{weekly}: report_schedules[0]: day_of_month applies")
        for p in found
    )
    assert any(p.startswith(f"plan.yaml:{line_of(text, 'kind: daly')}:") for p in found)
    assert any(p.startswith(f"plan.yaml:{line_of(text, '25:00')}:") for p in found)
    assert any(p.startswith(f"plan.yaml:{line_of(text, 'xls')}:") for p in found)
    assert any(
        p.startswith(f"plan.yaml:{line_of(text, 'not-an-address')}:") and "e-mail" in p
        for p in found
    )
    assert any(p.startswith(f"plan.yaml:{line_of(text, '[sms]')}:") for p in found)


def test_unknown_people_and_roles_are_named_with_their_line() -> None:
    text = with_schedules(
        "report_schedules:\n"
        "  - id: weekly\n"
        "    kind: weekly\n"
        "    recipients:\n"
        "      - {person: nobody}\n"
        "      - {role: astronaut}\n"
        "  - id: weekly\n"
        "    kind: weekly\n"
        "    emails: [office@mdyz.example.cn]\n"
    )
    found = problems(text)
    assert f"plan.yaml:{line_of(text, 'nobody')}: report_schedules[0].recipients[0].person:" in (
        " ".join(found)
    )
    assert any(p.startswith(f"plan.yaml:{line_of(text, 'astronaut')}:") for p in found)
    assert any("duplicate report schedule id 'weekly'" in p for p in found)
