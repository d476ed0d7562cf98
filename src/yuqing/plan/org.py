"""Who is who: the organization, its units, people, contacts and outside bodies."""

from __future__ import annotations

from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from yuqing.core.i18n import _
from yuqing.plan.base import Count, Id, PlanModel, Text, TimeOfDay

UnitKind = Literal["leading_group", "office", "member", "department", "special_team"]

# The roles PRODUCT §1 names; a plan may declare more in `roles:`.
DEFAULT_ROLES: tuple[str, ...] = (
    "leader",
    "office",
    "monitor",
    "department",
    "approver",
    "spokesperson",
    "duty",
    "auditor",
    "administrator",
)


class OfficeHours(PlanModel):
    """When the office works; an answer due in N working days is due at `end` (docs/plans.md)."""

    start: TimeOfDay = time(8, 30)
    end: TimeOfDay = time(17, 30)

    @model_validator(mode="after")
    def _ordered(self) -> OfficeHours:
        if self.end <= self.start:
            raise ValueError(_("office hours must end after they start"))
        return self


class CalendarOverrides(PlanModel):
    """Days the official calendar package gets wrong or does not know yet (a future year)."""

    workdays: list[date] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarOverrides:
        both = sorted(set(self.workdays) & set(self.holidays))
        if both:
            raise ValueError(
                _("{day} is listed as both a workday and a holiday").format(day=both[0].isoformat())
            )
        return self


class Organization(PlanModel):
    name: Text
    kind: Literal["school", "hospital", "township", "county", "bureau", "company", "other"]
    plan_title: Text | None = None  # the document's own title, e.g. 网络舆情处置工作应急预案
    timezone: str = "Asia/Shanghai"
    office_hours: OfficeHours = OfficeHours()
    calendar: CalendarOverrides = CalendarOverrides()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                _("expected an IANA time zone like 'Asia/Shanghai', got {value!r}").format(
                    value=value
                )
            ) from None
        return value


class Review(PlanModel):
    """预案定期评审修订 (P1): how often the plan is reviewed, and when it last was."""

    every_months: Count = Field(12, ge=1, le=60)
    last_reviewed: date | None = None
    remind_days_before: Count = Field(30, ge=0, le=365)


class Contacts(PlanModel):
    """How to reach someone; channel ids for the robots, numbers for phone and SMS."""

    email: str | None = None
    phone: str | None = None
    wecom: str | None = None
    dingtalk: str | None = None
    feishu: str | None = None
    webhook: str | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and ("@" not in value or value.startswith("@")):
            raise ValueError(_("expected an e-mail address, got {value!r}").format(value=value))
        return value


class Unit(PlanModel):
    """A unit of the organization: the leading group, its office, member units, departments."""

    id: Id
    name: Text
    kind: UnitKind = "member"
    duties: list[Text] = Field(default_factory=list)
    # People who sit in this unit besides those whose home unit it is (leading-group members).
    members: list[Id] = Field(default_factory=list)
    # The unit's group robot or mailbox, for routes that name the unit.
    contacts: Contacts = Contacts()


class Person(PlanModel):
    id: Id
    name: Text
    unit: Id  # home unit
    title: str | None = None  # 职务, e.g. 副局长
    roles: list[Id] = Field(default_factory=list)  # held within the home unit
    contacts: Contacts = Contacts()


class Body(PlanModel):
    """An outside body the plan reports upward to (市局, 县委网信办, 区委宣传部)."""

    id: Id
    name: Text
    contacts: Contacts = Contacts()
