"""Threads: a reply (`reply_to`) joins its parent's event; stories keep apart in the demo."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from yuqing.analysis.events.clusterer import OnlineClusterer
from yuqing.analysis.events.evaluate import cluster_file, scores
from yuqing.analysis.events.threads import ReplyWaiter
from yuqing.analysis.steps import ClusterStep
from yuqing.cli.cluster import register
from yuqing.core.errors import InvalidInput
from yuqing.demo.story_lines import NEWS_TITLE, RESULT_TITLE, SPORTS_TITLE, STATEMENT_TITLE
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post, reply_parent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "clustering"
SCENARIO = Path(__file__).resolve().parents[2] / "src" / "yuqing" / "demo" / "scenario.jsonl"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 1, 1, tzinfo=UTC)
ROOT = "【北京暴雨】今天北京遭遇特大暴雨，多条道路积水严重，地铁部分停运。"
OTHER = "某中学食堂饭菜发霉，学生家长投诉学校管理不到位，教育局介入调查"


def post(pid: str, text: str, minutes: float, **extra: Any) -> Post:
    obj: dict[str, Any] = {
        "id": pid,
        "text": text,
        "published_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        **extra,
    }
    return parse_post(obj, received_at=RECEIVED, max_post_bytes=1 << 20)


def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:
        """Keeps typer in multi-command mode."""

    return app


def test_reply_joins_its_parents_event_with_no_shared_word() -> None:
    c = OnlineClusterer()
    root = c.assign(post("p1", ROOT, 0, url="https://bbs.example.cn/t/1"))
    c.assign(post("p2", OTHER, 1))
    by_id = c.assign(post("p3", "太可怕了！", 2, reply_to="p1"))
    by_url = c.assign(post("p4", "哈哈哈", 3, reply_to="https://bbs.example.cn/t/1"))
    numeric = c.assign(post("p5", "顶", 4, reply_to="p1 "))
    assert by_id.event_id == by_url.event_id == numeric.event_id == root.event_id
    assert (by_id.reason, by_id.is_new) == ("reply", False)
    summary = c.summary(root.event_id)
    assert summary is not None
    assert summary.size == 4


def test_reply_parent_is_read_from_id_or_number_and_never_itself() -> None:
    assert reply_parent(post("a", "x", 0, reply_to=12345)) == "12345"
    assert reply_parent(post("a", "x", 0, reply_to="a")) is None
    assert reply_parent(post("a", "x", 0, reply_to="  ")) is None
    # A list or a boolean is refused when the post is read (it silently left the reply
    # out of its thread); one that reached the clusterer by another way names no parent.
    for wrong in (["p1"], True):
        with pytest.raises(InvalidInput, match="reply_to"):
            post("a", "x", 0, reply_to=wrong)
        unread = post("a", "x", 0)
        unread.extra["reply_to"] = wrong
        assert reply_parent(unread) is None


def test_reply_to_an_unknown_or_other_partitions_post_is_clustered_by_text() -> None:
    c = OnlineClusterer()
    root = c.assign(post("p1", ROOT, 0), partition="a")
    lone = c.assign(post("p2", "太可怕了！", 1, reply_to="p1"), partition="b")
    assert lone.is_new
    assert lone.event_id != root.event_id
    unknown = c.assign(post("p3", "太可怕了！", 2, reply_to="nowhere"), partition="a")
    assert unknown.reason != "reply"


def test_reply_to_a_retired_event_still_belongs_to_it() -> None:
    c = OnlineClusterer()
    root = c.assign(post("p1", ROOT, 0))
    c.assign(post("p2", OTHER, 60 * 24 * 30))  # a month later: the first event retired
    assert c.summary(root.event_id) is None
    late = c.assign(post("p3", "还记得这件事", 60 * 24 * 30 + 1, reply_to="p1"))
    assert (late.event_id, late.reason) == (root.event_id, "reply")


def test_waiting_reply_joins_its_parent_when_it_comes() -> None:
    waiter = ReplyWaiter(OnlineClusterer())
    assert waiter.push(post("r1", "太可怕了！", 0, reply_to="p1")) == []
    assert waiter.push(post("r2", "转发", 0.5, reply_to="r1")) == []  # a reply to the reply
    assert waiter.held() == 2
    placed = waiter.push(post("p1", ROOT, 1))
    assert [one.post.id for one in placed] == ["p1", "r1", "r2"]
    assert len({one.assignment.event_id for one in placed}) == 1
    assert waiter.held() == 0
    assert waiter.flush() == []


def test_waiting_is_bounded_by_stream_time_and_by_posts() -> None:
    waiter = ReplyWaiter(OnlineClusterer(), max_wait=timedelta(minutes=10), max_posts=3)
    assert waiter.push(post("r1", ROOT, 0, reply_to="gone")) == []
    # Stream time, not the wall clock: 11 minutes later by the posts' own times.
    placed = waiter.push(post("x1", OTHER, 11))
    assert [one.post.id for one in placed] == ["x1", "r1"]
    assert placed[1].assignment.reason != "reply"
    assert waiter.push(post("r2", "北京暴雨积水", 12, reply_to="gone")) == []
    waiter.push(post("x2", OTHER, 12.1))
    waiter.push(post("x3", OTHER, 12.2))
    placed = waiter.push(post("x4", OTHER, 12.3))
    assert [one.post.id for one in placed] == ["x4", "r2"]
    held = ReplyWaiter(OnlineClusterer(), max_held=1)
    held.push(post("r1", ROOT, 0, reply_to="gone"))
    assert [one.post.id for one in held.push(post("r2", ROOT, 0, reply_to="gone2"))] == ["r1"]
    assert [one.post.id for one in held.flush()] == ["r2"]


def test_cluster_command_links_a_reply_that_comes_before_its_parent() -> None:
    lines = [
        {"id": "r1", "text": "太可怕了！", "reply_to": "https://bbs.example.cn/t/1"},
        {"id": "x", "text": OTHER},
        {"id": "p1", "text": ROOT, "url": "https://bbs.example.cn/t/1"},
        {"id": "r2", "text": "哈哈哈", "reply_to": "p1"},
    ]
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    result = CliRunner().invoke(cli(), ["cluster"], input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["r1", "x", "p1", "r2"]  # input order kept
    event = {r["id"]: r["event_id"] for r in rows}
    assert event["r1"] == event["p1"] == event["r2"] != event["x"]
    assert rows[0]["reply_to"] == "https://bbs.example.cn/t/1"


def test_pipeline_step_links_replies_within_and_across_batches() -> None:
    step = ClusterStep()
    first = [post("r1", "太可怕了！", 0, reply_to="p1"), post("p1", ROOT, 1)]
    step(first, now=RECEIVED)
    later = [post("r2", "哈哈哈", 2, reply_to="p1"), post("x", OTHER, 3)]
    step(later, now=RECEIVED)
    ids = {p.id: p.annotations["event_id"] for p in first + later}
    assert ids["r1"] == ids["p1"] == ids["r2"] != ids["x"]


def test_linked_replies_lift_ced_excerpt() -> None:
    text_only = scores(*cluster_file(FIXTURES / "ced_excerpt.jsonl"))
    linked = scores(*cluster_file(FIXTURES / "ced_excerpt.jsonl", link_replies=0.7))
    assert linked["bcubed_f1"] > text_only["bcubed_f1"] + 0.2
    assert linked["nmi"] > text_only["nmi"]


def test_demo_hospital_posts_keep_apart_and_main_story_stays_one() -> None:
    # The scenario's ids run by story: canteen ≤ 365, hospital parking ≤ 415, sports day.
    result = CliRunner().invoke(cli(), ["cluster", "--input", str(SCENARIO)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]

    def story(row: dict[str, Any]) -> str:
        number = int(row["id"].removeprefix("demo-"))
        return "canteen" if number <= 365 else "hospital" if number <= 415 else "sports"

    canteen = Counter(r["event_id"] for r in rows if story(r) == "canteen")
    main, size = canteen.most_common(1)[0]
    assert size >= 0.9 * sum(canteen.values())  # 336 of 365 (2026-12-06; 321 before)
    hospital = {r["event_id"] for r in rows if story(r) == "hospital"}
    assert main not in hospital
    assert len(hospital) == 1
    sports = Counter(r["event_id"] for r in rows if story(r) == "sports")
    assert main not in sports  # 7 sports-day posts joined the canteen story before
    # The school's statement and the city paper's report are in the story's event.
    by_title = {r["title"]: r["event_id"] for r in rows if r.get("title")}
    assert by_title[STATEMENT_TITLE] == by_title[NEWS_TITLE] == main
    # The market bureau's test result, worded like the story's reports and not like its
    # parents, joins it by the reports' words; the sports day's notice, which shares the
    # school's name with them, does not (2026-12-06: the result joined the notice).
    assert by_title[RESULT_TITLE] == main
    assert by_title[SPORTS_TITLE] != by_title[RESULT_TITLE]
    replies = [r for r in rows if r.get("reply_to") == "demo-0001"]
    assert replies
    assert {r["event_id"] for r in replies} == {main}
