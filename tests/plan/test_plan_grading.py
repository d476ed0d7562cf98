"""The example plans' grading read as the seed plans word their levels."""

from __future__ import annotations

from datetime import date

from tests.conftest import ROOT
from yuqing.plan.grading import EventFacts, propose
from yuqing.plan.loading import load_plan

SCHOOL = ROOT / "examples" / "plans" / "school.yaml"
A_SCHOOL_DAY = date(2026, 10, 13)  # no key date


def facts(*, posts: int, sites: int, negative: float, domains: frozenset[str]) -> EventFacts:
    return EventFacts(
        posts=posts,
        sites=sites,
        top_tier="self",
        posts_last_hour=posts // 4,
        posts_hour_before=posts // 4,
        negative_share=negative,
        negative_share_recent=negative,
        negative_share_before=negative,
        mainstream_media=False,
        domains=domains,
    )


def level(**kwargs: object) -> str | None:
    proposal = propose(load_plan(SCHOOL), facts(**kwargs), day=A_SCHOOL_DAY)  # type: ignore[arg-type]
    return proposal.level.id if proposal is not None else None


def test_school_good_news_on_three_sites_is_not_serious() -> None:
    # The sports day, reported by the school, the city paper and parents' microblogs.
    assert level(posts=40, sites=4, negative=0.05, domains=frozenset()) == "L3"


def test_school_second_level_needs_spread_and_negative_voices() -> None:
    # 二级: 在多个网站传播，且负面评论较多 (P1 较大舆情: 在不同网站出现的，且负面声音有所上升).
    assert level(posts=30, sites=3, negative=0.6, domains=frozenset({"canteen"})) == "L2"
    assert level(posts=30, sites=2, negative=0.9, domains=frozenset({"canteen"})) == "L3"


def test_school_single_complaint_is_general() -> None:
    # 一般: 询问、质疑、诉求，仅有少量围观 — even about the canteen.
    assert level(posts=1, sites=1, negative=1.0, domains=frozenset({"canteen"})) == "L3"
