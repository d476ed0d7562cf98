"""The shipped scenario is what its builder makes, and reads as a realistic story."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

from yuqing.demo.build_scenario import build
from yuqing.demo.story_lines import AFTER_RESULT, CALM


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


def test_comments_name_the_post_they_answer_as_a_crawl_gives_them() -> None:
    posts = build()
    by_id = {p["id"]: p for p in posts}
    comments = [p for p in posts if _reaction(p["text"])]
    assert len(comments) == 65  # the reactions to the statement and to the test result
    for comment in comments:
        parent = by_id[comment["reply_to"]]
        assert parent["offset_s"] <= comment["offset_s"]  # answered posts exist by then
        assert parent["source"] == comment["source"]  # a comment sits on its own site
        if comment["platform"] == "forum":
            assert "reply_to" not in parent  # a forum reply names its thread's first post


def test_the_reactions_join_the_story_they_answer_when_clustered() -> None:
    # Short reactions name nothing of the story ("态度还算诚恳"); their link places them
    # (before the links: events of 12, 5, 5 and single posts of their own).
    from typer.testing import CliRunner

    from yuqing.cli.main import app

    shipped = resources.files("yuqing.demo").joinpath("scenario.jsonl")
    with resources.as_file(shipped) as path:
        result = CliRunner().invoke(app, ["cluster", "--input", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    story = next(r["event_id"] for r in rows if r["id"] == "demo-0001")
    reactions = [r for r in rows if _reaction(r["text"])]
    assert reactions
    assert {r["event_id"] for r in reactions} == {story}


def _reaction(text: str) -> bool:
    return any(text.startswith(line) for line in (*CALM, *AFTER_RESULT))
