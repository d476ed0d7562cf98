"""The one pipeline against a real store, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db import search
from yuqing.monitor import service
from yuqing.monitor.models import PostWatch, StoredPost
from yuqing.monitor.pipeline import Pipeline, SourceDefaults, Step
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.schemas import SourceCreate
from yuqing.monitor.watches import load_watch_text

WATCHES = """
watches:
  - name: canteen
    rule: 学校 食堂
  - name: hospital
    subject: [人民医院, 县医院]
    event: [火灾, 纠纷]
    exclude: [演练]
"""

ORIGINAL = "某县第一中学食堂被曝使用过期食材，多名学生反映就餐后腹痛，家长要求学校给出说法。"


def records(*objs: object) -> list[Record]:
    return [Record(line=i, obj=o) for i, o in enumerate(objs, start=1)]


@pytest.fixture
def pipeline(store: Store, clock: FrozenClock, settings: Settings) -> Pipeline:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    return Pipeline(engine=store.engine, clock=clock, settings=settings)


def stored(store: Store) -> list[StoredPost]:
    with Session(store.engine) as session:
        return list(session.scalars(select(StoredPost).order_by(StoredPost.pk)))


def test_keeps_matching_posts_and_counts_as_contracts_say(pipeline: Pipeline, store: Store) -> None:
    summary = pipeline.run(
        records(
            {"id": "w1", "source": "weibo", "text": ORIGINAL},
            {"id": "w2", "source": "weibo", "text": "今天天气不错"},
            {
                "id": "n1",
                "source": "news",
                "title": "县医院火灾",
                "text": "县医院昨夜发生火灾，无人员伤亡。",
            },
            {
                "id": "n2",
                "source": "news",
                "title": "县医院消防演练",
                "text": "县医院火灾应急演练顺利举行",
            },
        )
    )
    assert summary.to_json() == {
        "read": 4,
        "accepted": 4,
        "duplicates": 0,
        "copies": 0,
        "rejected": 0,
        "matched": 2,
        "stored": 2,
        "updated": 0,
    }
    posts = stored(store)
    assert [(p.post_id, p.watches) for p in posts] == [("w1", ["canteen"]), ("n1", ["hospital"])]
    with Session(store.engine) as session:
        assert session.scalar(select(func.count()).select_from(PostWatch)) == 2


def test_reingesting_stores_nothing_twice(pipeline: Pipeline, store: Store) -> None:
    batch = [
        {"id": "w1", "source": "weibo", "text": ORIGINAL},
        {"url": "https://news.example.com/a?utm_source=x", "text": "学校食堂整改通报全文"},
    ]
    first = pipeline.run(records(*batch))
    again = pipeline.run(records(*batch))
    assert (first.stored, again.stored, again.duplicates) == (2, 0, 2)
    # Same URL and text without an id is the same post, even re-derived from a new pipeline.
    fresh = Pipeline(engine=pipeline.engine, clock=pipeline.clock, settings=pipeline.settings)
    assert fresh.run(records(batch[1])).duplicates == 1
    assert len(stored(store)) == 2


def test_duplicates_within_one_batch_are_found(pipeline: Pipeline) -> None:
    post = {"id": "w1", "source": "weibo", "text": ORIGINAL}
    summary = pipeline.run(records(post, post))
    assert (summary.stored, summary.duplicates) == (1, 1)


def test_copies_are_stored_and_linked_to_the_first_post(pipeline: Pipeline, store: Store) -> None:
    summary = pipeline.run(
        records(
            {"id": "w1", "source": "weibo", "text": ORIGINAL},
            {"id": "w2", "source": "weibo", "text": f"转发微博 //@家长群: {ORIGINAL}"},
        )
    )
    later = pipeline.run(
        records({"id": "t9", "source": "toutiao", "text": ORIGINAL + "（来源：某某日报）"})
    )
    assert (summary.copies, later.copies, summary.stored + later.stored) == (1, 1, 3)
    original, repost, reprint = stored(store)
    assert original.copies == 2
    assert repost.duplicate_of == "w1" and repost.duplicate_of_pk == original.pk
    assert reprint.duplicate_of_pk == original.pk


def test_copy_detection_survives_a_restart(pipeline: Pipeline, store: Store) -> None:
    pipeline.run(records({"id": "w1", "source": "weibo", "text": ORIGINAL}))
    restarted = Pipeline(engine=pipeline.engine, clock=pipeline.clock, settings=pipeline.settings)
    summary = restarted.run(records({"id": "w2", "source": "weibo", "text": f"转发 {ORIGINAL}"}))
    assert summary.copies == 1
    assert stored(store)[0].copies == 1


def test_no_watch_keeps_everything(store: Store, clock: FrozenClock, settings: Settings) -> None:
    pipeline = Pipeline(engine=store.engine, clock=clock, settings=settings)
    assert pipeline.run(records({"text": "随便什么"}, {"text": "another"})).stored == 2


def test_keep_all_source_keeps_unmatched_posts(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    with Session(store.engine) as session:
        service.create_source(
            session=session,
            clock=clock,
            source_in=SourceCreate(
                name="board", kind="rss", url="https://e.com/f", keep_all=True, media_tier="local"
            ),
        )
        session.commit()
    pipeline.reload()
    summary = pipeline.run(records({"text": "无关的留言"}), defaults=SourceDefaults(source="board"))
    assert summary.stored == 1
    (post,) = stored(store)
    assert post.media_tier == "local"  # inherited from the source
    with Session(store.engine) as session:
        row = service.get_source_or_raise(session=session, name="board")
        assert (row.items_seen, row.items_kept) == (1, 1)


def test_a_reply_to_a_kept_post_is_kept_with_its_parents_watches(
    pipeline: Pipeline, store: Store
) -> None:
    # A comment names nothing of its story; the post it answers is what keeps it.
    first = pipeline.run(
        records(
            {"id": "w1", "source": "weibo", "text": ORIGINAL},
            {"id": "c1", "source": "weibo", "text": "顶一下，希望尽快回应", "reply_to": "w1"},
            {"id": "c2", "source": "weibo", "text": "说得对", "reply_to": "w2"},  # w2: dropped
            {"id": "w2", "source": "weibo", "text": "今天天气不错"},
            {"id": "c3", "source": "weibo", "text": "不知道", "reply_to": "gone"},  # never seen
        )
    )
    assert (first.matched, first.stored) == (1, 2)  # matched: by its own words only
    later = pipeline.run(
        records(
            {"id": "c4", "source": "weibo", "text": "关注", "reply_to": "w1"},  # stored before
            {"id": "c5", "source": "weibo", "text": "同问", "reply_to": "c1"},  # a kept reply
            {"id": "c6", "source": "weibo", "text": "+1", "reply_to": "c5"},  # kept just now
        )
    )
    assert (later.matched, later.stored) == (0, 3)
    assert [(p.post_id, p.watches) for p in stored(store)] == [
        ("w1", ["canteen"]), ("c1", ["canteen"]), ("c4", ["canteen"]), ("c5", ["canteen"]),
        ("c6", ["canteen"]),
    ]  # fmt: skip


def test_rejected_records_are_reported_and_the_rest_goes_on(pipeline: Pipeline) -> None:
    rejects: list[tuple[int, str]] = []
    summary = pipeline.run(
        [
            Record(1, error="not valid JSON: x"),
            Record(2, obj={"title": ""}),
            Record(3, obj={"text": ORIGINAL}),
        ],
        on_reject=lambda line, reason: rejects.append((line, reason)),
    )
    assert (summary.read, summary.rejected, summary.stored) == (3, 2, 1)
    assert [line for line, _ in rejects] == [1, 2]


def test_steps_see_kept_posts_and_their_annotations_are_stored(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    seen: list[str] = []

    def tag(posts: list[Post], *, now: object) -> None:
        for post in posts:
            seen.append(post.id)
            post.annotations["tag"] = "x"

    pipeline.steps = [Step("tag", tag)]
    clock.advance(timedelta(hours=1))
    pipeline.run(records({"id": "a", "text": ORIGINAL}, {"id": "b", "text": "无关"}))
    assert seen == ["a"]
    (post,) = stored(store)
    assert post.annotations == {"tag": "x"}
    assert post.received_at == clock.now()


def test_a_failing_batch_leaves_nothing_half_written(pipeline: Pipeline, store: Store) -> None:
    def boom(posts: list[Post], *, now: object) -> None:
        raise RuntimeError("step failed")

    pipeline.steps = [Step("boom", boom)]
    with pytest.raises(RuntimeError):
        pipeline.run(records({"id": "a", "text": ORIGINAL}))
    assert stored(store) == []
    with Session(store.engine) as session:
        assert session.scalar(select(func.count()).select_from(PostWatch)) == 0


def test_worker_processes_give_the_same_result_as_one_process(
    store: Store, clock: FrozenClock, settings: Settings, tmp_path: Path
) -> None:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    lines = []
    for n in range(30):
        lines.append(json.dumps({"id": f"a{n}", "text": f"{ORIGINAL} 第{n}次"}, ensure_ascii=False))
        lines.append(json.dumps({"id": f"b{n}", "text": f"无关内容{n}"}, ensure_ascii=False))
        lines.append("{broken")
    data = ("\n".join(lines) + "\n").encode()
    serial_rejects: list[tuple[int, str]] = []
    serial = Pipeline(engine=store.engine, clock=clock, settings=settings).run_jsonl(
        io.BytesIO(data), on_reject=lambda n, r: serial_rejects.append((n, r))
    )
    serial_rows = [(p.post_id, p.duplicate_of, p.watches) for p in stored(store)]
    _truncate(store)
    parallel_rejects: list[tuple[int, str]] = []
    pipeline = Pipeline(engine=store.engine, clock=clock, settings=settings)
    parallel = pipeline.run_jsonl(
        io.BytesIO(data), on_reject=lambda n, r: parallel_rejects.append((n, r)), workers=2
    )
    assert parallel == serial
    assert parallel_rejects == serial_rejects and len(serial_rejects) == 30
    assert [(p.post_id, p.duplicate_of, p.watches) for p in stored(store)] == serial_rows


def _truncate(store: Store) -> None:
    with store.engine.begin() as conn:
        search.rebuild(conn, [])
        for table in ("post_watches", "posts"):
            conn.execute(text(f"DELETE FROM {table}"))


def test_front_workers_yield_to_the_pipeline_process() -> None:
    # The pipeline's own process is the critical path: its workers run at a lower priority.
    from yuqing.monitor.parallel import WORKER_NICENESS, FrontPool

    with FrontPool(1) as pool:
        niceness = pool._pool.submit(os.nice, 0).result()
    assert niceness == min(19, os.nice(0) + WORKER_NICENESS)
