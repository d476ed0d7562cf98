"""Chinese words weigh by the plain idf: shared everyday words count less, rare ones decide."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
import pytest

from yuqing.analysis.events.clusterer import ClusterConfig, OnlineClusterer
from yuqing.analysis.events.tokenize import tokens
from yuqing.analysis.events.vectorize import DocumentFrequency, Vector, tfidf
from yuqing.core.textfold import fold
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
SMOOTHED = ClusterConfig(idf_offset_cjk=0.0)  # the weighting before 2026-12-07


def vector(clusterer: OnlineClusterer, text: str) -> Vector:
    return tfidf(tokens(fold(text)), clusterer.df, max_terms=clusterer.config.vector_terms)


def cosine(clusterer: OnlineClusterer, a: str, b: str) -> float:
    va, vb = vector(clusterer, a), vector(clusterer, b)
    return sum(weight * vb.get(word, 0.0) for word, weight in va.items())


def post(pid: str, text: str, at: datetime) -> Post:
    obj = {"id": pid, "text": text, "published_at": at.isoformat()}
    return parse_post(obj, received_at=at, max_post_bytes=1 << 20)


def test_a_chinese_word_weighs_by_its_plain_idf() -> None:
    df = DocumentFrequency()
    df.use_prior({"火灾": 30.0, "地震": 2.0}, 100.0, offset=1.0)
    for n in range(60):
        df.learn(["火灾", f"词{n}"])
    vec = tfidf(["火灾", "地震", "fire"], df)
    n = 60 + 100  # the stream's posts and the background's
    plain = {"火灾": math.log((n + 1) / (60 + 30 + 1)), "地震": math.log((n + 1) / (0 + 2 + 1))}
    assert vec["火灾"] / vec["地震"] == pytest.approx(plain["火灾"] / plain["地震"])
    # Other scripts keep the stream's smoothed idf: ln((n + 1) / (df + 1)) + 1.
    assert vec["fire"] / vec["地震"] == pytest.approx((math.log(61) + 1) / plain["地震"])
    # Without the offset, the smoothed idf as before.
    df.use_prior({"火灾": 30.0, "地震": 2.0}, 100.0)
    smoothed = tfidf(["火灾", "地震"], df)
    assert smoothed["火灾"] / smoothed["地震"] == pytest.approx(
        (plain["火灾"] + 1) / (plain["地震"] + 1)
    )


def test_a_word_in_every_post_weighs_nothing_and_alone_makes_no_vector() -> None:
    df = DocumentFrequency()
    df.use_prior({"网友": 100.0}, 100.0, offset=1.0)  # in every background post too
    for _ in range(60):
        df.learn(["网友"])
    assert tfidf(["网友"], df) == {}
    assert set(tfidf(["网友", "火灾"], df)) == {"火灾"}


def test_everyday_words_count_less_and_a_storys_rare_words_more() -> None:
    plain, smoothed = OnlineClusterer(), OnlineClusterer(SMOOTHED)
    # Two stories' comments that share only everyday words (小时候, 喜欢, 现在, 还能).
    apart = ("小时候最喜欢吃的辣条，现在还能买到吗", "小时候最喜欢看的动画片，现在还能看到吗")
    # One story's comments that share its rare words (牛蛙, 霍乱弧菌).
    together = (
        "昆山农贸市场的牛蛙检出霍乱弧菌，大家小心",
        "今天看到新闻说牛蛙有霍乱弧菌，还敢吃吗",
    )
    assert cosine(plain, *apart) < cosine(smoothed, *apart)
    assert cosine(plain, *together) > cosine(smoothed, *together)


def test_two_stories_sharing_only_everyday_words_stay_apart() -> None:
    # Only the similarity decides here (no pace rules, no activity prior): the two posts
    # share 小时候 and 喜欢, each its own story's rare words. With the smoothed idf the
    # everyday words' floor of 1 was enough for a match (cosine 0.128 ≥ 0.12).
    only_words = {"fresh_bonus": 0.0, "fresh_paces": 0.0, "settled_paces": 0.0}
    a = "小时候最喜欢，辣条、霍乱弧菌、牛蛙、疾控中心、检出、农贸市场、昆山"
    b = "小时候最喜欢，动画片、奥特曼、变形金刚、葫芦娃、黑猫警长、机器猫、央视"
    placed = {}
    for offset in (0.0, 1.0):
        clusterer = OnlineClusterer(ClusterConfig(idf_offset_cjk=offset, **only_words))
        first = clusterer.assign(post("a", a, T0))
        second = clusterer.assign(post("b", b, T0 + timedelta(minutes=1)))
        placed[offset] = second.event_id == first.event_id
    assert placed == {0.0: True, 1.0: False}


def test_the_offset_is_kept_by_snapshots_and_an_older_snapshot_takes_the_default() -> None:
    clusterer = OnlineClusterer(SMOOTHED)
    clusterer.assign(post("a", "昆山农贸市场的牛蛙检出霍乱弧菌", T0))
    restored = OnlineClusterer()
    restored.restore(clusterer.snapshot())
    assert restored.config.idf_offset_cjk == 0.0
    assert restored.df.prior_offset == 0.0
    state = orjson.loads(clusterer.snapshot())
    del state["config"]["idf_offset_cjk"]  # written before the field existed
    older = OnlineClusterer(SMOOTHED)
    older.restore(orjson.dumps(state))
    assert older.config.idf_offset_cjk == asdict(ClusterConfig())["idf_offset_cjk"] == 1.0
    assert older.df.prior_offset == 1.0


def test_another_arrival_order_keeps_each_storys_order_and_gaps() -> None:
    from yuqing.analysis.events.evaluate import interleaved

    def row(story: str, n: int, minutes: float) -> dict[str, Any]:
        at = T0 + timedelta(minutes=minutes)
        return {"id": f"{story}{n}", "gold_event": story, "published_at": at.isoformat()}

    rows = [row("a", 0, 0), row("b", 0, 1), row("a", 1, 30), row("b", 1, 200), row("a", 2, 31)]
    moved = interleaved(rows, 3, 2.0)
    assert sorted(r["id"] for r in moved) == sorted(r["id"] for r in rows)
    times = [datetime.fromisoformat(r["published_at"]) for r in moved]
    assert times == sorted(times)  # merged by the new clock
    for story, gaps in (("a", [30.0, 1.0]), ("b", [199.0])):
        mine = [(r["id"], t) for r, t in zip(moved, times, strict=True) if r["gold_event"] == story]
        assert [pid for pid, _ in mine] == [f"{story}{n}" for n in range(len(mine))]
        assert [(b - a).total_seconds() / 60 for (_, a), (_, b) in pairwise(mine)] == gaps
        assert T0 <= mine[0][1] <= T0 + timedelta(hours=2)
    assert interleaved(rows, 3, 2.0) == moved  # the seed fixes the order
    assert interleaved(rows, 4, 2.0) != moved
    undated = [*rows, {"id": "c0", "gold_event": "c"}]
    with pytest.raises(ValueError, match=r"post 6 \('c0'\): no ISO published_at"):
        interleaved(undated, 3, 2.0)


def test_evaluate_scores_other_orders_and_their_mean(capsys: pytest.CaptureFixture[str]) -> None:
    from yuqing.analysis.events.evaluate import main

    excerpt = Path(__file__).resolve().parents[1] / "fixtures" / "clustering" / "ced_excerpt.jsonl"
    assert main(["--interleave", "2", "--window-hours", "3", str(excerpt)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("interleave") for line in lines] == [0, 1, None]
    assert lines[2]["orders"] == 2
    assert lines[2]["nmi"] == pytest.approx((lines[0]["nmi"] + lines[1]["nmi"]) / 2, abs=1e-4)
    with pytest.raises(SystemExit):
        main(["--interleave", "0", str(excerpt)])
