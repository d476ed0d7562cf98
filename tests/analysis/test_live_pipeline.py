"""The live pipeline with analysis plugged in: sentiment, events and their facts."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from yuqing.analysis import facts, steps
from yuqing.analysis import service as events_service
from yuqing.analysis.models import Event, EventPost
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import Conflict
from yuqing.core.settings import Settings
from yuqing.db import checkpoints
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

WATCHES = """
watches:
  - name: school
    rule: 明德一中 食堂
    organization: 明德一中
  - name: bureau
    rule: 明德县 (食堂 | 教育局)
    organization: 县教育局
"""
BASE = "明德一中食堂午饭吃出虫子，多名学生腹痛，家长要求学校给出说法"


def posts() -> list[dict[str, object]]:
    return [
        {"id": "w1", "source": "weibo", "media_tier": "self", "text": BASE + "，太气人了！",
         "published_at": "2026-03-02T12:00:00+08:00", "engagement": {"reposts": 10, "likes": 5}},
        {"id": "w2", "source": "weibo", "media_tier": "self",
         "text": f"转发微博 //@家长: {BASE}，太气人了！", "published_at": "2026-03-02T12:30:00+08:00"},
        {"id": "n1", "source": "市晚报", "media_tier": "municipal", "title": "明德一中多名学生午餐后腹痛",
         "text": "明德一中食堂午饭后多名学生腹痛，明德县教育局已介入调查，食材已封存送检。",
         "published_at": "2026-03-02T14:00:00+08:00", "engagement": {"views": 5000}},
        {"id": "x1", "source": "forum", "media_tier": "self", "text": "明德县城南工地拖欠工资",
         "published_at": "2026-03-02T15:00:00+08:00"},
    ]  # fmt: skip


@pytest.fixture
def loaded(store: Store, clock: FrozenClock, settings: Settings) -> Store:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    pipeline.run([Record(i, obj=o) for i, o in enumerate(posts(), 1)])
    return store


def test_posts_get_their_tone(loaded: Store) -> None:
    with Session(loaded.engine) as session:
        tones = dict(session.execute(select(StoredPost.post_id, StoredPost.sentiment_label)).all())
    assert tones["w1"] == "negative"
    assert set(tones) == {"w1", "w2", "n1"}  # x1 matched no watch


def test_events_never_mix_organizations_and_copies_join(loaded: Store) -> None:
    with Session(loaded.engine) as session:
        events = session.scalars(select(Event).order_by(Event.partition)).all()
        members = {
            e.partition: set(
                session.scalars(
                    select(StoredPost.post_id)
                    .join(EventPost, EventPost.post_pk == StoredPost.pk)
                    .where(EventPost.event_id == e.id)
                )
            )
            for e in events
        }
    # "school" matched all three posts; "bureau" only the news report (明德县 … 教育局).
    assert members["明德一中"] == {"w1", "w2", "n1"}
    assert members["县教育局"] == {"n1"}
    school = next(e for e in events if e.partition == "明德一中")
    assert (school.posts, school.copies, school.sites) == (3, 1, 2)
    assert school.top_tier == "municipal" and school.first_source == "weibo"
    assert school.reposts == 10 and school.views == 5000
    assert school.negative >= 1 and 0 < school.heat <= 100


def test_facts_read_as_the_grading_needs(loaded: Store, clock: FrozenClock) -> None:
    with Session(loaded.engine) as session:
        event = session.scalars(select(Event).where(Event.partition == "明德一中")).one()
        facts = events_service.facts(session=session, event=event, now=clock.now())
    assert [s["site"] for s in facts["spread_path"]] == ["weibo", "市晚报"]
    assert [s["new_highest_tier"] for s in facts["spread_path"]] == [True, True]
    assert facts["volume_per_day"] == {"2026-03-02": 3}
    assert sum(facts["volume_per_hour"].values()) == 3
    assert facts["representative_posts"][0]["id"] == "w1"
    assert {r["why"] for r in facts["representative_posts"]} == {
        "first", "most_engaged", "highest_tier",
    }  # fmt: skip
    assert facts["heat"]["sites"] == 2 and facts["heat"]["tier_weight"] == 3


@pytest.mark.parametrize("defer_state", [False, True])
def test_restart_resumes_events_from_the_checkpoint(
    loaded: Store, clock: FrozenClock, settings: Settings, defer_state: bool
) -> None:
    again = build_pipeline(
        engine=loaded.engine, clock=clock, settings=settings, defer_state=defer_state
    )
    if defer_state:
        # Nothing restored yet: a checkpoint now must not replace the stored one.
        again.checkpoint(force=True)
    line = {"id": "w9", "source": "weibo", "text": BASE + "，学校还没回应",
            "published_at": "2026-03-02T16:00:00+08:00"}  # fmt: skip
    if defer_state:  # as `yuqing ingest` runs it: worker processes, state restored meanwhile
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        again.run_jsonl(io.BytesIO(data), workers=2)
    else:
        again.run([Record(1, obj=line)])
    with Session(loaded.engine) as session:
        school = session.scalars(select(Event).where(Event.partition == "明德一中")).all()
        w9 = session.scalars(select(StoredPost).where(StoredPost.post_id == "w9")).one()
    assert len(school) == 1 and school[0].posts == 4
    assert w9.annotations["event_id"] == school[0].id


def test_a_checkpoint_in_many_pieces_restores_the_same_events(
    store: Store, clock: FrozenClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pieces of 100 bytes: the checkpoint of these few posts takes dozens of rows.
    monkeypatch.setattr(steps, "CHECKPOINT_PIECE", 100)
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    first = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    first.run([Record(i, obj=o) for i, o in enumerate(posts(), 1)])
    with Session(store.engine) as session:
        rows = session.scalar(select(func.count()).select_from(checkpoints.Checkpoint))
    assert rows is not None and rows > 10
    again = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    again.reload()  # restores the checkpoint

    def state(pipeline: Pipeline) -> bytes:
        (step,) = pipeline.stateful
        assert isinstance(step, steps.ClusterStep)
        return step.clusterer.snapshot()

    assert state(again) == state(first)
    line = {"id": "w9", "source": "weibo", "text": BASE + "，学校还没回应",
            "published_at": "2026-03-02T16:00:00+08:00"}  # fmt: skip
    again.run([Record(1, obj=line)])
    with Session(store.engine) as session:
        w9 = session.scalars(select(StoredPost).where(StoredPost.post_id == "w9")).one()
        school = session.scalars(select(Event).where(Event.partition == "明德一中")).one()
    assert w9.annotations["event_id"] == school.id and school.posts == 4


def test_manual_merge_wins(loaded: Store, clock: FrozenClock, settings: Settings) -> None:
    with loaded.engine.begin() as conn:
        # A second event made by hand from a stored post (the clusterer is not under test).
        post = Post(id="n1", title="", text="x", published_at=clock.now(), received_at=clock.now(),
                    source="县电视台", media_tier="provincial", annotations={"event_id": "ev-b"})  # fmt: skip
        pk = conn.execute(select(StoredPost.pk).where(StoredPost.post_id == "n1")).scalar_one()
        facts.update_facts(conn, [(post, pk)], now=clock.now(), summary=lambda _id: None)
    with Session(loaded.engine) as session:
        keep = session.scalars(select(Event).where(Event.partition == "明德一中")).one().id
        session.get(Event, "ev-b").partition = "明德一中"  # type: ignore[union-attr]
        merged = events_service.merge(session=session, clock=clock, keep_id=keep, other_id="ev-b")
        session.commit()
        # n1 was in both events: after the merge it counts once.
        assert (merged.posts, merged.sites, merged.top_tier) == (3, 2, "municipal")
        assert session.get(Event, "ev-b").merged_into == keep  # type: ignore[union-attr]
        with pytest.raises(Conflict, match="其中一个事件已被合并"):
            events_service.merge(session=session, clock=clock, keep_id=keep, other_id="ev-b")
        assert [e.id for e in events_service.get_all(session=session)].count("ev-b") == 0
    # Later facts for the merged-away event go to the event kept.
    build_pipeline(engine=loaded.engine, clock=clock, settings=settings).run(
        [Record(1, obj={"id": "b1", "source": "县电视台", "text": "明德县教育局通报食堂检查进展"})]
    )
    with loaded.engine.begin() as conn:
        later = Post(id="w1", title="", text="x", published_at=clock.now(), received_at=clock.now(),
                     source="weibo", annotations={"event_id": "ev-b"})  # fmt: skip
        pk = conn.execute(select(StoredPost.pk).where(StoredPost.post_id == "b1")).scalar_one()
        facts.update_facts(conn, [(later, pk)], now=clock.now(), summary=lambda _id: None)
    with Session(loaded.engine) as session:
        assert session.get(Event, keep).posts == 4  # type: ignore[union-attr]


def test_events_commands(cli: Cli, tmp_path: object) -> None:
    watch_file = tmp_path / "w.yaml"  # type: ignore[operator]
    watch_file.write_text(WATCHES, encoding="utf-8")
    assert cli("watch", "import", str(watch_file)).code == 0
    lines = "\n".join(json.dumps(p, ensure_ascii=False) for p in posts()) + "\n"
    assert cli("ingest", input=lines).code == 0
    listed = [json.loads(x) for x in cli("events", "list", "--json").stdout.splitlines()]
    assert len(listed) == 2 and listed[0]["heat"] >= listed[1]["heat"]
    shown = json.loads(cli("events", "show", listed[0]["id"], "--json").stdout)
    assert shown["posts"] == listed[0]["posts"] and "spread_path" in shown
    missing = cli("events", "show", "ev-nope")
    assert missing.code != 0 and "没有事件 'ev-nope'" in missing.stderr
    # The plain list is for people: Chinese by default, English on request.
    hottest = listed[0]
    lines = cli("events", "list").stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        f"{hottest['id']}\t热度 {hottest['heat']}\t帖文 {hottest['posts']} 条"
        f"（转载 {hottest['copies']} 条）\t站点 {hottest['sites']} 个\t"
    )
    english = Cli({**cli.env, "YUQING_LANG": "en"})("events", "list").stdout.splitlines()
    assert english[0].startswith(
        f"{hottest['id']}\theat {hottest['heat']}\t{hottest['posts']} posts"
        f" ({hottest['copies']} copies)\t{hottest['sites']} sites\t"
    )


def test_facts_do_not_wait_for_rows_that_only_refer_to_the_event(
    loaded: Store, clock: FrozenClock
) -> None:
    """An incident being opened from an event (its row refers to the event: PostgreSQL
    holds FOR KEY SHARE on it until that commits) does not hold the batch's facts up."""
    if loaded.backend == "sqlite":
        pytest.skip("one writer holds the whole SQLite store: there is nothing beside it")
    with Session(loaded.engine) as session:
        school = session.scalars(select(Event).where(Event.partition == "明德一中")).one()
    with loaded.engine.connect() as opening, loaded.engine.connect() as batch:
        opening.execute(
            text("SELECT id FROM events WHERE id = :id FOR KEY SHARE"), {"id": school.id}
        )
        with batch.begin():
            batch.execute(text("SET LOCAL lock_timeout = '2s'"))  # the old lock waited here
            post = Post(id="w3", title="", text="x", published_at=clock.now(),
                        received_at=clock.now(), source="weibo",
                        annotations={"event_id": school.id})  # fmt: skip
            pk = batch.execute(select(StoredPost.pk).where(StoredPost.post_id == "n1")).scalar_one()
            facts.update_facts(batch, [(post, pk)], now=clock.now(), summary=lambda _id: None)
        # The batch committed (the old FOR UPDATE timed out above) while the incident's
        # transaction still held its lock on the event.
        assert opening.in_transaction()
        opening.rollback()
