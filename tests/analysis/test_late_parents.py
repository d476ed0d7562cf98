"""A parent stored after its replies gathers them into its event (pipeline and clusterer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.analysis.events.clusterer import OnlineClusterer
from yuqing.analysis.models import Event, EventPost
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

WATCHES = """
watches:
  - name: school
    rule: 明德一中 | 运动会 | 学校
    organization: 明德一中
"""
T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
ROOT = "【北京暴雨】今天北京遭遇特大暴雨，多条道路积水严重，地铁部分停运。"
REPLY = "太可怕了，大家注意安全！"


def post(pid: str, text: str, minutes: float, **extra: Any) -> Post:
    obj = {"id": pid, "text": text, "published_at": (T0 + timedelta(minutes=minutes)).isoformat()}
    return parse_post({**obj, **extra}, received_at=T0 + timedelta(days=1), max_post_bytes=1 << 20)


def test_a_late_parent_claims_its_replies_and_their_replies_once() -> None:
    clusterer = OnlineClusterer()
    r1 = clusterer.assign(post("r1", REPLY, 0, reply_to="https://bbs.example.cn/t/1"))
    r2 = clusterer.assign(post("r2", "顶一下", 1, reply_to="r1"))
    assert r2.event_id == r1.event_id and r2.reason == "reply"
    root = post("p1", ROOT, 2, url="https://bbs.example.cn/t/1")
    parent = clusterer.assign(root)
    assert parent.event_id != r1.event_id
    claimed = clusterer.claim_replies(root)
    assert claimed == ["r1", "r2"]
    assert clusterer.claim_replies(root) == []  # claimed once
    moved = [post("r1", REPLY, 0), post("r2", "顶一下", 1)]
    assert clusterer.move_posts(moved, parent.event_id) == [r1.event_id]
    assert clusterer.event_of_post("r1") == clusterer.event_of_post("r2") == parent.event_id
    assert clusterer.summary(parent.event_id).size == 3  # type: ignore[union-attr]
    # The emptied event stands for the parent's now: a late copy of r1 follows.
    assert clusterer.resolve(r1.event_id) == parent.event_id
    assert clusterer.summary(r1.event_id).size == 3  # type: ignore[union-attr]


def test_claims_and_moves_roll_back_with_their_batch_and_survive_a_snapshot() -> None:
    clusterer = OnlineClusterer()
    r1 = clusterer.assign(post("r1", REPLY, 0, reply_to="p1"))
    restored = OnlineClusterer()
    restored.restore(clusterer.snapshot())
    for one in (clusterer, restored):
        one.begin()
        root = post("p1", ROOT, 2)
        parent = one.assign(root)
        assert one.claim_replies(root) == ["r1"]
        one.move_posts([post("r1", REPLY, 0)], parent.event_id)
        one.rollback()
        assert one.event_of_post("r1") == r1.event_id
        assert one.summary(r1.event_id).size == 1  # type: ignore[union-attr]
        assert one.claim_replies(post("p1", ROOT, 2)) == ["r1"]


def members(session: Session, event_id: str) -> set[str]:
    return set(
        session.scalars(
            select(StoredPost.post_id)
            .join(EventPost, EventPost.post_pk == StoredPost.pk)
            .where(EventPost.event_id == event_id)
        )
    )


def event_of(session: Session, post_id: str) -> Event:
    return session.scalars(
        select(Event)
        .join(EventPost, EventPost.event_id == Event.id)
        .join(StoredPost, StoredPost.pk == EventPost.post_pk)
        .where(StoredPost.post_id == post_id)
    ).one()


LUNCH = "明德一中食堂今天中午的红烧肉太咸了，孩子回家一直喊渴，能不能少放点盐"
PARENT = {"id": "p1", "source": "明德论坛", "media_tier": "self", "url": "https://bbs.example.cn/t/9",
          "title": "秋季运动会延期通知",
          "text": "原定本周五举行的秋季运动会因天气原因延期至下周三，请家长知悉。",
          "published_at": "2026-03-02T13:00:00+08:00"}  # fmt: skip


def test_pipeline_moves_stored_replies_into_a_parent_of_a_later_batch(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    first = [
        # A lunch complaint, and a reply to the (not yet stored) sports-day notice that
        # reads like it: clustered by its text, it joins the lunch event.
        {"id": "u1", "source": "weibo", "media_tier": "self", "text": LUNCH,
         "published_at": "2026-03-02T12:00:00+08:00"},
        {"id": "r1", "source": "明德论坛", "media_tier": "self",
         "text": "明德一中食堂的红烧肉确实咸，孩子回家也一直喊渴，同问", "reply_to": "https://bbs.example.cn/t/9",
         "published_at": "2026-03-02T12:10:00+08:00", "engagement": {"likes": 7}},
        # A reply on its own (nothing like it yet), and a reply to that reply.
        {"id": "r2", "source": "明德论坛", "media_tier": "self", "text": "学校说改就改，这安排太随意了吧",
         "reply_to": "p1", "published_at": "2026-03-02T12:20:00+08:00"},
        {"id": "r3", "source": "明德论坛", "media_tier": "self", "text": "学校一贯如此",
         "reply_to": "r2", "published_at": "2026-03-02T12:25:00+08:00"},
    ]  # fmt: skip
    pipeline.run([Record(i, obj=o) for i, o in enumerate(first, 1)])
    with Session(store.engine) as session:
        lunch = event_of(session, "u1")
        assert members(session, lunch.id) == {"u1", "r1"}
        alone = event_of(session, "r2")
        assert members(session, alone.id) == {"r2", "r3"}
        lunch_id, alone_id = lunch.id, alone.id
    clock.set(clock.now() + timedelta(minutes=5))
    pipeline.run([Record(1, obj=PARENT)])
    with Session(store.engine) as session:
        parent = event_of(session, "p1")
        assert members(session, parent.id) == {"p1", "r1", "r2", "r3"}
        assert (parent.posts, parent.likes, parent.sites) == (4, 7, 1)
        assert parent.title == "秋季运动会延期通知"
        # The event the reply left keeps its other post, its facts recomputed.
        lunch = session.get(Event, lunch_id)
        assert lunch is not None and lunch.merged_into is None
        assert (lunch.posts, lunch.likes, lunch.first_source) == (1, 0, "weibo")
        assert members(session, lunch_id) == {"u1"}
        # The event that held only replies is empty and leads to the parent's.
        alone = session.get(Event, alone_id)
        assert alone is not None and (alone.posts, alone.merged_into) == (0, parent.id)
        r1 = session.scalars(select(StoredPost).where(StoredPost.post_id == "r1")).one()
        assert r1.annotations["event_id"] == parent.id
        parent_id = parent.id
    # The live clusterer moved them too: a later reply to r3 and a repeat of r1 follow.
    clock.set(clock.now() + timedelta(minutes=5))
    later = [
        {"id": "r4", "source": "weibo", "text": "学校顶一下", "reply_to": "r3",
         "published_at": "2026-03-02T13:20:00+08:00"},
    ]  # fmt: skip
    pipeline.run([Record(1, obj=later[0])])
    with Session(store.engine) as session:
        assert event_of(session, "r4").id == parent_id
        assert session.get(Event, parent_id).posts == 5  # type: ignore[union-attr]


def test_cluster_command_waits_across_batches_of_lines() -> None:
    import json

    from typer.testing import CliRunner

    from tests.analysis.test_event_threads import cli

    filler = [
        {"id": f"f{n}", "text": f"第{n}条无关消息 topic{n} item{n}",
         "published_at": (T0 + timedelta(seconds=n)).isoformat()}
        for n in range(600)
    ]  # fmt: skip
    lines = [
        {"id": "r1", "text": REPLY, "reply_to": "p1", "published_at": T0.isoformat()},
        *filler,
        {"id": "p1", "text": ROOT, "published_at": (T0 + timedelta(minutes=11)).isoformat()},
    ]
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    result = CliRunner().invoke(cli(), ["cluster"], input=stdin)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == [line["id"] for line in lines]  # input order kept
    assert rows[0]["event_id"] == rows[-1]["event_id"]


def test_a_restarted_pipeline_still_gathers_replies_stored_before_its_checkpoint(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    first = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    reply = {"id": "r2", "source": "明德论坛", "text": "学校说改就改，这安排太随意了吧",
             "reply_to": "p1", "published_at": "2026-03-02T12:20:00+08:00"}  # fmt: skip
    first.run([Record(1, obj=reply)])
    first.checkpoint(force=True)
    again = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    again.run([Record(1, obj=PARENT)])
    with Session(store.engine) as session:
        assert members(session, event_of(session, "p1").id) == {"p1", "r2"}
