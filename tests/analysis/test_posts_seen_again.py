"""A post seen again (a source polled again, an export pushed again) updates what is
stored: higher engagement grows the post and its event's counts, hour reach and heat;
lower counts change nothing; another text is an edit, counted and kept beside the first
text; a retry changes nothing. Both stores, in the pipeline's process and with a
clustering process, in one batch and across batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.monitor.test_pipeline_rollback import fail_on
from yuqing.analysis import facts
from yuqing.analysis.cluster_process import ClusterProcess
from yuqing.analysis.models import Event, EventHour, EventPost
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import pipeline as pipeline_module
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.readers import Record
from yuqing.monitor.schemas import IngestSummary
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

WATCHES = """
watches:
  - {name: school, rule: 食堂 | 学校, organization: 明德一中}
"""
T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
LUNCH = "明德一中食堂红烧肉太咸，学生午饭吃不下，家长在群里议论"
LATER = "明德一中食堂红烧肉太咸，学生午饭吃不下，校方回应将整改"
EDITED = "明德一中食堂红烧肉偏咸，校方已致歉并调整菜谱（已编辑）"


@pytest.fixture(params=["in-process", "cluster-process"])
def process(request: pytest.FixtureRequest) -> Iterator[ClusterProcess | None]:
    if request.param == "in-process":
        yield None
        return
    with ClusterProcess() as child:
        yield child


def line(pid: str, text: str, minutes: float, **counts: int) -> dict[str, Any]:
    return {"id": pid, "source": "weibo", "media_tier": "self", "text": text,
            "published_at": (T0 + timedelta(minutes=minutes)).isoformat(),
            "engagement": counts}  # fmt: skip


def pipeline_over(
    store: Store, clock: FrozenClock, settings: Settings, process: ClusterProcess | None
) -> Pipeline:
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    clock.set(T0 + timedelta(hours=2))
    return build_pipeline(
        engine=store.engine, clock=clock, settings=settings, cluster_process=process
    )


def run(pipeline: Pipeline, *lines: dict[str, Any]) -> IngestSummary:
    return pipeline.run([Record(i, obj=o) for i, o in enumerate(lines, 1)])


def figures(store: Store) -> dict[str, Any]:
    """What is stored of the posts and of their one event."""
    with Session(store.engine) as session:
        (event,) = session.scalars(select(Event).where(Event.merged_into.is_(None))).all()
        hours = dict(
            session.execute(
                select(EventHour.hour, EventHour.reach).where(EventHour.event_id == event.id)
            ).all()
        )
        posts = {
            p.post_id: (p.text, p.engagement, p.edits, p.latest and p.latest["text"])
            for p in session.scalars(select(StoredPost).order_by(StoredPost.pk))
        }
        members = session.scalars(select(EventPost.post_pk)).all()
        return {
            "event": (event.posts, event.reposts, event.comments, event.likes, event.views),
            "heat": round(event.heat, 6),
            "hours": hours,
            "posts": posts,
            "members": sorted(members),
        }


def rebuilt(store: Store, clock: FrozenClock) -> dict[str, Any]:
    """The same figures recomputed from the member posts (then put back)."""
    with Session(store.engine) as session:
        (event,) = session.scalars(select(Event).where(Event.merged_into.is_(None))).all()
        facts.rebuild(session, event, now=clock.now())
        out = (event.posts, event.reposts, event.comments, event.likes, event.views)
        hours = dict(
            session.execute(
                select(EventHour.hour, EventHour.reach).where(EventHour.event_id == event.id)
            ).all()
        )
        heat = round(event.heat, 6)
        session.rollback()
    return {"event": out, "hours": hours, "heat": heat}


def counts(summary: IngestSummary) -> tuple[int, int, int]:
    return summary.stored, summary.updated, summary.duplicates


def test_higher_counts_grow_the_post_and_its_event_lower_ones_change_nothing(
    store: Store, clock: FrozenClock, settings: Settings, process: ClusterProcess | None
) -> None:
    pipeline = pipeline_over(store, clock, settings, process)
    first = run(pipeline, line("a", LUNCH, 0, likes=10, reposts=2, views=1000),
                line("b", LATER, 70, likes=1))  # fmt: skip
    assert counts(first) == (2, 0, 0)
    before = figures(store)
    assert before["event"] == (2, 2, 0, 11, 1000)
    clock.set(clock.now() + timedelta(minutes=30))
    # Polled again: more likes and comments (views as before, reposts lower: not lowered).
    again = run(pipeline, line("a", LUNCH, 0, likes=50, reposts=1, comments=7, views=1000))
    assert counts(again) == (0, 1, 0)
    after = figures(store)
    assert after["posts"]["a"][1] == {"likes": 50, "reposts": 2, "comments": 7, "views": 1000}
    assert after["event"] == (2, 2, 7, 51, 1000)
    hour_a = T0.replace(minute=0)
    assert after["hours"][hour_a] == before["hours"][hour_a] + 40 + 7
    assert after["hours"][hour_a + timedelta(hours=1)] == 1  # the other post's hour as it was
    assert after["heat"] > before["heat"]
    assert after["members"] == before["members"]  # no post added to the event
    assert {k: after[k] for k in ("event", "hours", "heat")} == rebuilt(store, clock)
    # Fewer counts, and the very same record again (a retry): nothing changes.
    fewer = run(pipeline, line("a", LUNCH, 0, likes=20, views=10))
    retry = run(pipeline, line("a", LUNCH, 0, likes=50, reposts=1, comments=7, views=1000))
    assert counts(fewer) == counts(retry) == (0, 0, 1)
    assert figures(store) == after


def test_another_text_is_an_edit_counted_and_kept_beside_the_first(
    store: Store, clock: FrozenClock, settings: Settings, process: ClusterProcess | None
) -> None:
    pipeline = pipeline_over(store, clock, settings, process)
    run(pipeline, line("a", LUNCH, 0, likes=3), line("b", LATER, 5))
    before = figures(store)
    clock.set(clock.now() + timedelta(hours=1))
    edit = run(pipeline, line("a", EDITED, 0, likes=3))
    assert counts(edit) == (0, 1, 0)
    after = figures(store)
    # What was first said stays what was matched and clustered; the edit is beside it.
    assert after["posts"]["a"] == (LUNCH, {"likes": 3}, 1, EDITED)
    assert {k: after[k] for k in ("event", "hours", "members")} == {
        k: before[k] for k in ("event", "hours", "members")
    }
    with Session(store.engine) as session:
        row = session.scalars(select(StoredPost).where(StoredPost.post_id == "a")).one()
        assert row.edited_at == T0 + timedelta(hours=3)  # when the edit was received
    # The edit again (a retry), or the first text again, is nothing new; a third text is.
    assert counts(run(pipeline, line("a", EDITED, 0, likes=3))) == (0, 0, 1)
    assert counts(run(pipeline, line("a", LUNCH, 0, likes=3))) == (0, 0, 1)
    assert figures(store) == after
    assert counts(run(pipeline, line("a", EDITED + "。", 0, likes=3))) == (0, 1, 0)
    assert figures(store)["posts"]["a"] == (LUNCH, {"likes": 3}, 2, EDITED + "。")


@pytest.mark.parametrize("batch", [1, 4000])
def test_repeats_in_one_input_update_the_post_once_whatever_the_batches(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    process: ClusterProcess | None,
    batch: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same id three times in one file, with more likes and then an edited text: one
    post stored, two records that updated it, counted once in its event. With one record
    a batch, each repeat finds the post in the batch staged before (not stored yet)."""
    monkeypatch.setattr(pipeline_module, "BATCH", batch)
    pipeline = pipeline_over(store, clock, settings, process)
    summary = run(
        pipeline,
        line("a", LUNCH, 0, likes=10),
        line("a", LUNCH, 0, likes=30),
        line("b", LATER, 5, likes=1),
        line("a", EDITED, 0, likes=30, comments=2),
        line("a", EDITED, 0, likes=20),  # fewer, and the same edit: nothing new
    )
    assert (summary.read, *counts(summary)) == (5, 2, 2, 1)
    after = figures(store)
    assert after["posts"]["a"] == (LUNCH, {"likes": 30, "comments": 2}, 1, EDITED)
    assert after["event"] == (2, 0, 2, 31, 0)
    assert {k: after[k] for k in ("event", "hours", "heat")} == rebuilt(store, clock)
    # The whole file again: nothing new.
    again = run(
        pipeline,
        line("a", LUNCH, 0, likes=10),
        line("a", EDITED, 0, likes=30, comments=2),
    )
    assert counts(again) == (0, 0, 2)
    assert figures(store) == after


def test_a_failed_batch_updates_nothing(
    store: Store, clock: FrozenClock, settings: Settings, process: ClusterProcess | None
) -> None:
    pipeline = pipeline_over(store, clock, settings, process)
    run(pipeline, line("a", LUNCH, 0, likes=10))
    before = figures(store)
    pipeline.after_store = [*pipeline.after_store, fail_on("c")]
    with pytest.raises(RuntimeError, match="refused"):
        run(pipeline, line("a", EDITED, 0, likes=99), line("c", LATER, 5))
    assert figures(store) == before
    pipeline.after_store = pipeline.after_store[:-1]
    assert counts(run(pipeline, line("a", EDITED, 0, likes=99), line("c", LATER, 5))) == (
        1,
        1,
        0,
    )
    assert figures(store)["event"] == (2, 0, 0, 99, 0)
