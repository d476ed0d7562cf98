"""Tables of the incidents context.

An incident carries one `version` that every change raises: a change made against an
older version is refused (no lost update). Nothing here is edited in place once it is
decided: level and stage changes, hand-overs and reminders go to `incident_log`; a
submitted report or a statement under review gets a new version row instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db.base import Base, BigId, Json, UTCDateTime


def _incident_fk() -> Any:
    return ForeignKey("incidents.id", ondelete="CASCADE")


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))  # event | alert | tip
    tip_channel: Mapped[str | None] = mapped_column(String(16))  # phone | letter | in_person
    tip_text: Mapped[str | None] = mapped_column(Text)
    alert_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("alerts.id", ondelete="SET NULL")
    )
    category: Mapped[str] = mapped_column(String(100), default="")
    domain: Mapped[str | None] = mapped_column(String(64))  # a plan sensitive domain id
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    readers: Mapped[list[str]] = mapped_column(Json, default=list)  # named for confidential
    lead_department: Mapped[str | None] = mapped_column(String(100))
    helpers: Mapped[list[str]] = mapped_column(Json, default=list)  # helping departments
    plan_version: Mapped[int] = mapped_column(Integer)
    proposed_level: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(32))  # confirmed
    stage: Mapped[str] = mapped_column(String(64))
    entered_stages: Mapped[list[str]] = mapped_column(Json, default=list)
    owner: Mapped[str] = mapped_column(String(200))  # 首问负责制: the receiver until hand-over
    handover_to: Mapped[str | None] = mapped_column(String(200))  # offered, not yet accepted
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | ended | closed
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own form
    __table_args__ = (Index("ix_incidents_status_level", "status", "level"),)


class IncidentEvent(Base):
    """The events an incident covers (one or several)."""

    __tablename__ = "incident_events"

    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), primary_key=True)
    event_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(200))


class IncidentLog(Base):
    """One recorded change: level, stage, owner, hand-over, reminder … (who, when, why)."""

    __tablename__ = "incident_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk())
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_incident_log_incident", "incident_id", "at"),)


class Task(Base):
    """Work with an owner and a due time; `track` marks the two lines of 双处置."""

    __tablename__ = "incident_tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), index=True)
    title: Mapped[str] = mapped_column(Text)
    track: Mapped[str] = mapped_column(String(16), default="other")  # offline | online | other
    owner: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(200))


class Report(Base):
    """One version of a report; a submitted version is never changed again."""

    __tablename__ = "incident_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # initial | flash | progress | special | closing
    number: Mapped[int] = mapped_column(Integer, default=1)  # progress report 1, 2, 3 …
    revision: Mapped[int] = mapped_column(Integer, default=1)
    fields: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | submitted
    corrects: Mapped[int | None] = mapped_column(BigId)  # the report this one corrects
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("incident_id", "kind", "number", "revision", name="uq_incident_reports"),
    )


class DeadlineClock(Base):
    """A deadline of the plan running for one incident, and how it ended."""

    __tablename__ = "incident_clocks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), index=True)
    name: Mapped[str] = mapped_column(String(32))  # report:initial, report:progress, answer …
    number: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(200))  # where in the plan: deadlines.I.report_within
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # running | met | missed | cancelled (a rise restarted it) | stopped (the response ended)
    state: Mapped[str] = mapped_column(String(16), default="running")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_minutes: Mapped[int | None] = mapped_column(Integer)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_incident_clocks_running", "state", "due_at"),)


class FactSheet(Base):
    """统一口径: one set of facts, figures and wording per incident."""

    __tablename__ = "incident_fact_sheets"

    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), primary_key=True)
    facts: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    wording: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))


class Statement(Base):
    """One version of a statement: draft → in_review → approved → published."""

    __tablename__ = "incident_statements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), index=True)
    number: Mapped[int] = mapped_column(Integer)  # the series: 1st, 2nd statement …
    revision: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(32))  # whose chain approves it
    fact_sheet_revision: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(100))
    link: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_text: Mapped[str | None] = mapped_column(Text)
    published_by: Mapped[str | None] = mapped_column(String(200))


class StatementReview(Base):
    """A review, proofread or comment on one statement version (all kept)."""

    __tablename__ = "incident_statement_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    statement_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("incident_statements.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[int | None] = mapped_column(Integer)  # index in the chain; None: a comment
    step_name: Mapped[str] = mapped_column(String(100), default="")
    decision: Mapped[str] = mapped_column(String(16))  # approve | reject | comment
    reviewer: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Action(Base):
    """Official reply, press conference, correction request, police referral — with evidence."""

    __tablename__ = "incident_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(Json, default=list)  # links, file names
    target: Mapped[str | None] = mapped_column(Text)  # the platform, outlet or police station
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))


class IncidentReview(Base):
    """及时总结: what happened, what worked and failed, the closing evaluation."""

    __tablename__ = "incident_reviews"

    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), primary_key=True)
    summary: Mapped[str] = mapped_column(Text)
    worked: Mapped[str] = mapped_column(Text, default="")
    failed: Mapped[str] = mapped_column(Text, default="")
    evaluation: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    written_by: Mapped[str] = mapped_column(String(200))


class CorrectiveAction(Base):
    """整改: a correction with an owner and a deadline, tracked to done."""

    __tablename__ = "incident_corrective_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(BigId, _incident_fk(), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Case(Base):
    """案例库: a closed incident as one JSON document, posts as they were captured."""

    __tablename__ = "incident_cases"

    incident_id: Mapped[int] = mapped_column(BigId, primary_key=True)  # kept after deletion
    title: Mapped[str] = mapped_column(Text)
    level: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(100), default="")
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded, for LIKE search
    document: Mapped[dict[str, Any]] = mapped_column(Json)
