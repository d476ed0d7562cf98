"""Grading: which level an event's measured facts meet under the plan, and why.

The system proposes; a person with the right role confirms, changes or dismisses
(PRODUCT §2, P2 第四条). Each criterion that fired is returned with the numbers behind
it, so the proposal can be read and checked. Levels are tried from the most severe down;
the first whose criteria hold is proposed. Key dates lower thresholds as the plan says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from yuqing.plan.handling import Criteria, Level
from yuqing.plan.keydates import effective_criteria
from yuqing.plan.schema import Plan

TIERS = ("central", "provincial", "municipal", "local", "self")


@dataclass(frozen=True)
class EventFacts:
    """What grading reads of an event (kept up to date by the analysis step)."""

    posts: int
    sites: int
    top_tier: str | None
    posts_last_hour: int
    posts_hour_before: int
    negative_share: float
    negative_share_recent: float | None  # last 6 h
    negative_share_before: float | None  # the 6 h before that
    mainstream_media: bool  # a news outlet of municipal tier or above carried it
    domains: frozenset[str] = frozenset()  # sensitive domains whose keywords occurred
    reach: int = 0  # reposts + comments + likes + views / 100 of its posts (`reach_of`)


@dataclass(frozen=True)
class Proposal:
    level: Level
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _tier_at_least(reached: str | None, wanted: str) -> bool:
    return reached in TIERS and TIERS.index(reached) <= TIERS.index(wanted)


def _tests(c: Criteria, f: EventFacts) -> list[tuple[str, bool, dict[str, Any]]]:
    """(criterion, met?, numbers) for each criterion the level sets."""
    out: list[tuple[str, bool, dict[str, Any]]] = []
    if c.min_tier is not None:
        out.append(
            (
                "min_tier",
                _tier_at_least(f.top_tier, c.min_tier),
                {"reached": f.top_tier, "needed": c.min_tier},
            )
        )
    if c.min_sites is not None:
        out.append(("min_sites", f.sites >= c.min_sites, {"sites": f.sites, "needed": c.min_sites}))
    if c.min_posts is not None:
        out.append(("min_posts", f.posts >= c.min_posts, {"posts": f.posts, "needed": c.min_posts}))
    if c.min_reach is not None:
        out.append(("min_reach", f.reach >= c.min_reach, {"reach": f.reach, "needed": c.min_reach}))
    if c.min_posts_per_hour is not None:
        out.append(
            (
                "min_posts_per_hour",
                f.posts_last_hour >= c.min_posts_per_hour,
                {"posts_last_hour": f.posts_last_hour, "needed": c.min_posts_per_hour},
            )
        )
    if c.min_growth is not None:
        growth = f.posts_last_hour / max(f.posts_hour_before, 1)
        out.append(
            (
                "min_growth",
                f.posts_last_hour >= 2 and growth >= c.min_growth,
                {"growth": round(growth, 2), "needed": c.min_growth},
            )
        )
    if c.min_negative_share is not None:
        out.append(
            (
                "min_negative_share",
                f.negative_share >= c.min_negative_share,
                {"negative_share": round(f.negative_share, 3), "needed": c.min_negative_share},
            )
        )
    if c.negative_trend_rising:
        recent, before = f.negative_share_recent, f.negative_share_before
        rising = recent is not None and (before is None or recent > before)
        out.append(("negative_trend_rising", rising, {"recent_6h": recent, "before": before}))
    if c.mainstream_media:
        out.append(("mainstream_media", f.mainstream_media, {}))
    if c.domains:
        hit = sorted(f.domains & set(c.domains))
        out.append(("domains", bool(hit), {"domains": hit}))
    return out


def meets(criteria: Criteria, facts: EventFacts) -> tuple[bool, list[dict[str, Any]]]:
    """Whether the facts meet the criteria (any/all as the plan says), and the reasons.

    `any_of` is one test: it holds when one of its groups does, and the reasons of the
    groups that hold are the reasons it gives.
    """
    tests = _tests(criteria, facts)
    groups = [meets(group, facts) for group in criteria.any_of]
    results = [met for _, met, _ in tests]
    if groups:
        results.append(any(held for held, _ in groups))
    if not results:
        return False, []
    ok = all(results) if criteria.combine == "all" else any(results)
    fired = [{"criterion": name, **numbers} for name, met, numbers in tests if met]
    fired += [reason for held, reasons in groups if held for reason in reasons]
    return ok, fired


def propose(plan: Plan, facts: EventFacts, *, day: date) -> Proposal | None:
    """The most severe level the facts meet on `day` (a local date), or None."""
    for level in plan.levels_by_severity():
        if level.id not in plan.grading:
            continue
        ok, reasons = meets(effective_criteria(plan, level.id, day), facts)
        if ok:
            return Proposal(level, reasons)
    return None


def domains_in(plan: Plan, folded_text: str) -> set[str]:
    """Sensitive domains whose keywords occur in a (folded) text."""
    from yuqing.core.textfold import fold

    return {d.id for d in plan.sensitive_domains if any(fold(k) in folded_text for k in d.keywords)}
