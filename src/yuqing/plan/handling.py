"""What a level is and what follows from it: grading criteria, stages, approvals, routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictInt, model_validator

from yuqing.core.i18n import _
from yuqing.plan.base import Count, Duration, Id, Number, PlanModel, Text, TimeOfDay

MediaTier = Literal["central", "provincial", "municipal", "local", "self"]
# Highest first: "reached the provincial tier" means provincial or central.
TIER_ORDER: tuple[str, ...] = ("central", "provincial", "municipal", "local", "self")
# A trillion: beyond any event's reach, and well inside the 64-bit counters events keep.
MAX_REACH = 10**12
Channel = Literal["email", "wecom", "dingtalk", "feishu", "webhook", "sms"]


class Level(PlanModel):
    """One grade of the plan's scheme; `rank` 1 is the most severe."""

    id: Id
    name: Text  # 特别重大, 一级, 红色预警 …
    rank: Count = Field(ge=1, le=1000)  # stored with alerts as a 32-bit integer
    colour: str | None = Field(None, pattern=r"^#[0-9a-fA-F]{6}$")
    description: str | None = None


class SensitiveDomain(PlanModel):
    """A sensitive field (食品药品安全, 征地拆迁 …) recognised by its keywords."""

    id: Id
    name: Text
    keywords: list[Text] = Field(min_length=1)


class Criteria(PlanModel):
    """When an event meets a level; every test is optional, `combine` joins those given."""

    description: str | None = None
    min_tier: MediaTier | None = None
    min_sites: Count | None = Field(None, ge=1)
    min_posts: Count | None = Field(None, ge=1)
    # Reposts + comments + likes of the event's posts, plus a hundredth of their views
    # (`analysis.heat.reach_of`). Strict: `true` or "5000" is a mistake, not a number.
    min_reach: StrictInt | None = Field(None, ge=1, le=MAX_REACH)
    min_posts_per_hour: Number | None = Field(None, gt=0)
    min_growth: Number | None = Field(None, gt=0)  # posts this hour / posts the hour before
    min_negative_share: Number | None = Field(None, gt=0, le=1)
    negative_trend_rising: bool | None = None
    mainstream_media: bool | None = None  # TV or newspaper coverage
    domains: list[Id] = Field(default_factory=list)
    # Groups of tests of which one must hold, itself one test of this level: "central media,
    # or provincial media and mostly negative" is two groups (P3's 一级 reads that way).
    any_of: list[Criteria] = Field(default_factory=list)
    combine: Literal["any", "all"] = "any"

    @model_validator(mode="after")
    def _has_a_test(self) -> Criteria:
        tests = self.model_dump(
            exclude={"description", "combine", "domains", "any_of"}, exclude_none=True
        )
        if not tests and not self.domains and not self.any_of:
            raise ValueError(
                _(
                    "criteria need at least one test (min_tier, min_sites, min_posts, min_reach, "
                    "min_posts_per_hour, min_growth, min_negative_share, negative_trend_rising, "
                    "mainstream_media, domains, any_of)"
                )
            )
        return self


class Stage(PlanModel):
    """One step of handling (监测 → 核实 → 处置 …); the list's order is the order."""

    id: Id
    name: Text
    # A stage that may be passed over (e.g. guidance when nothing needs guiding);
    # moving past a required stage that was never entered is refused.
    required: bool = True


class ApprovalStep(PlanModel):
    """Who must approve a statement at this step: a person, or a role (within a unit)."""

    name: str | None = None  # e.g. 一审 / 二审 / 三审
    # 三审三校: a proofread (校) is a step like a review (审), kept apart in the record.
    kind: Literal["review", "proofread"] = "review"
    role: Id | None = None
    unit: Id | None = None
    person: Id | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ApprovalStep:
        if (self.role is None) == (self.person is None):
            raise ValueError(
                _("an approval step names either a role (with an optional unit) or a person")
            )
        if self.person is not None and self.unit is not None:
            raise ValueError(_("an approval step with a person takes no unit"))
        return self


class Recipient(PlanModel):
    """Who gets an alert: a person, everyone with a role (in a unit), or a whole unit."""

    person: Id | None = None
    role: Id | None = None
    unit: Id | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Recipient:
        if self.person is not None and (self.role or self.unit):
            raise ValueError(_("a recipient is a person, a role (in a unit) or a unit, not both"))
        if self.person is None and self.role is None and self.unit is None:
            raise ValueError(_("a recipient needs a person, a role or a unit"))
        return self


class QuietHours(PlanModel):
    """Hours in which alerts of this level wait; refused on the most severe level."""

    start: TimeOfDay
    end: TimeOfDay


class Route(PlanModel):
    """Who is told about an event of one level, how, and how far up it goes."""

    recipients: list[Recipient] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    upward: list[Id] = Field(default_factory=list)  # body ids
    ack_within: Duration | None = None
    escalate_to: list[Recipient] = Field(default_factory=list)
    quiet_hours: QuietHours | None = None
