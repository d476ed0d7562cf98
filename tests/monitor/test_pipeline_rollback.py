"""A batch that is not stored leaves no trace in the live pipeline's memory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from tests.alerts.test_alerting_flow import PLAN
from tests.conftest import Store
from yuqing.alerts.models import Alert
from yuqing.analysis.events.clusterer import OnlineClusterer
from yuqing.analysis.models import Event, EventPost
from yuqing.analysis.steps import ClusterStep
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import AfterStore, Pipeline
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.plan import service as plan_service
from yuqing.worker.live import build_pipeline

STORY = "明德一中食堂午饭吃出虫子，多名学生腹痛"
REPORT = "明德一中食堂午饭吃出虫子，多名学生腹痛，市教育局已介入调查并封存食材，家长情绪激动"
LICENCE = "明德一中食堂承包商被曝无证经营，卫生许可证早已过期，家长质疑学校监管失职"


def parent(n: int) -> dict[str, object]:
    return {"id": f"p{n}", "source": f"site{n}", "media_tier": "self",
            "text": f"{STORY}，第{n}位家长反映"}  # fmt: skip


FIRST = [parent(1)]
# The batch whose transaction fails: a headline that would name the event, a new story,
# and a repost of p1 (a copy link).
FAILED = [
    {"id": "f1", "source": "市晚报", "media_tier": "municipal", "title": "明德一中食堂事件通报",
     "text": REPORT},
    {"id": "f2", "source": "论坛", "media_tier": "self", "text": LICENCE},
    {"id": "f3", "source": "weibo", "media_tier": "self",
     "text": f"转发微博 //@家长: {STORY}，第1位家长反映"},
]  # fmt: skip
# After it: more of the story, a repost of f1's words and f2's words again under a new id.
LATER = [
    parent(2),
    parent(3),
    {"id": "c1", "source": "weibo", "media_tier": "self", "text": f"转发 //@某人: {REPORT}"},
    {"id": "g2", "source": "贴吧", "media_tier": "self", "text": LICENCE},
]


def live_pipeline(engine: Any, clock: FrozenClock, settings: Settings) -> Pipeline:
    with Session(engine) as session:
        plan_service.load(
            session=session,
            clock=clock,
            author="test",
            text=PLAN.format(webhook="https://h.test/x"),
        )
        service.upsert_watches(
            session=session,
            clock=clock,
            watches=load_watch_text(
                "watches:\n  - {name: canteen, rule: 明德一中 食堂}\n", filename="w"
            ),
        )
        session.commit()
    return build_pipeline(engine=engine, clock=clock, settings=settings)


def push(pipeline: Pipeline, clock: FrozenClock, posts: list[dict[str, object]]) -> None:
    clock.advance(timedelta(minutes=10))
    now = clock.now().isoformat()
    pipeline.run([Record(i, obj={"published_at": now, **p}) for i, p in enumerate(posts, 1)])


def outcome(engine: Any) -> dict[str, object]:
    """What people see: posts and their copy links and events, events, alerts."""
    with Session(engine) as session:
        posts = {
            p.post_id: (p.duplicate_of, p.annotations.get("event_id"))
            for p in session.scalars(select(StoredPost))
        }
        events = {}
        for event in session.scalars(select(Event)):
            members = session.scalars(
                select(StoredPost.post_id)
                .join(EventPost, EventPost.post_pk == StoredPost.pk)
                .where(EventPost.event_id == event.id)
            )
            events[event.id] = (event.title, event.posts, sorted(members))
        alerts = sorted(session.scalars(select(Alert.title)))
    return {"posts": posts, "events": events, "alerts": alerts}


def clusterer(pipeline: Pipeline) -> OnlineClusterer:
    return cast(ClusterStep, pipeline.stateful[0]).clusterer


def fail_on(post_id: str) -> AfterStore:
    def fail(conn: Connection, stored: list[tuple[Post, int]], *, now: object) -> None:
        if any(post.id == post_id for post, _pk in stored):
            raise RuntimeError("the store refused the batch")

    return AfterStore("fail", fail)


def test_a_failed_batch_leaves_no_trace(
    store: Store, clock: FrozenClock, settings: Settings, tmp_path: Path
) -> None:
    start = clock.now()
    pipeline = live_pipeline(store.engine, clock, settings)
    pipeline.after_store = [*pipeline.after_store, fail_on("f1")]
    push(pipeline, clock, FIRST)
    events_before = orjson.loads(clusterer(pipeline).snapshot())
    dedup_before = pipeline._dedup.snapshot()
    with pytest.raises(RuntimeError, match="refused"):
        push(pipeline, clock, FAILED)
    # The memory is as it was before the batch: events, words, links, copies.
    assert orjson.loads(clusterer(pipeline).snapshot()) == events_before
    assert pipeline._dedup.snapshot() == dedup_before
    push(pipeline, clock, LATER)
    seen = outcome(store.engine)

    # The same posts without the failed batch, on a store that never saw it.
    control_clock = FrozenClock(start)
    control_engine = make_engine(f"sqlite:///{tmp_path / 'control.db'}")
    upgrade(control_engine)
    control = live_pipeline(control_engine, control_clock, settings)
    push(control, control_clock, FIRST)
    control_clock.advance(timedelta(minutes=10))
    push(control, control_clock, LATER)
    assert seen == outcome(control_engine)
    control_engine.dispose()

    posts = cast(dict[str, tuple[str | None, str]], seen["posts"])
    assert set(posts) == {"p1", "p2", "p3", "c1", "g2"}
    # Not copies of posts that were never stored.
    assert posts["c1"][0] is None and posts["g2"][0] is None
    events = cast(dict[str, tuple[str, int, list[str]]], seen["events"])
    school = events[posts["p1"][1]]
    assert school[0] != "明德一中食堂事件通报" and "p2" in school[2]
    alerts = cast(list[str], seen["alerts"])
    assert alerts and all("事件通报" not in title for title in alerts)
