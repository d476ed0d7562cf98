"""The store follows the clusterer's automatic merges: the posts placed in an event
before it was merged into another move there too (pipeline, both stores, in the
pipeline's process and in a clustering process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.monitor.test_pipeline_rollback import fail_on
from yuqing.analysis import facts
from yuqing.analysis import service as analysis_service
from yuqing.analysis.cluster_process import ClusterProcess
from yuqing.analysis.events.clusterer import ClusterConfig, OnlineClusterer
from yuqing.analysis.models import Event, EventHour, EventPost, EventSite
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

WATCHES = """
watches:
  - {name: school, rule: 食堂 | 跑道 | 学校, organization: 明德一中}
"""
T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
# Two small events, then a post close to both: the clusterer merges them (a weak merge:
# both are of at most `weak_merge_size` posts).
LUNCH = "明德一中食堂红烧肉太咸，学生午饭吃不下"
TRACK = "学校运动会推迟到下周，操场跑道还没修好"
BOTH = "食堂红烧肉太咸，学校运动会也推迟了，操场跑道没修好"


def post(pid: str, text: str, minutes: float) -> Post:
    obj = {"id": pid, "text": text, "published_at": (T0 + timedelta(minutes=minutes)).isoformat()}
    return parse_post(obj, received_at=T0 + timedelta(days=1), max_post_bytes=1 << 20)


def line(pid: str, text: str, minutes: float) -> dict[str, Any]:
    return {"id": pid, "source": "weibo", "media_tier": "self", "text": text,
            "published_at": (T0 + timedelta(minutes=minutes)).isoformat()}  # fmt: skip


def test_the_assignment_names_the_event_it_merged_and_a_rollback_redoes_it() -> None:
    clusterer = OnlineClusterer()
    lunch = clusterer.assign(post("a", LUNCH, 0))
    track = clusterer.assign(post("b", TRACK, 2))
    assert lunch.event_id != track.event_id and lunch.merged is track.merged is None
    clusterer.begin()
    both = clusterer.assign(post("c", BOTH, 4))
    assert both.merged in (lunch.event_id, track.event_id)
    assert {both.event_id, both.merged} == {lunch.event_id, track.event_id}
    assert clusterer.resolve(both.merged) == both.event_id
    clusterer.rollback()
    assert clusterer.resolve(track.event_id) == track.event_id
    assert clusterer.resolve(lunch.event_id) == lunch.event_id
    assert clusterer.assign(post("c", BOTH, 4)) == both


def test_weak_merges_off_leaves_two_small_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_WEAK_MERGE_SIZE", "0")  # an operator turns them off
    clusterer = OnlineClusterer(ClusterConfig())
    ids = [clusterer.assign(post(p, t, m)) for p, t, m in
           (("a", LUNCH, 0), ("b", TRACK, 2), ("c", BOTH, 4))]  # fmt: skip
    assert all(a.merged is None for a in ids)
    assert len({clusterer.resolve(a.event_id) for a in ids}) == 2


@pytest.fixture(autouse=True)
def weak_merges_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """These posts merge by the weak bar, on by default: an operator's setting does not
    leak in (a clustering process started later reads the environment too)."""
    monkeypatch.delenv("YUQING_WEAK_MERGE_SIZE", raising=False)


@pytest.fixture(params=["in-process", "cluster-process"])
def process(request: pytest.FixtureRequest) -> Iterator[ClusterProcess | None]:
    if request.param == "in-process":
        yield None
        return
    with ClusterProcess() as child:
        yield child


def pipeline_over(
    store: Store, clock: FrozenClock, settings: Settings, process: ClusterProcess | None
) -> Pipeline:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    return build_pipeline(
        engine=store.engine, clock=clock, settings=settings, cluster_process=process
    )


def event_of(session: Session, post_id: str) -> Event:
    return session.scalars(
        select(Event)
        .join(EventPost, EventPost.event_id == Event.id)
        .join(StoredPost, StoredPost.pk == EventPost.post_pk)
        .where(StoredPost.post_id == post_id)
    ).one()


def members(session: Session, event_id: str) -> set[str]:
    return set(
        session.scalars(
            select(StoredPost.post_id)
            .join(EventPost, EventPost.post_pk == StoredPost.pk)
            .where(EventPost.event_id == event_id)
        )
    )


def merged_away(session: Session) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.merged_into.is_not(None))))


@pytest.mark.parametrize("batches", [1, 2])
def test_the_posts_of_two_merged_events_end_in_one(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    process: ClusterProcess | None,
    batches: int,
) -> None:
    pipeline = pipeline_over(store, clock, settings, process)
    lines = [line("a", LUNCH, 0), line("b", TRACK, 2), line("c", BOTH, 4)]
    if batches == 1:  # the events are created in the batch that merges them
        pipeline.run([Record(i, obj=o) for i, o in enumerate(lines, 1)])
    else:
        pipeline.run([Record(i, obj=o) for i, o in enumerate(lines[:2], 1)])
        pipeline.run([Record(1, obj=lines[2])])
    with Session(store.engine) as session:
        kept = event_of(session, "c")
        assert members(session, kept.id) == {"a", "b", "c"}
        assert kept.posts == 3 and kept.merged_into is None
        (other,) = merged_away(session)
        assert other.merged_into == kept.id
        assert members(session, other.id) == set()
        # Automatic: the memberships are not a person's decision.
        assert not any(
            session.scalars(select(EventPost.manual).where(EventPost.event_id == kept.id))
        )
        assert analysis_service.merged_pairs(session=session) == [(kept.id, other.id)]
        assert other not in analysis_service.get_all(session=session)
        kept_id, other_id = kept.id, other.id
    # A restarted pipeline agrees: a later post of either story goes to the kept event.
    pipeline.checkpoint(force=True)
    again = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    again.run([Record(1, obj=line("d", LUNCH + "，家长投诉", 6))])
    with Session(store.engine) as session:
        assert event_of(session, "d").id == kept_id
        assert session.get(Event, other_id).merged_into == kept_id  # type: ignore[union-attr]


def test_a_failed_batch_leaves_no_merge_half_written(
    store: Store, clock: FrozenClock, settings: Settings, process: ClusterProcess | None
) -> None:
    pipeline = pipeline_over(store, clock, settings, process)
    pipeline.run([Record(i, obj=o) for i, o in enumerate([line("a", LUNCH, 0),
                                                         line("b", TRACK, 2)], 1)])  # fmt: skip
    pipeline.after_store = [*pipeline.after_store, fail_on("c")]
    with pytest.raises(RuntimeError, match="refused"):
        pipeline.run([Record(1, obj=line("c", BOTH, 4))])
    with Session(store.engine) as session:
        assert merged_away(session) == []
        assert members(session, event_of(session, "a").id) == {"a"}
        assert members(session, event_of(session, "b").id) == {"b"}
    pipeline.after_store = pipeline.after_store[:-1]
    pipeline.run([Record(1, obj=line("c", BOTH, 4))])
    with Session(store.engine) as session:
        assert members(session, event_of(session, "c").id) == {"a", "b", "c"}
        assert len(merged_away(session)) == 1


def test_events_a_person_merged_or_split_are_left_alone(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    pipeline = pipeline_over(store, clock, settings, None)
    pipeline.run([Record(i, obj=o) for i, o in enumerate(
        [line("a", LUNCH, 0), line("b", TRACK, 2), line("x", "学校图书馆新到一批外文期刊，欢迎借阅", 300)], 1)])  # fmt: skip
    now = clock.now()
    with Session(store.engine) as session:
        a, b, x = (event_of(session, p).id for p in ("a", "b", "x"))
        assert len({a, b, x}) == 3
        # A person merged x into b: the clusterer's merge of x is not applied again.
        analysis_service.merge(session=session, clock=clock, keep_id=b, other_id=x)
        assert not analysis_service.follow_automatic_merge(
            session=session, partition="明德一中", keep_id=a, other_id=x, now=now
        )
        # Another partition: left alone.
        assert not analysis_service.follow_automatic_merge(
            session=session, partition="其他", keep_id=a, other_id=b, now=now
        )
        # A merge into an event merged away follows the chain to where it ends.
        assert analysis_service.follow_automatic_merge(
            session=session, partition="明德一中", keep_id=x, other_id=a, now=now
        )
        assert members(session, b) == {"a", "b", "x"}
        assert session.get(Event, a).merged_into == b  # type: ignore[union-attr]


def test_a_split_event_is_not_merged_automatically(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    pipeline = pipeline_over(store, clock, settings, None)
    pipeline.run([Record(i, obj=o) for i, o in enumerate(
        [line("a", LUNCH, 0), line("a2", LUNCH + "，孩子说咸", 1), line("b", TRACK, 2)], 1)])  # fmt: skip
    with Session(store.engine) as session:
        a, b = event_of(session, "a").id, event_of(session, "b").id
        assert members(session, a) == {"a", "a2"}
        decision = analysis_service.split(session=session, clock=clock, event_id=a, post_ids=["a2"])
        assert not analysis_service.follow_automatic_merge(
            session=session, partition="明德一中", keep_id=b, other_id=a, now=clock.now()
        )
        assert not analysis_service.follow_automatic_merge(
            session=session,
            partition="明德一中",
            keep_id=decision.new_event_id,
            other_id=b,
            now=clock.now(),
        )
        assert members(session, b) == {"b"}


def test_cluster_command_final_ids_gives_the_scores_of_evaluate(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from tests.analysis.test_event_threads import cli
    from yuqing.analysis.events.evaluate import cluster_file

    lines = [
        {**line("a", LUNCH, 0), "gold_event": "g"},
        {**line("b", TRACK, 2), "gold_event": "g"},
        {**line("c", BOTH, 4), "gold_event": "g"},
    ]
    stdin = "\n".join(json.dumps(o, ensure_ascii=False) for o in lines) + "\n"
    streamed = CliRunner().invoke(cli(), ["cluster"], input=stdin)
    assert streamed.exit_code == 0, streamed.output
    rows = [json.loads(x) for x in streamed.stdout.splitlines()]
    assert len({r["event_id"] for r in rows}) == 2  # each line as it was placed
    final = CliRunner().invoke(cli(), ["cluster", "--final-ids"], input=stdin)
    assert final.exit_code == 0, final.output
    rows = [json.loads(x) for x in final.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert len({r["event_id"] for r in rows}) == 1
    source = tmp_path / "stream.jsonl"
    source.write_text(stdin, encoding="utf-8")
    written = tmp_path / "clustered.jsonl"
    written.write_text(final.stdout, encoding="utf-8")
    assert cluster_file(source) == cluster_file(written) == (["g"] * 3, [rows[0]["event_id"]] * 3)


def facts_of(session: Session, event: Event) -> dict[str, Any]:
    """Everything an event's page shows of its figures: counters, hours and sites."""
    counters = {name: getattr(event, name) for name in (
        "posts", "copies", "negative", "positive", "reposts", "comments", "likes", "views",
        "sites", "top_tier", "first_at", "first_post_pk", "first_source", "last_at", "title",
        "heat")}  # fmt: skip
    hours = session.execute(
        select(EventHour.hour, EventHour.posts, EventHour.negative, EventHour.reach)
        .where(EventHour.event_id == event.id)
        .order_by(EventHour.hour)
    ).all()
    sites = session.execute(
        select(EventSite.site, EventSite.tier, EventSite.first_at, EventSite.posts)
        .where(EventSite.event_id == event.id)
        .order_by(EventSite.site)
    ).all()
    return {**counters, "hours": [tuple(h) for h in hours], "sites": [tuple(s) for s in sites]}


def test_the_kept_events_figures_after_a_merge_are_those_of_its_members(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    """The merge folds only the moved posts into the kept event's figures (a big event is
    not read again): the result is what recomputing from all its members gives."""
    pipeline = pipeline_over(store, clock, settings, None)

    def sourced(pid: str, text: str, minutes: float, source: str, likes: int) -> dict[str, Any]:
        return line(pid, text, minutes) | {"source": source, "engagement": {"likes": likes}}

    pipeline.run(
        [
            Record(1, obj=sourced("a", LUNCH, 0, "weibo", 5)),
            Record(2, obj=sourced("b", TRACK, 2, "bbs", 7)),
            Record(3, obj=sourced("a2", LUNCH, 65, "toutiao", 1)),  # a copy, a later hour
            Record(4, obj=sourced("b2", TRACK, 130, "weibo", 2)),
        ]
    )
    pipeline.run([Record(1, obj=sourced("c", BOTH, 140, "news", 3))])
    with Session(store.engine) as session:
        kept = event_of(session, "c")
        assert members(session, kept.id) == {"a", "b", "a2", "b2", "c"}
        merged = facts_of(session, kept)
        facts.rebuild(session, kept, now=clock.now())
        session.flush()
        assert merged == facts_of(session, kept)
        assert merged["posts"] == 5 and merged["copies"] == 2 and merged["likes"] == 18
        assert [site for site, *_ in merged["sites"]] == ["bbs", "news", "toutiao", "weibo"]


def test_a_reload_applies_each_stored_merge_to_the_clusterer_once(
    store: Store, clock: FrozenClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline reads the stored merges every 30 seconds (a person's merges made in
    the web pages take effect): after a long run there are thousands, and each is handed
    to the clusterer once, not at every reload."""
    pipeline = pipeline_over(store, clock, settings, None)
    pipeline.run([Record(i, obj=o) for i, o in enumerate(
        [line("a", LUNCH, 0), line("b", TRACK, 2), line("c", BOTH, 4)], 1)])  # fmt: skip
    applied: list[tuple[str, str]] = []
    real_merge = OnlineClusterer.merge

    def counted(self: OnlineClusterer, keep: str, other: str) -> None:
        applied.append((keep, other))
        real_merge(self, keep, other)

    monkeypatch.setattr(OnlineClusterer, "merge", counted)
    with Session(store.engine) as session:
        pairs = analysis_service.merged_pairs(session=session)
    assert len(pairs) == 1
    pipeline.reload()
    pipeline.reload()
    assert applied == pairs
