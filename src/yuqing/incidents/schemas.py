"""What the incidents API takes and answers (STYLE §2 schema ladder)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yuqing.web.params import MAX_ITEMS, BodyIn, StoreId


class Versioned(BodyIn):
    """Every change may carry the version it was made against (no lost update)."""

    expected_version: int | None = Field(
        None, description="The incident's version the change was made against; 409 if stale."
    )


class IncidentCreate(BodyIn):
    event_ids: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    alert_id: StoreId | None = None
    tip_channel: str | None = Field(None, description="phone, letter or in_person")
    tip_text: str | None = None
    title: str | None = None
    category: str = ""
    domain: str | None = None
    confidential: bool = False
    readers: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    lead_department: str | None = None
    helpers: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    discovered_at: datetime | None = None


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    origin: str
    tip_channel: str | None
    category: str
    domain: str | None
    confidential: bool
    lead_department: str | None
    helpers: list[str]
    plan_version: int
    proposed_level: str | None
    level: str | None
    stage: str
    owner: str
    handover_to: str | None
    status: str
    discovered_at: datetime
    opened_at: datetime
    opened_by: str
    ended_at: datetime | None
    closed_at: datetime | None
    version: int


class IncidentList(BaseModel):
    data: list[IncidentRead]
    count: int


class ClockRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    number: int
    source: str = Field(description="Where in the plan the deadline comes from.")
    started_at: datetime
    due_at: datetime
    state: str
    done_at: datetime | None
    late_minutes: int | None


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    number: int
    revision: int
    fields: dict[str, Any]
    status: str
    corrects: int | None
    created_at: datetime
    edited_by: str
    submitted_at: datetime | None
    submitted_by: str | None


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    track: str
    owner: str
    due_at: datetime | None
    status: str
    done_at: datetime | None


class StatementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    revision: int
    text: str
    level: str | None
    status: str
    author: str
    channel: str | None
    link: str | None
    published_at: datetime | None
    published_text: str | None


class ActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    description: str
    evidence: list[str]
    target: str | None
    at: datetime
    actor: str


class LogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    kind: str
    before: str | None
    after: str | None
    reason: str


class WindowMeasures(BaseModel):
    """The incident's events' posts published in [start, end)."""

    start: datetime
    end: datetime
    posts: int = 0
    negative: int = 0
    negative_share: float = Field(0.0, description="negative / posts, 0 when no posts")
    sites: int = Field(0, description="Distinct sources posting in the window.")
    new_sites: int = Field(0, description="Sites the events reached first in the window.")


class StatementMeasures(BaseModel):
    """The event before and after a published statement, windows of equal length."""

    statement_id: int
    number: int
    published_at: datetime
    window_minutes: int = Field(description="Each side's length: time since, at most 24 h.")
    before: WindowMeasures
    after: WindowMeasures
    trend: str = Field(description="calmed, re-ignited, mixed, quiet or too early")


class IncidentDetail(BaseModel):
    incident: IncidentRead
    event_ids: list[str]
    deadlines: list[ClockRead]
    reports: list[ReportRead]
    tasks: list[TaskRead]
    statements: list[StatementRead]
    actions: list[ActionRead]
    log: list[LogRead]
    measures: list[StatementMeasures] = Field(
        default_factory=list, description="The events before and after each published statement."
    )


class LevelIn(Versioned):
    level: str
    reason: str = ""


class ReopenIn(Versioned):
    level: str = Field(description="More severe than the level the response ended at.")
    reason: str


class StageIn(Versioned):
    stage: str
    reason: str = ""


class HandoverIn(Versioned):
    to: str
    reason: str = ""


class EventsIn(Versioned):
    event_ids: list[str] = Field(min_length=1, max_length=MAX_ITEMS)


class SplitIn(Versioned):
    event_ids: list[str] = Field(
        min_length=1, max_length=MAX_ITEMS, description="The events to move out."
    )
    title: str | None = Field(None, description="The new incident's title (default: the event's).")
    reason: str = Field(description="Why they are another case (recorded on both).")


class TaskIn(Versioned):
    title: str
    owner: str
    track: str = "other"
    due_at: datetime | None = None


class ReportIn(Versioned):
    kind: str
    corrects: StoreId | None = None


class ReportUpdate(Versioned):
    fields: dict[str, str]


class FactSheetIn(Versioned):
    facts: str
    figures: dict[str, Any] = Field(default_factory=dict)
    wording: str = ""


class StatementIn(Versioned):
    text: str
    revises: StoreId | None = None


class StatementReviewIn(Versioned):
    decision: str = Field(description="approve, reject or comment")
    comment: str = ""


class PublishIn(Versioned):
    channel: str
    link: str = ""
    text: str | None = Field(None, description="The text as published, when it differs.")
    published_at: datetime | None = None


class ActionIn(Versioned):
    kind: str
    description: str
    evidence: list[str] = Field(min_length=1, max_length=MAX_ITEMS)
    target: str | None = None


class EndIn(Versioned):
    reason: str


class ReviewIn(Versioned):
    summary: str
    worked: str = ""
    failed: str = ""
    evaluation: str = ""


class CorrectiveIn(Versioned):
    title: str
    owner: str
    due_at: datetime


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    incident_id: int
    title: str
    level: str | None
    category: str
    archived_at: datetime


class CaseList(BaseModel):
    data: list[CaseRead]
    count: int
