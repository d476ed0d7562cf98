"""What the risk register's API takes and answers (STYLE §2 schema ladder)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from yuqing.web.params import MAX_ITEMS, BodyIn

if TYPE_CHECKING:
    from yuqing.risks.service import Listed


class RiskCreate(BodyIn):
    title: str = Field(description="The risk point (存在风险点).")
    lead_department: str = Field(description="The lead department's id (牵头单位).")
    description: str = ""
    domain: str | None = Field(None, description="A domain label; the plan's are suggested.")
    departments: list[str] = Field(
        default_factory=list, max_length=MAX_ITEMS, description="Responsible departments."
    )
    owner: str | None = Field(None, description="The person answering for it.")
    measures: str = Field("", description="The measures planned (具体应对措施).")
    deadline: date | None = Field(None, description="完成时限, a day: YYYY-MM-DD.")


class RiskUpdate(BodyIn):
    """Only the fields given change; `null` clears domain, owner or deadline."""

    expected_version: int | None = Field(
        None, description="The risk point's version the change was made against; 409 if stale."
    )
    title: str | None = None
    lead_department: str | None = None
    description: str | None = None
    domain: str | None = None
    departments: list[str] | None = Field(None, max_length=MAX_ITEMS)
    owner: str | None = None
    measures: str | None = None
    deadline: date | None = None
    status: str | None = Field(None, description="open or mitigated (closing is its own call).")


class ReopenIn(BodyIn):
    expected_version: int | None = Field(
        None, description="The risk point's version the change was made against; 409 if stale."
    )


class CloseIn(ReopenIn):
    reason: str = Field("", description="Why the risk is resolved (销号).")


class MonthIn(BodyIn):
    month: str | None = Field(None, description="YYYY-MM; the current month when left out.")
    situation: str = Field("", description="The risk as it stands this month.")
    measures: str = Field("", description="Measures taken this month (具体应对措施).")
    effect: str = Field("", description="风险防范化解成效.")
    next_steps: str = Field("", description="下步重点工作.")
    note: str = Field("", description="备注.")


class RiskMonthRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    situation: str
    measures: str
    effect: str
    next_steps: str
    note: str
    recorded_at: datetime
    recorded_by: str


class RiskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str
    domain: str | None
    lead_department: str
    departments: list[str]
    owner: str | None
    measures: str
    deadline: date | None
    status: str
    close_reason: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int


class RiskListed(RiskRead):
    overdue: bool = Field(description="Open with its deadline passed.")
    month_missing: bool = Field(description="Not closed and no status for the month asked.")
    month_status: RiskMonthRead | None = Field(description="Its status for the month asked.")

    @classmethod
    def of(cls, item: Listed) -> RiskListed:
        """A point as the register lists it (service.get_all's `Listed`)."""
        return cls(
            **RiskRead.model_validate(item.point).model_dump(),
            overdue=item.overdue,
            month_missing=item.month_missing,
            month_status=RiskMonthRead.model_validate(item.month) if item.month else None,
        )


class RiskList(BaseModel):
    month: str
    data: list[RiskListed]
    count: int


class RiskDetail(RiskRead):
    overdue: bool
    months: list[RiskMonthRead] = Field(description="Its monthly status, newest first.")
