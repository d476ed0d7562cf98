"""The words people read about levels: plan names, and the reasons of a proposal as
sentences with their numbers.

A proposal keeps its reasons as data (`{"criterion": "min_negative_share",
"negative_share": 1.0, "needed": 0.5}`, plan/grading.py); pages, alert messages and
acknowledgement pages show them through `reason_sentence`, so a reader sees
"负面占比 100%，超过预案规定的 50%" and never the criterion's id, and levels by the
plan's names (二级 / 橙色), never their ids (`L2`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from yuqing.core.i18n import N_, _, pgettext
from yuqing.plan.schema import Plan

TIER_NAMES: dict[str, str] = {
    "central": N_("central"),
    "provincial": N_("provincial"),
    "municipal": N_("municipal"),
    "local": N_("county"),
    "self": N_("self-media"),
}


def level_name(plan: Plan | None, level_id: str | None) -> str:
    """The plan's name of a level (`二级`); its id only when the plan no longer has it."""
    if level_id is None:
        return "-"
    if plan is not None:
        for level in plan.levels:
            if level.id == level_id:
                return level.name
    return level_id


def tier_name(tier: object) -> str:
    """A media tier as people say it (`provincial` → 省级)."""
    return _(TIER_NAMES[tier]) if isinstance(tier, str) and tier in TIER_NAMES else "-"


def percent(share: object) -> str:
    """0.456 → "46%"; a missing share → "-"."""
    return f"{round(float(share) * 100)}%" if isinstance(share, int | float) else "-"


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if value is not None else "-"


def _domain_names(plan: Plan | None, ids: Iterable[object]) -> str:
    names = {d.id: d.name for d in plan.sensitive_domains} if plan is not None else {}
    # TRANSLATORS: joins the items of a short list ("、" in Chinese).
    return pgettext("short list", ", ").join(names.get(str(i), str(i)) for i in ids)


def reason_sentence(reason: Mapping[str, Any], plan: Plan | None = None) -> str:
    """One fired criterion as a sentence with its numbers, in the language in force."""
    r, name = reason, reason.get("criterion")
    if name == "min_negative_share":
        return _("negative share {share}, above the {needed} the plan sets").format(
            share=percent(r.get("negative_share")), needed=percent(r.get("needed"))
        )
    if name == "min_tier":
        return _("reached the {reached} media tier; the plan sets {needed} or above").format(
            reached=tier_name(r.get("reached")), needed=tier_name(r.get("needed"))
        )
    if name == "min_sites":
        return _("carried by {sites} sites, at least the {needed} the plan sets").format(
            sites=_number(r.get("sites")), needed=_number(r.get("needed"))
        )
    if name == "min_posts":
        return _("{posts} posts, at least the {needed} the plan sets").format(
            posts=_number(r.get("posts")), needed=_number(r.get("needed"))
        )
    if name == "min_reach":
        return _(
            "reach {reach} (reposts, comments and likes, with views counted a hundredth), "
            "at least the {needed} the plan sets"
        ).format(reach=_number(r.get("reach")), needed=_number(r.get("needed")))
    if name == "min_posts_per_hour":
        return _(
            "{posts} posts in the last hour, at least the {needed} an hour the plan sets"
        ).format(posts=_number(r.get("posts_last_hour")), needed=_number(r.get("needed")))
    if name == "min_growth":
        return _(
            "posts grew {growth}-fold within an hour, at least the {needed}-fold the plan sets"
        ).format(growth=_number(r.get("growth")), needed=_number(r.get("needed")))
    if name == "negative_trend_rising":
        return _(
            "negative share rising: {recent} in the last 6 hours, {before} in the 6 before"
        ).format(recent=percent(r.get("recent_6h")), before=percent(r.get("before")))
    if name == "mainstream_media":
        return _("carried by mainstream news media (municipal tier or above)")
    if name == "domains":
        return _("touches sensitive domains: {domains}").format(
            domains=_domain_names(plan, r.get("domains") or [])
        )
    numbers = ", ".join(f"{k} {_number(v)}" for k, v in r.items() if k != "criterion")
    return f"{name}: {numbers}" if numbers else str(name)


def reasons_text(reasons: Iterable[Mapping[str, Any]], plan: Plan | None = None) -> str:
    """All reasons as one line ("；" between them in Chinese)."""
    # TRANSLATORS: joins the reasons of a proposed level ("；" in Chinese).
    separator = pgettext("list separator", "; ")
    return separator.join(reason_sentence(r, plan) for r in reasons)
