"""The clustering in its own process, overlapping the store: the same events as in the
pipeline's process, and a batch that is not stored leaves no trace on either side."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from tests.monitor.test_pipeline_rollback import fail_on, live_pipeline, outcome
from yuqing.analysis import cluster_process
from yuqing.analysis import service as events_service
from yuqing.analysis.cluster_process import ClusterProcess, RemoteClusterStep
from yuqing.analysis.models import Event, EventPost
from yuqing.analysis.steps import ClusterStep
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.monitor import pipeline as pipeline_module
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

STORIES = [
    "明德一中食堂午饭吃出虫子，多名学生腹痛送医，家长聚集要求学校公开调查结果",
    "暴雨导致城南立交桥下积水一米多深，三辆轿车熄火被困，消防员涉水救出司机",
    "新能源汽车补贴政策调整，购车者担心价格上涨，经销商称本月订单激增",
    "马拉松比赛周日开跑，两万名选手参赛，沿线道路交通管制八小时，暴雨预案已备",
]
# One organization per story (the last story matches two: a post with two events).
WATCHES = """
watches:
  - {name: canteen, rule: 食堂, organization: 明德一中}
  - {name: rain, rule: 暴雨, organization: 应急局}
  - {name: cars, rule: 补贴, organization: 商务局}
  - {name: race, rule: 马拉松, organization: 体育局}
"""


def stream() -> list[dict[str, object]]:
    """Posts of four stories with copies, replies, and replies that come before their
    parent (a later batch claims them)."""
    out: list[dict[str, object]] = []
    for n in range(36):
        story = STORIES[n % len(STORIES)]
        post: dict[str, object] = {
            "id": f"p{n}",
            "source": f"site{n % 5}",
            "text": f"{story}，第{n}条",
        }
        if n % 6 == 1:
            post["title"] = f"明德一中通报{n % 4}"
        out.append(post)
        if n % 5 == 2:  # a repost: a copy of the post before
            out.append(
                {"id": f"c{n}", "source": "weibo", "text": f"转发微博 //@某人: {story}，第{n}条"}
            )
        if n % 7 == 3:  # a reply whose parent comes six posts later (maybe a later batch)
            out.append({"id": f"r{n}", "source": "bbs", "text": "太可怕了，大家注意，食堂也要小心",
                        "reply_to": f"p{n + 6}"})  # fmt: skip
        if n % 4 == 0 and n:  # a reply to a post already seen
            out.append(
                {"id": f"q{n}", "source": "bbs", "text": "顶一下，食堂", "reply_to": f"p{n - 1}"}
            )
    return out


@pytest.fixture
def process() -> Iterator[ClusterProcess]:
    with ClusterProcess() as child:
        yield child


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_module, "BATCH", 5)


def pipeline_over(
    engine: Engine, clock: FrozenClock, settings: Settings, process: ClusterProcess | None = None
) -> Pipeline:
    """The live pipeline with the alerting plan and one watch per story; with `process`,
    clustering there."""
    live_pipeline(engine, clock, settings)  # the plan (alerts are part of the outcome)
    with Session(engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    return build_pipeline(engine=engine, clock=clock, settings=settings, cluster_process=process)


def remote_pipeline(
    engine: Engine, clock: FrozenClock, settings: Settings, process: ClusterProcess
) -> Pipeline:
    return pipeline_over(engine, clock, settings, process)


def push(pipeline: Pipeline, clock: FrozenClock, posts: list[dict[str, object]]) -> None:
    clock.advance(timedelta(minutes=10))
    base = clock.now()
    records = [
        Record(i, obj={"published_at": (base + timedelta(seconds=i)).isoformat(), **p})
        for i, p in enumerate(posts, 1)
    ]
    pipeline.run(records)


def state(pipeline: Pipeline) -> dict[str, Any]:
    """The clusterer's state as its checkpoint holds it (from either process)."""
    step = cast(ClusterStep | RemoteClusterStep, pipeline.stateful[0])
    state: dict[str, Any] = orjson.loads(zlib.decompress(b"".join(step.snapshot())))
    return state


def unordered(state: dict[str, Any]) -> dict[str, Any]:
    """`state` with its bounded link tables as plain mappings: a rolled back batch puts
    back each link's value but not its place among the oldest (`UndoLog.save`), which
    only matters when 100,000 links are forgotten oldest first."""
    tables = ("post_event", "repeats", "orphans", "awaiting")
    return {**state, **{name: dict(state[name]) for name in tables}}


def control_store(tmp_path: Path, name: str = "control") -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / f'{name}.db'}")
    upgrade(engine)
    return engine


def test_the_same_events_merges_and_checkpoint_as_in_the_pipelines_process(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    tmp_path: Path,
    process: ClusterProcess,
    small_batches: None,
) -> None:
    posts = stream()
    start = clock.now()
    remote = remote_pipeline(store.engine, clock, settings, process)
    assert remote._overlaps()
    push(remote, clock, posts[:40])
    control_clock = FrozenClock(start)
    control_engine = control_store(tmp_path)
    control = pipeline_over(control_engine, control_clock, settings)
    assert not control._overlaps()
    push(control, control_clock, posts[:40])
    assert outcome(store.engine) == outcome(control_engine)
    assert state(remote) == state(control)

    # A person merges two events on each side; both clusterers follow on reload.
    for engine in (store.engine, control_engine):
        with Session(engine) as session:
            by_partition: dict[str, list[str]] = {}
            for partition, event_id in session.execute(
                select(Event.partition, Event.id).order_by(Event.partition, Event.id)
            ):
                by_partition.setdefault(partition, []).append(event_id)
            keep, other = next(ids for ids in by_partition.values() if len(ids) > 1)[:2]
            events_service.merge(session=session, clock=clock, keep_id=keep, other_id=other)
            session.commit()
    remote.reload()
    control.reload()
    push(remote, clock, posts[40:])
    push(control, control_clock, posts[40:])
    seen = outcome(store.engine)
    assert seen == outcome(control_engine)
    assert state(remote) == state(control)
    copies = [
        p for p, (original, _event) in cast(dict[str, Any], seen["posts"]).items() if original
    ]
    assert copies  # the stream did exercise copies

    # The clustering process's checkpoint restores in the pipeline's own process.
    remote.checkpoint(force=True)
    again = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    again.reload()
    assert state(again) == state(remote)
    control_engine.dispose()


def test_a_failed_batch_with_the_next_one_in_flight_leaves_no_trace(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    tmp_path: Path,
    process: ClusterProcess,
    small_batches: None,
) -> None:
    posts = stream()
    first, failing, later = posts[:10], posts[10:20], posts[20:]
    start = clock.now()
    remote = remote_pipeline(store.engine, clock, settings, process)
    push(remote, clock, first)
    events_before, dedup_before = state(remote), remote._dedup.snapshot()
    with Session(store.engine) as session:
        stored_before = set(session.scalars(select(StoredPost.post_id)))
    # The first batch of the push fails in its transaction while the second is being
    # clustered: neither is stored, and both are forgotten in both processes.
    failing_id = cast(str, failing[0]["id"])
    remote.after_store = [*remote.after_store, fail_on(failing_id)]
    with pytest.raises(RuntimeError, match="refused"):
        push(remote, clock, failing)
    assert unordered(state(remote)) == unordered(events_before)
    assert remote._dedup.snapshot() == dedup_before
    with Session(store.engine) as session:
        assert set(session.scalars(select(StoredPost.post_id))) == stored_before
    remote.after_store = remote.after_store[:-1]
    push(remote, clock, later)

    control_clock = FrozenClock(start)
    control_engine = control_store(tmp_path)
    control = pipeline_over(control_engine, control_clock, settings)
    push(control, control_clock, first)
    control_clock.advance(timedelta(minutes=10))
    push(control, control_clock, later)
    assert outcome(store.engine) == outcome(control_engine)
    assert unordered(state(remote)) == unordered(state(control))
    control_engine.dispose()


def test_a_batch_the_clustering_process_fails_on_keeps_the_batches_before(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    tmp_path: Path,
    process: ClusterProcess,
    small_batches: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posts = stream()[:12]
    bad = cast(str, posts[7]["id"])  # in the second batch of five
    slim = cluster_process._slim

    def breaking(post: Post) -> Post:
        # A time without a zone: the clusterer fails comparing it, in the child.
        out = slim(post)
        if out.id == bad:
            out = dataclasses.replace(out, published_at=out.published_at.replace(tzinfo=None))
        return out

    monkeypatch.setattr(cluster_process, "_slim", breaking)
    start = clock.now()
    remote = remote_pipeline(store.engine, clock, settings, process)
    with pytest.raises(TypeError):
        push(remote, clock, posts)
    monkeypatch.setattr(cluster_process, "_slim", slim)

    # As if only the first batch had come: stored, and nothing of the second anywhere.
    control_clock = FrozenClock(start)
    control_engine = control_store(tmp_path)
    control = pipeline_over(control_engine, control_clock, settings)
    push(control, control_clock, posts[:5])
    assert outcome(store.engine) == outcome(control_engine)
    assert unordered(state(remote)) == unordered(state(control))
    assert remote._dedup.snapshot() == control._dedup.snapshot()
    # The pipeline goes on.
    push(remote, clock, posts[5:])
    with Session(store.engine) as session:
        assert bad in set(session.scalars(select(StoredPost.post_id)))
    control_engine.dispose()


def test_a_clustering_process_that_died_fails_the_batch_not_the_ones_before(
    store: Store, clock: FrozenClock, settings: Settings, process: ClusterProcess
) -> None:
    remote = remote_pipeline(store.engine, clock, settings, process)
    push(remote, clock, stream()[:3])
    process.kill()
    with pytest.raises(cluster_process.ClusterProcessError, match=r"ended|已结束"):
        push(remote, clock, stream()[3:6])
    with Session(store.engine) as session:
        assert set(session.scalars(select(StoredPost.post_id))) == {"p0", "p1", "p2"}


def test_ingest_with_workers_clusters_in_its_own_process(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    lines = [orjson.dumps({**p, "published_at": "2026-03-02T12:00:00+08:00"}) for p in stream()]
    posts = tmp_path / "posts.jsonl"
    posts.write_bytes(b"\n".join(lines) + b"\n")
    watches = tmp_path / "w.yaml"
    watches.write_text(WATCHES)
    assert cli("watch", "import", str(watches)).code == 0
    cli.env["YUQING_WORKERS"] = "2"  # workers, hence the clustering process
    result = cli("ingest", str(posts))
    assert result.code == 0, result.stderr
    summary = orjson.loads(result.stdout.splitlines()[-1])
    assert summary["stored"] == len(lines)
    with Session(store.engine) as session:
        in_events = session.scalar(select(func.count(func.distinct(EventPost.post_pk))))
    assert in_events == len(lines)


def late_parents() -> list[dict[str, object]]:
    """Replies stored a batch or two before their parents, then the parents among other
    posts: each parent's batch claims its replies (they move once it is stored), so the
    batch after it, already handed to the clustering process, is clustered again."""
    replies = [
        {"id": f"r{n}", "source": "bbs", "reply_to": f"p{n}",
         "text": f"{STORIES[n % len(STORIES)][:14]}，楼主说的是真的吗，第{n}楼"}
        for n in range(8)
    ]  # fmt: skip
    rest: list[dict[str, object]] = []
    for n in range(8):
        story = STORIES[n % len(STORIES)]
        rest.append({"id": f"p{n}", "source": f"site{n % 3}", "text": f"{story}，原帖{n}"})
        rest.append({"id": f"o{n}", "source": "weibo", "text": f"{story[::-1]}，另一条{n}"})
    return replies + rest


def claimed(engine: Engine) -> set[str]:
    """The replies that sit in their parent's event."""
    posts = cast(dict[str, tuple[object, str]], outcome(engine)["posts"])
    return {pid for pid, (_copy, event) in posts.items() if pid[0] == "r"
            and event == posts[f"p{pid[1:]}"][1]}  # fmt: skip


def test_late_parents_with_the_next_batch_in_flight_give_the_same_events(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    tmp_path: Path,
    process: ClusterProcess,
    small_batches: None,
) -> None:
    posts = late_parents()
    start = clock.now()
    remote = remote_pipeline(store.engine, clock, settings, process)
    push(remote, clock, posts)
    control_clock = FrozenClock(start)
    control_engine = control_store(tmp_path)
    control = pipeline_over(control_engine, control_clock, settings)
    push(control, control_clock, posts)
    assert len(claimed(control_engine)) >= 4  # the stream did exercise late parents
    assert outcome(store.engine) == outcome(control_engine)
    assert state(remote) == state(control)
    control_engine.dispose()


def test_a_failed_store_of_a_batch_that_claims_replies_leaves_no_trace(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    tmp_path: Path,
    process: ClusterProcess,
    small_batches: None,
) -> None:
    posts = late_parents()
    replies, parents = posts[:8], posts[8:]
    start = clock.now()
    remote = remote_pipeline(store.engine, clock, settings, process)
    push(remote, clock, replies)
    events_before, dedup_before = state(remote), remote._dedup.snapshot()
    # The first parents' batch claims replies and fails in its transaction after they
    # moved; the next batch had been handed over, forgotten, and not handed over again.
    remote.after_store = [*remote.after_store, fail_on(cast(str, parents[0]["id"]))]
    with pytest.raises(RuntimeError, match="refused"):
        push(remote, clock, parents)
    assert unordered(state(remote)) == unordered(events_before)
    assert remote._dedup.snapshot() == dedup_before
    with Session(store.engine) as session:
        assert not {"p0", "o0", "p1", "o2"} & set(session.scalars(select(StoredPost.post_id)))
    remote.after_store = remote.after_store[:-1]
    push(remote, clock, parents)

    control_clock = FrozenClock(start)
    control_engine = control_store(tmp_path)
    control = pipeline_over(control_engine, control_clock, settings)
    push(control, control_clock, replies)
    control_clock.advance(timedelta(minutes=10))
    push(control, control_clock, parents)
    assert claimed(control_engine)
    assert outcome(store.engine) == outcome(control_engine)
    assert unordered(state(remote)) == unordered(state(control))
    control_engine.dispose()
