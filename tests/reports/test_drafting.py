"""Drafts from the organization's own model are held to the store (docs/llm.md): a fake
chat-completions server on 127.0.0.1 answers, the checks keep what the store bears out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from tests.conftest import Cli, Store
from tests.fakes.chat import FakeChat, Messages
from yuqing.analysis.llm.drafting import Grounds, Source, check

GROUNDS = Grounds(
    figures={"posts": 12000, "negative_share": 0.6183, "events": 3, "event1_title": "食堂"},
    sources=[
        Source("P1", "w1", "明德学校食堂饭菜发霉，3名学生腹泻"),
        Source("P2", "n7", "教育局已介入调查"),
    ],
    days=frozenset({date(2026, 3, 1)}),
)


def verdicts(answer: str) -> list[tuple[str, str]]:
    draft = check(answer, GROUNDS, model="endpoint:m")
    kept = [(s.text, ",".join(s.cites)) for s in draft.sentences]
    return kept + [(r.text, r.reason) for r in draft.refused]


def test_numbers_must_round_from_a_figure_or_come_from_a_cited_post() -> None:
    assert verdicts("本期相关帖子1.2万条，负面占比62%。[P1]") == [
        ("本期相关帖子1.2万条，负面占比62%。", "w1")
    ]
    assert verdicts("3名学生腹泻，教育局已介入。[P1][P2]") == [
        ("3名学生腹泻，教育局已介入。", "w1,n7")
    ]
    assert verdicts("负面占比70%。[P1]") == [
        ("负面占比70%。", "the number 70% is not in the store")
    ]
    assert verdicts("已有5名学生住院。[P2]") == [
        ("已有5名学生住院。", "the number 5 is not in the store")
    ]


def test_every_sentence_cites_posts_it_was_given_and_days_it_knows() -> None:
    assert verdicts("家长情绪激动。") == [("家长情绪激动。", "cites no post")]
    assert verdicts("涉事食堂已关闭。[P9]") == [("涉事食堂已关闭。", "cites P9, not given")]
    assert verdicts("2026年3月1日事件发酵。[P1]") == [("2026年3月1日事件发酵。", "w1")]
    assert verdicts("3月以来持续发酵。[P1]") == [("3月以来持续发酵。", "w1")]
    assert verdicts("2025年曾发生类似事件。[P1]") == [
        ("2025年曾发生类似事件。", "the day 2025年 is not in the store")
    ]
    assert verdicts("3月5日事件平息。[P1]") == [
        ("3月5日事件平息。", "the day 3月5日 is not in the store")
    ]


@pytest.fixture
def drafting_endpoint() -> Iterator[FakeChat]:
    def respond(messages: Messages) -> str:
        material = json.loads(messages[-1]["content"])
        figures = material["figures"]
        first = material["posts"][0]["ref"]
        return (
            f"本期共监测到相关帖子{figures['posts']}条，"
            f"负面占比{figures['negative_share']:.0%}。[{first}]\n"
            f"事件已扩散至35个网站。[{first}]\n"
            "家长普遍不满。"
        )

    fake = FakeChat(respond)
    yield fake
    fake.close()


DAY = ["--from", "2026-03-01", "--to", "2026-03-02"]


def test_report_draft_proposes_a_checked_summary(
    seeded: Store, cli: Cli, drafting_endpoint: FakeChat
) -> None:
    cli.env.update({"YUQING_LLM_URL": drafting_endpoint.url, "YUQING_LLM_MODEL": "qwen-local"})
    done = cli("report", "draft", "daily", *DAY)
    assert done.code == 0, done.stderr
    draft = json.loads(done.stdout)
    assert draft["model"] == "endpoint:qwen-local"
    assert [(s["text"], s["cites"]) for s in draft["sentences"]] == [
        ("本期共监测到相关帖子3条，负面占比67%。", ["a1"])
    ]
    assert [r["reason"] for r in draft["refused"]] == [
        "the number 35 is not in the store",
        "cites no post",
    ]
    material = json.loads(drafting_endpoint.requests[0]["messages"][-1]["content"])
    assert [p["ref"] for p in material["posts"]] == ["P1", "P2", "P3"]


def test_report_draft_without_an_endpoint_is_one_line(seeded: Store, cli: Cli) -> None:
    done = cli("report", "draft", "daily", *DAY)
    assert done.code == 2
    assert done.stderr.count("\n") == 1 and "YUQING_LLM_URL" in done.stderr


def test_a_failing_endpoint_is_one_line(
    seeded: Store, cli: Cli, drafting_endpoint: FakeChat
) -> None:
    cli.env.update({"YUQING_LLM_URL": drafting_endpoint.url, "YUQING_LLM_MODEL": "m"})
    drafting_endpoint.fail_next("server_error")
    done = cli("report", "draft", "daily", *DAY)
    assert done.code == 1 and done.stderr.count("\n") == 1
    assert "HTTP 500" in done.stderr
