"""What an assessment says: one row per department and per person, and the items behind
the late, missed and contradicted counts (docs/assessment.md has the definitions)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

View = Literal["department", "person"]
VIEWS: tuple[str, ...] = ("department", "person")
UNASSIGNED = "unassigned"  # an alert routed to no department
# The kinds of detail item, in the order the lists show them.
ItemKind = Literal[
    "late",  # 迟报: a report submitted after its deadline
    "missed",  # 漏报: a report never submitted by its deadline
    "missed_alert",  # 漏报: an alert whose level needs a report, and no incident by then
    "corrected",  # a submitted report corrected later with another level or figures
    "level_rose",  # the confirmed level is more severe than the initial report said
    "unapproved_statement",  # published without every approval of its chain
    "reply_without_statement",  # an official reply with no approved statement before it
]
ITEM_KINDS: tuple[str, ...] = (
    "late",
    "missed",
    "missed_alert",
    "corrected",
    "level_rose",
    "unapproved_statement",
    "reply_without_statement",
)


class Spread(BaseModel):
    """Response times in minutes: how many, the median and the 90th percentile."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


class DepartmentRow(BaseModel):
    department: str
    incidents_led: int = 0
    incidents_helped: int = 0
    reports_due: int = 0
    on_time: int = 0
    late: int = 0
    late_minutes: int = 0  # the late reports' minutes, added up
    missed: int = 0
    missed_alerts: int = 0
    on_time_rate: float | None = None  # on_time / reports_due; None when nothing was due
    contradicted: int = 0  # candidates for a person to judge, not verdicts
    unapproved_statements: int = 0
    replies_without_statement: int = 0
    answers_due: int = 0
    answers_late: int = 0
    answer_minutes: Spread = Spread()  # discovery → first statement published
    ack_minutes: Spread = Spread()  # alert → acknowledged
    incident_minutes: Spread = Spread()  # alert → incident opened


class PersonRow(BaseModel):
    person: str  # the sign-in name (user id) duties are recorded under
    name: str = ""  # the name people read: the user's display name, else the plan's
    incidents_owned: int = 0
    reports_due: int = 0
    on_time: int = 0
    late: int = 0
    late_minutes: int = 0
    missed: int = 0
    on_time_rate: float | None = None
    reports_submitted: int = 0
    contradicted: int = 0
    alerts_acknowledged: int = 0
    ack_minutes: Spread = Spread()


class Item(BaseModel):
    """One late, missed, contradicted or unapproved thing, with where to look."""

    kind: ItemKind
    department: str
    person: str | None = None  # a sign-in name, as for PersonRow
    person_name: str | None = None  # that person's name in words
    incident_id: int | None = None
    alert_id: int | None = None
    report_id: int | None = None
    statement_id: int | None = None
    action_id: int | None = None
    event_id: str | None = None
    title: str = ""
    what: str = ""  # the clock's name, the level, the fields that changed
    due_at: datetime | None = None
    done_at: datetime | None = None
    late_minutes: int | None = None


class Assessment(BaseModel):
    start: datetime
    end: datetime  # exclusive
    as_of: datetime  # deadlines after this moment are not due yet
    department: str | None = None  # only this department's incidents and alerts
    total: DepartmentRow
    departments: list[DepartmentRow]
    people: list[PersonRow]
    items: list[Item]
