"""Reasons of a proposal as sentences people read, and levels by the plan's names."""

from __future__ import annotations

from yuqing.core.i18n import use_locale
from yuqing.plan.examples import example_plan_text
from yuqing.plan.loading import load_plan_text
from yuqing.plan.wording import level_name, reason_sentence, reasons_text


def test_reasons_read_as_sentences_with_their_numbers() -> None:
    share = {"criterion": "min_negative_share", "negative_share": 1.0, "needed": 0.5}
    tier = {"criterion": "min_tier", "reached": "provincial", "needed": "municipal"}
    with use_locale("zh_CN"):
        assert reason_sentence(share) == "负面占比 100%，超过预案规定的 50%"
        assert reason_sentence(tier) == "传播已达省级媒体，预案规定为市级及以上"
        assert reasons_text([share, tier]) == (
            "负面占比 100%，超过预案规定的 50%；传播已达省级媒体，预案规定为市级及以上"
        )
    with use_locale("en"):
        assert reason_sentence(share) == "negative share 100%, above the 50% the plan sets"


def test_levels_are_named_as_the_plan_names_them() -> None:
    plan = load_plan_text(example_plan_text("county_bureau"))
    assert level_name(plan, "II") == "重大"
    assert level_name(None, "II") == "II"  # no plan: the id is all there is


def test_reach_reads_with_what_it_counts() -> None:
    reach = {"criterion": "min_reach", "reach": 70_000, "needed": 10_000}
    with use_locale("zh_CN"):
        assert reason_sentence(reach) == (
            "传播量 70000（转发、评论、点赞之和，浏览量按百分之一计），达到预案规定的 10000"
        )
    with use_locale("en"):
        assert reason_sentence(reach) == (
            "reach 70000 (reposts, comments and likes, with views counted a hundredth), "
            "at least the 10000 the plan sets"
        )
