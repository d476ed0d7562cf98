"""The figures of docs/assessment.md, exactly: the scenario on both stores, and the rules
the service cannot produce (it refuses an unapproved statement) on rows built by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.assessment.conftest import START, Scenario
from yuqing.assessment import service
from yuqing.assessment.loading import people_names
from yuqing.assessment.service import AlertRow, Period, ReplyRow, Rows, StatementRow
from yuqing.core.errors import InvalidInput

DAY = Period(datetime(2026, 3, 1, 16, 0, tzinfo=UTC), datetime(2026, 3, 2, 16, 0, tzinfo=UTC))


def test_each_department_and_person(scenario: Scenario) -> None:
    w = scenario.world
    result = service.assess(session=w.session, clock=w.clock, period=DAY)
    assert result.as_of == START + timedelta(hours=3)
    office, edu = (
        next(d for d in result.departments if d.department == n) for n in ("office", "edu")
    )
    # office: 4 report clocks of level I due by 12:00 — initial met, flash 30 min late,
    # special and progress #1 never submitted.
    assert (office.reports_due, office.on_time, office.late, office.late_minutes, office.missed) == (
        4, 1, 1, 30, 2)  # fmt: skip
    assert office.on_time_rate == 0.25
    assert (office.contradicted, office.replies_without_statement) == (1, 1)
    assert (office.incidents_led, office.incidents_helped, office.missed_alerts) == (1, 0, 0)
    assert office.ack_minutes.model_dump() == {"count": 1, "median": 5.0, "p90": 5.0}
    assert office.incident_minutes.model_dump() == {"count": 1, "median": 10.0, "p90": 10.0}
    # edu: level III's initial (met at 09:10, due 21:00) and the four clocks level I
    # restarted at 09:20, all met; its initial report said 较大 and level I came after.
    assert (edu.reports_due, edu.on_time, edu.late, edu.missed, edu.on_time_rate) == (
        5,
        5,
        0,
        0,
        1.0,
    )
    assert (edu.incidents_led, edu.incidents_helped, edu.contradicted) == (1, 1, 1)
    # The level II alert of ev-3 (routed to edu) had no incident by 11:00.
    assert edu.missed_alerts == 1
    assert edu.ack_minutes.model_dump() == {"count": 1, "median": 6.0, "p90": 6.0}
    total = result.total
    assert (total.reports_due, total.on_time, total.late, total.missed) == (9, 6, 1, 2)
    assert total.on_time_rate == round(6 / 9, 4)
    assert total.ack_minutes.model_dump() == {"count": 2, "median": 5.5, "p90": 6.0}
    people = {p.person: p for p in result.people}
    owner = people["monitor1"]  # owns the office's case: its clocks are theirs
    assert (owner.incidents_owned, owner.reports_due, owner.on_time, owner.missed) == (1, 4, 1, 2)
    assert (owner.alerts_acknowledged, owner.ack_minutes.median) == (2, 5.5)
    clerk = people["duty_office"]  # submitted every report; two of them contradicted later
    assert (clerk.incidents_owned, clerk.reports_submitted, clerk.contradicted) == (1, 8, 2)
    kinds = [(i.kind, i.department, i.what) for i in result.items]
    assert kinds == [
        ("late", "office", "report:flash"),
        ("missed", "office", "report:special"),
        ("missed", "office", "report:progress"),
        ("missed_alert", "edu", "重大"),
        ("corrected", "office", "harm"),
        ("level_rose", "edu", "较大 → 特别重大"),
        ("reply_without_statement", "office", ""),
    ]
    late = result.items[0]
    assert (late.incident_id, late.late_minutes) == (scenario.a, 30)
    assert result.items[3].alert_id == scenario.missed_alert
    assert result.items[5].incident_id == scenario.b


def test_one_department(scenario: Scenario) -> None:
    w = scenario.world
    result = service.assess(session=w.session, clock=w.clock, period=DAY, department="edu")
    # edu helps with the office's case: counted as helped, its clocks stay the office's.
    assert [d.department for d in result.departments] == ["edu"]
    assert (result.total.reports_due, result.total.missed_alerts) == (5, 1)
    assert {i.department for i in result.items} == {"edu"}


def test_nothing_due_before_the_deadlines(scenario: Scenario) -> None:
    w = scenario.world
    early = Period(DAY.start, START + timedelta(minutes=45))
    result = service.assess(session=w.session, clock=w.clock, period=early)
    # Only what was done by 09:45 or due by then: the clocks due 10:00 are not yet due.
    assert result.total.missed == 0
    assert result.total.missed_alerts == 0


def _rows() -> Rows:
    rows = Rows()
    rows.incidents.append(
        service.IncidentRow(1, "t", "office", (), "zhao", START, START, START + timedelta(hours=2))
    )
    return rows


def test_statements_without_approval_and_bare_replies() -> None:
    rows = _rows()
    rows.statements += [
        StatementRow(1, 1, START + timedelta(hours=2), approvals=6, chain=6),
        StatementRow(2, 1, START + timedelta(hours=3), approvals=2, chain=6),
    ]
    rows.replies += [
        ReplyRow(1, 1, START + timedelta(hours=1), "xu", backed=False),
        ReplyRow(2, 1, START + timedelta(hours=4), "xu", backed=True),
    ]
    result = service.compute(rows, period=DAY, now=START + timedelta(hours=5))
    office = result.departments[0]
    assert (office.unapproved_statements, office.replies_without_statement) == (1, 1)
    assert office.answer_minutes.model_dump() == {"count": 1, "median": 120.0, "p90": 120.0}
    assert [(i.kind, i.statement_id, i.action_id) for i in result.items] == [
        ("unapproved_statement", 2, None),
        ("reply_without_statement", None, 1),
    ]


def _alert(
    n: int, event: str, incident_after: int | None, departments: tuple[str, ...]
) -> AlertRow:
    created = START + timedelta(minutes=n)
    return AlertRow(
        id=n, event_id=event, title=f"a{n}", level="重大", created_at=created,
        acknowledged_at=None, acknowledged_by=None, departments=departments,
        report_due_at=created + timedelta(hours=2),
        incident_at=created + timedelta(minutes=incident_after) if incident_after is not None else None,
    )  # fmt: skip


def test_a_clock_stopped_by_the_end_is_missed_only_when_it_was_overdue() -> None:
    rows = _rows()
    at = START + timedelta(hours=2)  # the response ended then, nothing submitted
    rows.clocks += [
        service.ClockRow(1, "report:initial", 1, START + timedelta(hours=1), "stopped", at, None),
        service.ClockRow(1, "report:progress", 1, START + timedelta(hours=3), "stopped", at, None),
    ]
    result = service.compute(rows, period=DAY, now=START + timedelta(hours=5))
    office = result.departments[0]
    assert (office.reports_due, office.on_time, office.late, office.missed) == (1, 0, 0, 1)
    assert [(i.kind, i.what, i.done_at) for i in result.items] == [
        ("missed", "report:initial", None)
    ]


def test_an_alert_is_missed_once_an_event_when_no_incident_came_in_time() -> None:
    rows = _rows()
    rows.alerts += [
        _alert(1, "ev-a", None, ()),  # never: unassigned
        _alert(2, "ev-a", None, ()),  # the same event rising: one omission
        _alert(3, "ev-b", 180, ("edu", "office")),  # an incident, after the deadline
        _alert(4, "ev-c", 30, ("edu",)),  # in time
    ]
    result = service.compute(rows, period=DAY, now=START + timedelta(hours=6))
    missed = {d.department: d.missed_alerts for d in result.departments}
    assert missed == {"edu": 1, "office": 1, "unassigned": 1}
    assert result.departments[-1].department == "unassigned"
    assert result.total.missed_alerts == 3
    assert result.total.incident_minutes.model_dump() == {"count": 2, "median": 105.0, "p90": 180.0}


def test_spread_is_the_median_and_the_nearest_rank_90th_percentile() -> None:
    assert service.spread([]).model_dump() == {"count": 0, "median": None, "p90": None}
    values = list(range(1, 11))  # 1 … 10
    assert service.spread(values).model_dump() == {"count": 10, "median": 5.5, "p90": 9}


def test_periods() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    year = service.period_of(start=None, end=None, year=2026, zone="Asia/Shanghai", now=now)
    assert (year.start, year.end) == (
        datetime(2025, 12, 31, 16, tzinfo=UTC), datetime(2026, 12, 31, 16, tzinfo=UTC))  # fmt: skip
    so_far = service.period_of(start=None, end=None, year=None, zone="Asia/Shanghai", now=now)
    assert (so_far.start, so_far.end) == (year.start, now)
    with pytest.raises(InvalidInput, match="--year"):
        service.period_of(start=now, end=None, year=2026, zone="Asia/Shanghai", now=now)
    with pytest.raises(InvalidInput, match="ends before"):
        service.period_of(start=now, end=now, year=None, zone="Asia/Shanghai", now=now)
    with pytest.raises(InvalidInput, match="too long"):
        service.period_of(start=now - timedelta(days=3000), end=now, year=None,
                          zone="Asia/Shanghai", now=now)  # fmt: skip


def test_a_person_without_a_display_name_reads_as_the_plan_names_them(
    scenario: Scenario,
) -> None:
    """A user's display name first, else the plan person of the same id (李敏)."""
    w = scenario.world
    w.add("li_min", "office", "office")
    w.session.commit()
    names = people_names(session=w.session)
    assert names["li_min"] == "李敏" and "monitor1" not in names
