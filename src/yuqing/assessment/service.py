"""The assessment of a period: plain rows in (`loading.load_rows`), figures out.

Everything here is a pure function of the rows, the period and the moment of the
assessment, so the definitions of docs/assessment.md are read in one place and tested
without a store. Batch work stays in-process: nothing in YuQing runs on Dask yet, and a
year of one organization's incidents is thousands of rows, not millions.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from yuqing.assessment.schemas import (
    ITEM_KINDS,
    UNASSIGNED,
    Assessment,
    DepartmentRow,
    Item,
    PersonRow,
    Spread,
)
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

NO_DEPARTMENT = "-"  # an incident opened without a lead department
MAX_YEARS = 5  # a longer period is refused: the year-end evaluation wants one year


@dataclass(frozen=True)
class Period:
    start: datetime  # aware
    end: datetime  # exclusive

    def holds(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.end


@dataclass(frozen=True)
class IncidentRow:
    id: int
    title: str  # "" for a confidential incident: the lists name its id only
    lead: str
    helpers: tuple[str, ...]
    owner: str
    discovered_at: datetime
    opened_at: datetime
    first_published_at: datetime | None  # its first statement out


@dataclass(frozen=True)
class ClockRow:
    incident_id: int
    name: str  # report:initial … or answer
    number: int
    due_at: datetime
    state: str  # running | met | missed (done late) | cancelled | stopped (at the end)
    done_at: datetime | None
    late_minutes: int | None


@dataclass(frozen=True)
class ReportRow:
    id: int
    incident_id: int
    kind: str
    submitted_at: datetime
    submitted_by: str


@dataclass(frozen=True)
class CorrectionRow:
    """A submitted report that corrects an earlier submitted one."""

    report_id: int
    corrects: int
    incident_id: int
    submitted_at: datetime
    earlier_by: str  # who submitted the corrected report
    changed: tuple[str, ...]  # the key fields that differ (level, scope, harm)


@dataclass(frozen=True)
class LevelRiseRow:
    """An incident whose first submitted initial report named a less severe level."""

    incident_id: int
    report_id: int
    submitted_at: datetime
    submitted_by: str
    reported: str  # the level names, as people read them
    confirmed: str


@dataclass(frozen=True)
class StatementRow:
    id: int
    incident_id: int
    published_at: datetime
    approvals: int
    chain: int  # steps the plan's chain of its level has


@dataclass(frozen=True)
class ReplyRow:
    """An official reply (action `official_reply`) and whether an approved statement
    of its incident existed by then."""

    id: int
    incident_id: int
    at: datetime
    actor: str
    backed: bool


@dataclass(frozen=True)
class AlertRow:
    id: int
    event_id: str
    title: str
    level: str  # the level's name
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    departments: tuple[str, ...]  # the event's; empty: unassigned
    report_due_at: datetime | None  # None: the level asks for no report
    incident_at: datetime | None  # the first incident covering it opened then


@dataclass
class Rows:
    incidents: list[IncidentRow] = field(default_factory=list)
    clocks: list[ClockRow] = field(default_factory=list)
    reports: list[ReportRow] = field(default_factory=list)
    corrections: list[CorrectionRow] = field(default_factory=list)
    rises: list[LevelRiseRow] = field(default_factory=list)
    statements: list[StatementRow] = field(default_factory=list)
    replies: list[ReplyRow] = field(default_factory=list)
    alerts: list[AlertRow] = field(default_factory=list)


Led = Callable[[int], "IncidentRow | None"]
DeptOf = Callable[[str], DepartmentRow]
PersonOf = Callable[[str], PersonRow]


def period_of(
    *, start: datetime | None, end: datetime | None, year: int | None, zone: str, now: datetime
) -> Period:
    """The period asked for: `year` (a calendar year in `zone`), or from `start` to `end`;
    by default the current year up to now."""
    tz = ZoneInfo(zone)
    if year is not None:
        if start is not None or end is not None:
            raise InvalidInput(_("--year is not given with --from or --to"))
        if not 2000 <= year <= 9998:
            raise InvalidInput(_("--year: expected a year such as 2026, got {value}").format(
                value=year))  # fmt: skip
        return Period(_new_year(year, tz), _new_year(year + 1, tz))
    end = end or now
    start = start or _new_year(end.astimezone(tz).year, tz)
    if start >= end:
        raise InvalidInput(_("the period ends before it starts (--from, --to)"))
    if (end - start).days > MAX_YEARS * 366:
        raise InvalidInput(_("the period is too long: at most {n} years").format(n=MAX_YEARS))
    return Period(start, end)


def _new_year(year: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(date(year, 1, 1), time(), tz).astimezone(UTC)


def assess(
    *, session: Session, clock: Clock, period: Period, department: str | None = None
) -> Assessment:
    """The assessment of `period` as the store has it now, each person also by name."""
    from yuqing.assessment.loading import load_rows, people_names

    rows = load_rows(session=session, period=period)
    result = compute(rows, period=period, now=clock.now(), department=department)
    return named(result, people_names(session=session))


def named(result: Assessment, names: dict[str, str]) -> Assessment:
    """`result` with each person's name in words beside the sign-in name (which stays,
    so JSON readers keep the ids); a person with no known name reads as the sign-in name."""
    for row in result.people:
        row.name = names.get(row.person) or row.person
    for item in result.items:
        if item.person is not None:
            item.person_name = names.get(item.person) or item.person
    return result


def spread(minutes: Iterable[float]) -> Spread:
    """The median and the 90th percentile (nearest rank) of `minutes`, to 0.1 minute."""
    values = sorted(minutes)
    if not values:
        return Spread()
    p90 = values[math.ceil(0.9 * len(values)) - 1]
    return Spread(count=len(values), median=round(statistics.median(values), 1), p90=round(p90, 1))


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _rate(on_time: int, due: int) -> float | None:
    return round(on_time / due, 4) if due else None


def compute(
    rows: Rows, *, period: Period, now: datetime, department: str | None = None
) -> Assessment:
    """The figures of docs/assessment.md from `rows`. Deadlines after `now` are not due
    yet; with `department`, only the incidents it leads or helps with and the alerts
    routed to it count."""
    as_of = min(now, period.end)
    incidents = {row.id: row for row in rows.incidents}
    if department is not None:
        incidents = {
            i: row
            for i, row in incidents.items()
            if row.lead == department or department in row.helpers
        }
    departments: dict[str, DepartmentRow] = {}
    people: dict[str, PersonRow] = {}
    items: list[Item] = []

    # Made once a name: a model built on every call cost seconds on a year of rows.
    def dept(name: str) -> DepartmentRow:
        if name not in departments:
            departments[name] = DepartmentRow(department=name)
        return departments[name]

    def person(name: str) -> PersonRow:
        if name not in people:
            people[name] = PersonRow(person=name)
        return people[name]

    def led(incident_id: int) -> IncidentRow | None:
        """The incident when its lead department is assessed (a helper's is not)."""
        row = incidents.get(incident_id)
        if row is None or (department is not None and row.lead != department):
            return None
        return row

    for row in incidents.values():
        if period.holds(row.opened_at):
            if department is None or row.lead == department:
                dept(row.lead).incidents_led += 1
                person(row.owner).incidents_owned += 1
            for helper in row.helpers:
                if department is None or helper == department:
                    dept(helper).incidents_helped += 1
    _count_clocks(rows.clocks, led, period, as_of, dept, person, items)
    answers: dict[str, list[float]] = {}
    for row in incidents.values():
        if led(row.id) and period.holds(row.opened_at) and row.first_published_at is not None:
            minutes = _minutes(row.discovered_at, row.first_published_at)
            answers.setdefault(row.lead, []).append(minutes)
    for name, values in answers.items():
        dept(name).answer_minutes = spread(values)
    for report in rows.reports:
        if led(report.incident_id) and period.holds(report.submitted_at):
            person(report.submitted_by).reports_submitted += 1
    _count_candidates(rows, led, period, dept, person, items)
    _count_alerts(rows.alerts, department, period, as_of, dept, person, items)
    ordered = sorted(departments.values(), key=lambda r: (r.department == UNASSIGNED, r.department))
    for d in ordered:
        d.on_time_rate = _rate(d.on_time, d.reports_due)
    for p in people.values():
        p.on_time_rate = _rate(p.on_time, p.reports_due)
    items.sort(key=lambda i: (ITEM_KINDS.index(i.kind), i.department, i.due_at or i.done_at or
                              period.start, i.incident_id or 0, i.alert_id or 0))  # fmt: skip
    return Assessment(
        start=period.start,
        end=period.end,
        as_of=as_of,
        department=department,
        total=_total(ordered, rows, led, period, department),
        departments=ordered,
        people=sorted(people.values(), key=lambda r: r.person),
        items=items,
    )


def _count_clocks(
    clocks: list[ClockRow], led: Led, period: Period, as_of: datetime,
    dept: DeptOf, person: PersonOf, items: list[Item],
) -> None:  # fmt: skip
    """Report clocks due in the period by `as_of`: met, late (done after the due time),
    missed (still not done); the answer clock counts on its own."""
    for row in clocks:
        incident = led(row.incident_id)
        if incident is None or row.state == "cancelled" or not period.holds(row.due_at):
            continue
        stopped = row.state == "stopped"  # the response ended before it was done
        if stopped and (row.done_at is None or row.done_at <= row.due_at):
            continue  # it ended before the deadline came: nothing was owed
        late = row.state == "missed" and row.done_at is not None
        if row.due_at > as_of and not (row.state == "met" or late):
            continue  # not due yet, and not done either
        never_done = row.state == "missed" and row.done_at is None
        missed = stopped or row.state == "running" or never_done
        if row.name == "answer":
            d = dept(incident.lead)
            d.answers_due += 1
            d.answers_late += int(late or missed)
            continue
        if not row.name.startswith("report:"):
            continue
        for r in (dept(incident.lead), person(incident.owner)):
            r.reports_due += 1
            r.on_time += int(row.state == "met")
            r.late += int(late)
            r.late_minutes += (row.late_minutes or 0) if late else 0
            r.missed += int(missed)
        if late or missed:
            items.append(
                Item(
                    kind="late" if late else "missed",
                    department=incident.lead,
                    person=incident.owner,
                    incident_id=incident.id,
                    title=incident.title,
                    what=row.name if row.number == 1 else f"{row.name} #{row.number}",
                    due_at=row.due_at,
                    done_at=None if stopped else row.done_at,
                    late_minutes=row.late_minutes if late else None,
                )
            )


def _count_candidates(
    rows: Rows, led: Led, period: Period, dept: DeptOf, person: PersonOf, items: list[Item]
) -> None:
    """Contradicted reports (candidates), statements without approval, bare replies."""
    for c in rows.corrections:
        incident = led(c.incident_id)
        if incident is None or not c.changed or not period.holds(c.submitted_at):
            continue
        dept(incident.lead).contradicted += 1
        person(c.earlier_by).contradicted += 1
        items.append(
            Item(kind="corrected", department=incident.lead, person=c.earlier_by,
                 incident_id=incident.id, report_id=c.corrects, title=incident.title,
                 what=", ".join(c.changed), done_at=c.submitted_at)
        )  # fmt: skip
    for r in rows.rises:
        incident = led(r.incident_id)
        if incident is None or not period.holds(r.submitted_at):
            continue
        dept(incident.lead).contradicted += 1
        person(r.submitted_by).contradicted += 1
        items.append(
            Item(kind="level_rose", department=incident.lead, person=r.submitted_by,
                 incident_id=incident.id, report_id=r.report_id, title=incident.title,
                 what=f"{r.reported} → {r.confirmed}", done_at=r.submitted_at)
        )  # fmt: skip
    for s in rows.statements:
        incident = led(s.incident_id)
        if incident is None or s.approvals >= s.chain or not period.holds(s.published_at):
            continue
        dept(incident.lead).unapproved_statements += 1
        items.append(
            Item(kind="unapproved_statement", department=incident.lead, incident_id=incident.id,
                 statement_id=s.id, title=incident.title, what=f"{s.approvals}/{s.chain}",
                 done_at=s.published_at)
        )  # fmt: skip
    for a in rows.replies:
        incident = led(a.incident_id)
        if incident is None or a.backed or not period.holds(a.at):
            continue
        dept(incident.lead).replies_without_statement += 1
        items.append(
            Item(kind="reply_without_statement", department=incident.lead, person=a.actor,
                 incident_id=incident.id, action_id=a.id, title=incident.title,
                 done_at=a.at)
        )  # fmt: skip


def _count_alerts(
    alerts: list[AlertRow], department: str | None, period: Period, as_of: datetime,
    dept: DeptOf, person: PersonOf, items: list[Item],
) -> None:  # fmt: skip
    """Acknowledgement and incident times of the period's alerts, and the 漏报 of events
    whose alert needed a report and got no incident by the report's deadline (the first
    such alert of an event only: a rise of the same unreported event is one omission)."""
    acks: dict[str, list[float]] = {}
    opened: dict[str, list[float]] = {}
    by_person: dict[str, list[float]] = {}
    missed_events: set[str] = set()
    for alert in sorted(alerts, key=lambda a: (a.created_at, a.id)):
        names = alert.departments or (UNASSIGNED,)
        if department is not None:
            names = tuple(n for n in names if n == department)
            if not names:
                continue
        if period.holds(alert.created_at):
            if alert.acknowledged_at is not None:
                minutes = _minutes(alert.created_at, alert.acknowledged_at)
                for name in names:
                    acks.setdefault(name, []).append(minutes)
                if alert.acknowledged_by:
                    by_person.setdefault(alert.acknowledged_by, []).append(minutes)
            if alert.incident_at is not None and alert.incident_at >= alert.created_at:
                for name in names:
                    opened.setdefault(name, []).append(
                        _minutes(alert.created_at, alert.incident_at)
                    )
        due = alert.report_due_at
        if due is None or not period.holds(due) or due > as_of or alert.event_id in missed_events:
            continue
        if alert.incident_at is not None and alert.incident_at <= due:
            continue
        missed_events.add(alert.event_id)
        for name in names:
            dept(name).missed_alerts += 1
            items.append(
                Item(kind="missed_alert", department=name, person=alert.acknowledged_by,
                     alert_id=alert.id, event_id=alert.event_id, what=alert.level,
                     title=alert.title, due_at=due, done_at=alert.incident_at)
            )  # fmt: skip
    for name, values in acks.items():
        dept(name).ack_minutes = spread(values)
    for name, values in opened.items():
        dept(name).incident_minutes = spread(values)
    for name, values in by_person.items():
        p = person(name)
        p.alerts_acknowledged = len(values)
        p.ack_minutes = spread(values)


def _total(
    ordered: list[DepartmentRow], rows: Rows, led: Led, period: Period, department: str | None
) -> DepartmentRow:
    """The whole organization's row: the sums, and the spreads over every value (a
    median of medians would weigh a department of one case like one of a hundred)."""
    total = DepartmentRow(department="*")
    for name in ("incidents_led", "reports_due", "on_time", "late", "late_minutes", "missed",
                 "missed_alerts", "contradicted", "unapproved_statements",
                 "replies_without_statement", "answers_due", "answers_late"):  # fmt: skip
        setattr(total, name, sum(getattr(r, name) for r in ordered))
    total.incidents_helped = sum(r.incidents_helped for r in ordered)
    total.on_time_rate = _rate(total.on_time, total.reports_due)
    answers = [
        _minutes(i.discovered_at, i.first_published_at)
        for i in rows.incidents
        if led(i.id) and period.holds(i.opened_at) and i.first_published_at is not None
    ]
    total.answer_minutes = spread(answers)
    alerts = [
        a for a in rows.alerts
        if period.holds(a.created_at)
        and (department is None or department in a.departments)
    ]  # fmt: skip
    total.ack_minutes = spread(
        _minutes(a.created_at, a.acknowledged_at) for a in alerts if a.acknowledged_at
    )
    total.incident_minutes = spread(
        _minutes(a.created_at, a.incident_at)
        for a in alerts
        if a.incident_at is not None and a.incident_at >= a.created_at
    )
    return total
