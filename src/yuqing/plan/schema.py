"""The plan as one pydantic model; see docs/plans.md for the format field by field.

Field-level checks live on the models; checks across sections (unknown ids, impossible
deadlines) live in `references.py`, so every problem is found in one pass.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from yuqing.core.i18n import ngettext, pgettext
from yuqing.plan.base import Id, PlanModel
from yuqing.plan.handling import (
    ApprovalStep,
    Criteria,
    Level,
    Route,
    SensitiveDomain,
    Stage,
)
from yuqing.plan.org import DEFAULT_ROLES, Body, Organization, Person, Review, Unit
from yuqing.plan.report_schedules import ReportSchedule
from yuqing.plan.response import ResponseRules
from yuqing.plan.risk_rules import RiskRules
from yuqing.plan.timing import Duty, KeyDate, LevelDeadlines

__all__ = ["DEFAULT_ROLES", "Plan"]


class Plan(PlanModel):
    """A whole plan (预案). Levels, roles and stages are data: never count on their number."""

    format: Literal[1] = 1
    organization: Organization
    review: Review = Review()
    extra_roles: list[Id] = Field(default_factory=list)  # roles beyond DEFAULT_ROLES
    units: list[Unit] = Field(min_length=1)
    people: list[Person] = Field(min_length=1)
    bodies: list[Body] = Field(default_factory=list)
    levels: list[Level] = Field(min_length=1)
    sensitive_domains: list[SensitiveDomain] = Field(default_factory=list)
    grading: dict[Id, Criteria]
    key_dates: list[KeyDate] = Field(default_factory=list)
    deadlines: dict[Id, LevelDeadlines]
    stages: list[Stage] = Field(min_length=1)
    approvals: dict[Id, list[ApprovalStep]]
    routes: dict[Id, Route]
    duty: Duty
    response: ResponseRules = ResponseRules()
    report_schedules: list[ReportSchedule] = Field(default_factory=list)
    risks: RiskRules = RiskRules()  # the risk register's monthly reminder (docs/risks.md)

    @property
    def roles(self) -> tuple[str, ...]:
        return DEFAULT_ROLES + tuple(r for r in self.extra_roles if r not in DEFAULT_ROLES)

    def levels_by_severity(self) -> list[Level]:
        """Levels, most severe first."""
        return sorted(self.levels, key=lambda level: level.rank)

    def level(self, level_id: str) -> Level:
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def person(self, person_id: str) -> Person:
        for person in self.people:
            if person.id == person_id:
                return person
        raise KeyError(person_id)

    def people_with_role(self, role: str, unit: str | None = None) -> list[Person]:
        """People holding `role` in their home unit (`unit`, when given)."""
        return [p for p in self.people if role in p.roles and (unit is None or p.unit == unit)]

    def people_in_unit(self, unit_id: str) -> list[Person]:
        """Home members of a unit and those it lists as sitting in it."""
        listed = next((u.members for u in self.units if u.id == unit_id), [])
        return [p for p in self.people if p.unit == unit_id or p.id in listed]

    def summary(self) -> str:
        """'明德县教育局, 4 levels, 12 people, 3 units'."""
        levels, people, units = len(self.levels), len(self.people), len(self.units)
        return pgettext("list separator", ", ").join(
            (
                self.organization.name,
                ngettext("{n} level", "{n} levels", levels).format(n=levels),
                ngettext("{n} person", "{n} people", people).format(n=people),
                ngettext("{n} unit", "{n} units", units).format(n=units),
            )
        )
