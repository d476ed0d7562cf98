"""Stored report versions: a generated report, edited as a draft, then signed and frozen.

A version holds everything its documents are drawn from (the figures, the text sections
people edit, the header), so a signed version renders the same years later whatever the
store holds by then. A correction of a signed version is a new version that names it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db.base import Base, BigId, Json, UTCDateTime


class ReportVersion(Base):
    __tablename__ = "report_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily … bulletin, special … closing
    # What the report covers: one incident (kept after the incident is deleted, like
    # the case library), or a period and its scope (a watch, a department).
    incident_id: Mapped[int | None] = mapped_column(BigId)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    watch: Mapped[str | None] = mapped_column(String(200))
    # A period report of one department (the events routed to it); None: of them all.
    department: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)  # within its kind and subject
    title: Mapped[str] = mapped_column(Text)
    figures: Mapped[dict[str, Any]] = mapped_column(Json)  # the JSON form of the report
    sections: Mapped[dict[str, str]] = mapped_column(Json, default=dict)  # editable text
    header: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # org, 文号, mark …
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | signed
    corrects: Mapped[int | None] = mapped_column(BigId)  # the signed version it corrects
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_by: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str | None] = mapped_column(String(64))  # SHA-256 when signed
    # The administrator's template (report_templates.id) it was signed with; None: the
    # built-in one. A draft prints with the template in force.
    template_id: Mapped[int | None] = mapped_column(BigId)

    __table_args__ = (
        Index("ix_report_versions_incident", "incident_id"),
        Index("ix_report_versions_kind_period", "kind", "period_start"),
    )
