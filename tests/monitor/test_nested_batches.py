"""Batches nest in the copy table and the clusterer (the pipeline overlaps two): commit
keeps the oldest open batch, rollback forgets the newest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from yuqing.analysis.events.clusterer import OnlineClusterer
from yuqing.monitor.dedup import Deduplicator
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
STORIES = [
    "明德一中食堂午饭吃出虫子，多名学生腹痛送医，家长聚集要求学校公开调查结果",
    "暴雨导致城南立交桥下积水一米多深，三辆轿车熄火被困，消防员涉水救出司机",
    "新能源汽车补贴政策调整，购车者担心价格上涨，经销商称本月订单激增",
]


def post(n: int, text: str) -> Post:
    obj = {"id": f"p{n}", "text": text, "published_at": (T0 + timedelta(minutes=n)).isoformat()}
    return parse_post(obj, received_at=T0 + timedelta(days=1), max_post_bytes=1 << 20)


def batch(first: int, size: int, stories: tuple[int, ...] = (0, 1, 2)) -> list[Post]:
    """Posts of `stories`, every third one a near copy of the one before."""
    out = []
    for n in range(first, first + size):
        story = STORIES[stories[n % len(stories)]]
        text = f"{story}，第{n}条"
        if n % 3 == 2:
            text = f"转发微博 //@某人: {out[-1].text}" if out else text
        out.append(post(n, text))
    return out


def clustered(clusterer: OnlineClusterer, posts: list[Post]) -> None:
    for one in posts:
        clusterer.assign(one)


def deduplicated(dedup: Deduplicator, posts: list[Post]) -> None:
    for one in posts:
        dedup.check_and_add(one)


def cluster_state(clusterer: OnlineClusterer) -> Any:
    state = orjson.loads(clusterer.snapshot())
    # A rolled back batch puts back a link's value, not its place among the oldest.
    for name in ("post_event", "repeats", "orphans", "awaiting"):
        state[name] = dict(state[name])
    return state


def check_nesting(
    make: Callable[[], Any], feed: Callable[[Any, list[Post]], None], state: Callable[[Any], Any]
) -> None:
    # The second batch changes events the first one left alone (the first batch's undo
    # must find them as they were, not as the second batch left them).
    before, first, second = batch(0, 30), batch(30, 30, (0,)), batch(60, 30, (1, 2))
    # Control: only `before` and `first`.
    control = make()
    feed(control, before)
    feed(control, first)
    kept_first = state(control)

    one = make()
    feed(one, before)
    at_start = state(one)
    # Both open, newest rolled back, then the oldest: as before either.
    one.begin()
    feed(one, first)
    one.begin()
    feed(one, second)
    one.rollback()
    one.rollback()
    assert state(one) == at_start
    # Both open, the oldest committed, the newest rolled back: the first batch stays.
    one.begin()
    feed(one, first)
    one.begin()
    feed(one, second)
    one.commit()
    one.rollback()
    assert state(one) == kept_first
    # Both kept: as if fed one after the other.
    again = make()
    feed(again, before)
    again.begin()
    feed(again, first)
    again.begin()
    feed(again, second)
    again.commit()
    again.commit()
    feed(control, second)
    assert state(again) == state(control)


def test_clusterer_batches_nest() -> None:
    check_nesting(OnlineClusterer, clustered, cluster_state)


def test_dedup_batches_nest() -> None:
    check_nesting(Deduplicator, deduplicated, lambda dedup: orjson.loads(dedup.snapshot()))
