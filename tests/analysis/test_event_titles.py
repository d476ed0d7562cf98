"""Event titles come from the event's own posts: its most representative one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.analysis.test_event_split import REPRINT_OF_N1
from tests.analysis.test_live_pipeline import BASE, WATCHES, posts
from tests.conftest import Store
from yuqing.analysis import service as events_service
from yuqing.analysis.events.model import make_title
from yuqing.analysis.models import Event, EventPost
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

HEADLINE = "明德一中多名学生午餐后腹痛"  # n1's title: the municipal paper's report
W1_LEAD = make_title("", BASE + "，太气人了！")


def records(*objs: dict[str, object]) -> list[Record]:
    return [Record(i, obj=o) for i, o in enumerate(objs, 1)]


def titles(store: Store) -> dict[str, tuple[str, set[str]]]:
    """Each standing event: its title and the titles (or leads) of its own posts."""
    with Session(store.engine) as session:
        out = {}
        for event in session.scalars(select(Event).where(Event.merged_into.is_(None))):
            own = session.scalars(
                select(StoredPost)
                .join(EventPost, EventPost.post_pk == StoredPost.pk)
                .where(EventPost.event_id == event.id)
            )
            out[event.id] = (event.title, {make_title(p.title, p.text) for p in own})
        return out


def event_of(store: Store, post_id: str, partition: str) -> str:
    with Session(store.engine) as session:
        return session.scalars(
            select(EventPost.event_id)
            .join(StoredPost, StoredPost.pk == EventPost.post_pk)
            .join(Event, Event.id == EventPost.event_id)
            .where(StoredPost.post_id == post_id, Event.partition == partition)
        ).one()


def test_an_event_the_clusterer_merged_away_keeps_its_own_title(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    # c1 is close to both a1's and b1's events, which are then close enough to be one
    # story: the clusterer merges a1's into b1's. a1 stays stored in its own event, which
    # used to be named after the other event's first post.
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    pipeline.run(
        records(
            {
                "id": "a1",
                "text": "alpha bravo charlie delta echo",
                "published_at": "2026-03-02T08:50:00+08:00",
            },
            {
                "id": "b1",
                "text": "foxtrot golf hotel india juliet",
                "published_at": "2026-03-02T08:51:00+08:00",
            },
            {
                "id": "c1",
                "text": "alpha bravo charlie delta foxtrot golf hotel india juliet",
                "published_at": "2026-03-02T08:52:00+08:00",
            },
        )
    )
    named = titles(store)
    assert len(named) == 2
    assert all(title in own for title, own in named.values())
    assert len({title for title, _own in named.values()}) == 2
    alone = event_of(store, "a1", "")
    assert named[alone] == ("alpha bravo charlie delta echo", {"alpha bravo charlie delta echo"})
    with Session(store.engine) as session:
        # Nor does it carry the other event's keywords.
        assert "foxtrot" not in session.get(Event, alone).keywords  # type: ignore[union-attr]


@pytest.fixture
def running(store: Store, clock: FrozenClock, settings: Settings) -> Pipeline:
    """The school story: w1 (a parent's post), its repost w2, the paper's report n1."""
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    pipeline.run(records(*posts()))
    return pipeline


def test_the_title_is_the_most_representative_own_post(running: Pipeline, store: Store) -> None:
    # The paper's headline beats the parent's untitled post that opened the event; the
    # repost (a copy) is never the title.
    school = event_of(store, "w1", "明德一中")
    assert titles(store)[school][0] == HEADLINE
    # A later self-media post with a headline does not displace a higher tier's report.
    running.run(
        records(
            {
                "id": "t1",
                "source": "贴吧",
                "media_tier": "self",
                "title": "明德一中食堂到底怎么了",
                "text": BASE + "，有人知道情况吗",
                "published_at": "2026-03-02T16:00:00+08:00",
            }
        )
    )
    assert event_of(store, "t1", "明德一中") == school
    assert titles(store)[school][0] == HEADLINE


def test_titles_after_a_split_and_a_merge(
    running: Pipeline, store: Store, clock: FrozenClock
) -> None:
    school = event_of(store, "w1", "明德一中")
    with Session(store.engine) as session:
        # The posts the event was opened by move out: the event is named after what stays.
        moved = events_service.split(
            session=session, clock=clock, event_id=school, post_ids=["w1", "w2"]
        ).new_event_id
        session.commit()
    named = titles(store)
    assert named[school][0] == HEADLINE and named[moved][0] == W1_LEAD
    # The next batch of either event keeps them apart (the live clusterer still knows the
    # old event by its first post).
    running.reload()
    running.run(records(REPRINT_OF_N1))
    assert event_of(store, "c1", "明德一中") == school
    named = titles(store)
    assert named[school][0] == HEADLINE and named[moved][0] == W1_LEAD
    assert all(title in own for title, own in named.values())
    with Session(store.engine) as session:
        # Merged back, the event kept is named after the best post of both.
        events_service.merge(session=session, clock=clock, keep_id=moved, other_id=school)
        session.commit()
    assert titles(store)[moved][0] == HEADLINE
