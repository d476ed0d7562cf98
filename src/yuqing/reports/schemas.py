"""The API's shapes of stored report versions (STYLE §2's ladder)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from yuqing.web.params import MAX_TEXT, BodyIn, StoreId


class ReportCreate(BodyIn):
    """What to generate: a period kind with its period, watch and department, or an
    incident kind."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_max_length=MAX_TEXT)

    kind: str
    start: str | None = Field(default=None, alias="from", description="ISO 8601; naive: plan zone")
    end: str | None = Field(default=None, alias="to", description="exclusive, ISO 8601")
    watch: str | None = None
    department: str | None = Field(
        default=None,
        description="only the events routed to this department (its id); a department "
        "user's reports are their department's",
    )
    incident: StoreId | None = None
    header: dict[str, Any] = Field(
        default_factory=dict,
        description="organization, doc_number (文号), mark (密级), signature, issued (YYYY-MM-DD)",
    )


class ReportUpdate(BodyIn):
    """Edited text sections of a draft (summary and remarks, or an incident report's
    content, cause, scope, harm, measures, trend and next_steps)."""

    model_config = ConfigDict(extra="forbid", str_max_length=MAX_TEXT)

    sections: dict[str, str]


class ReportVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    incident_id: int | None
    period_start: datetime | None
    period_end: datetime | None
    watch: str | None
    department: str | None
    version: int
    title: str
    status: str
    corrects: int | None
    sections: dict[str, str]
    header: dict[str, Any]
    created_at: datetime
    created_by: str
    updated_at: datetime
    edited_by: str
    signed_at: datetime | None
    signed_by: str | None
    content_hash: str | None


class ReportVersionList(BaseModel):
    data: list[ReportVersionRead]
    count: int
