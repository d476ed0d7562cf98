"""Tables of the risk register (风险点台账).

A risk point carries one `version` that every change raises: a change made against an
older version is refused (no lost update). Its monthly status is one row per point and
month; a later edit of the same month replaces that row, and the audit trail keeps what
it said before.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.db.base import Base, BigId, Json, UTCDateTime


class RiskPoint(Base):
    __tablename__ = "risk_points"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)  # 存在风险点
    description: Mapped[str] = mapped_column(Text, default="")
    domain: Mapped[str | None] = mapped_column(String(100))  # 领域: free text, plan domains offered
    lead_department: Mapped[str] = mapped_column(String(100))  # 牵头单位
    departments: Mapped[list[str]] = mapped_column(Json, default=list)  # 责任单位
    owner: Mapped[str | None] = mapped_column(String(200))  # the person answering for it
    measures: Mapped[str] = mapped_column(Text, default="")  # 具体应对措施 as planned
    deadline: Mapped[date | None] = mapped_column(Date)  # 完成时限, in the plan's time zone
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | mitigated | closed
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own form
    __table_args__ = (Index("ix_risk_points_status", "status"),)


class RiskMonth(Base):
    """What a month brought for one risk point: the seed table's row for that month."""

    __tablename__ = "risk_months"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    risk_id: Mapped[int] = mapped_column(BigId, ForeignKey("risk_points.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    situation: Mapped[str] = mapped_column(Text, default="")  # the risk as it stands
    measures: Mapped[str] = mapped_column(Text, default="")  # measures taken this month
    effect: Mapped[str] = mapped_column(Text, default="")  # 风险防范化解成效
    next_steps: Mapped[str] = mapped_column(Text, default="")  # 下步重点工作
    note: Mapped[str] = mapped_column(Text, default="")  # 备注
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("risk_id", "month", name="uq_risk_months_risk_month"),
        Index("ix_risk_months_month", "month"),
    )


class RiskReminder(Base):
    """A point's lead department reminded of a month's status: once per point and month,
    kept so that a restarted worker does not remind again (migration 0020)."""

    __tablename__ = "risk_reminders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    risk_id: Mapped[int] = mapped_column(BigId, ForeignKey("risk_points.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    department: Mapped[str] = mapped_column(String(100))  # the lead department then
    reminded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deliveries: Mapped[int] = mapped_column(Integer)  # messages queued (0: nobody to reach)

    __table_args__ = (UniqueConstraint("risk_id", "month", name="uq_risk_reminders_risk_month"),)
