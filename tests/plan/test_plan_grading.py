"""The example plans' grading read as the seed plans word their levels."""

from __future__ import annotations

from datetime import date

from tests.conftest import ROOT
from yuqing.plan.grading import EventFacts, meets, propose
from yuqing.plan.handling import Criteria
from yuqing.plan.loading import load_plan

PLANS = ROOT / "examples" / "plans"
SCHOOL = PLANS / "school.yaml"
A_SCHOOL_DAY = date(2026, 10, 13)  # no key date in any example plan


def facts(
    *,
    posts: int,
    sites: int,
    negative: float,
    domains: frozenset[str] = frozenset(),
    tier: str = "self",
    per_hour: int | None = None,
    reach: int = 0,
) -> EventFacts:
    hourly = posts // 4 if per_hour is None else per_hour
    return EventFacts(
        posts=posts,
        sites=sites,
        top_tier=tier,
        posts_last_hour=hourly,
        posts_hour_before=hourly,
        negative_share=negative,
        negative_share_recent=negative,
        negative_share_before=negative,
        mainstream_media=tier in ("central", "provincial", "municipal"),
        domains=domains,
        reach=reach,
    )


def level(plan: str = "school", **kwargs: object) -> str | None:
    loaded = load_plan(PLANS / f"{plan}.yaml")
    proposal = propose(loaded, facts(**kwargs), day=A_SCHOOL_DAY)  # type: ignore[arg-type]
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


def test_county_first_level_is_central_media_or_provincial_and_mostly_negative() -> None:
    # 全国性门户网站首页或中央主要媒体采录，或省级以上媒体报道且负面占比过半
    assert level("county_bureau", posts=20, sites=2, negative=0.1, tier="central") == "I"
    assert level("county_bureau", posts=20, sites=2, negative=0.6, tier="provincial") == "I"
    # Provincial media and mostly calm: 重大 (省级媒体报道), not 特别重大.
    assert level("county_bureau", posts=20, sites=2, negative=0.2, tier="provincial") == "II"
    # A city paper's report is not a national matter.
    assert level("county_bureau", posts=5, sites=1, negative=0.0, tier="municipal") == "IV"


def test_county_sensitive_domain_needs_fast_spread_for_second_level() -> None:
    food = frozenset({"food_safety"})
    # 重点领域敏感信息迅速发酵: the domain and fast growth together.
    assert (
        level("county_bureau", posts=200, sites=2, negative=0.5, domains=food, per_hour=80) == "II"
    )
    # One parent's post about the canteen is a question, not a 重大 matter.
    assert level("county_bureau", posts=1, sites=1, negative=1.0, domains=food, per_hour=1) == "IV"


def test_township_orange_needs_wide_attention() -> None:
    wages = frozenset({"wages"})
    assert level("township", posts=1, sites=1, negative=1.0, domains=wages, per_hour=1) == "blue"
    assert level("township", posts=12, sites=3, negative=0.2, domains=wages, per_hour=3) == "orange"
    assert level("township", posts=12, sites=3, negative=0.5, per_hour=3) == "yellow"
    assert level("township", posts=12, sites=1, negative=0.0, tier="provincial") == "orange"


def test_township_orange_for_a_few_posts_that_reached_many() -> None:
    # 引起较大范围关注: two posts reposted, commented and liked ten thousand times are no
    # longer 少量围观 (one short of it, they still are).
    assert level("township", posts=2, sites=1, negative=0.0, per_hour=1, reach=10_000) == "orange"
    assert level("township", posts=2, sites=1, negative=0.0, per_hour=1, reach=9_999) == "blue"
    loaded = load_plan(PLANS / "township.yaml")
    proposal = propose(
        loaded, facts(posts=2, sites=1, negative=0.0, reach=12_345), day=A_SCHOOL_DAY
    )
    assert proposal is not None
    assert proposal.reasons == [{"criterion": "min_reach", "reach": 12_345, "needed": 10_000}]


def test_min_reach_gives_its_numbers_and_joins_other_tests() -> None:
    wide = facts(posts=3, sites=1, negative=0.0, reach=50_000)
    reason = {"criterion": "min_reach", "reach": 50_000, "needed": 50_000}
    assert meets(Criteria(min_reach=50_000), wide) == (True, [reason])
    assert meets(Criteria(min_reach=50_001), wide) == (False, [])
    # "all": reach alone is not enough when the level asks for more posts too.
    both = Criteria(min_reach=1_000, min_posts=5, combine="all")
    assert meets(both, wide)[0] is False
    more = facts(posts=5, sites=1, negative=0.0, reach=50_000)
    assert meets(both, more) == (
        True,
        [
            {"criterion": "min_posts", "posts": 5, "needed": 5},
            {"criterion": "min_reach", "reach": 50_000, "needed": 1_000},
        ],
    )


def test_plans_without_min_reach_ignore_reach() -> None:
    # Existing plans grade as before, however far an event reached.
    for reach in (0, 10**9):
        assert level(posts=1, sites=1, negative=1.0, reach=reach) == "L3"
        assert level("county_bureau", posts=5, sites=1, negative=0.0, reach=reach) == "IV"
