"""The shipped scenario is what its builder makes, and reads as a realistic story."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

from yuqing.demo.build_scenario import build


def test_the_shipped_file_is_the_builders_output() -> None:
    shipped = resources.files("yuqing.demo").joinpath("scenario.jsonl").read_text("utf-8")
    assert [json.loads(line) for line in shipped.splitlines()] == build()
    assert build() == build()  # a fixed seed: the same story every time


def test_the_story_is_large_and_varied_enough_for_charts() -> None:
    posts = build()
    hours = max(p["offset_s"] for p in posts) / 3600
    assert len(posts) >= 400
    assert 48 <= hours <= 72
    platforms = Counter(p["platform"] for p in posts)
    assert {"forum", "microblog", "wechat", "news", "video"} <= set(platforms)
    tiers = {p["media_tier"] for p in posts}
    assert {"self", "local", "municipal", "provincial"} <= tiers
    texts = [p["text"] for p in posts]
    assert any("//@" in t for t in texts)  # repost chains
    assert any("縣" in t for t in texts)  # Traditional Chinese
    assert any("Mingde County" in t for t in texts)  # English
    assert len({p["id"] for p in posts}) == len(posts)
    replies = [p for p in posts if "reply_to" in p]
    assert replies
    assert all(p["reply_to"] in {q["id"] for q in posts} for p in replies)
