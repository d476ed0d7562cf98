"""An event that grows only because its posts are seen again with higher counts is graded
in that batch, as an event a new post joins is: no waiting for its next post.

This plan has no criterion that reads reach (`min_reach`: test_reach_graded.py), so what
growth can change on its own here is what time changes: a key date that lowers the
thresholds overnight. The day before, two posts meet no level; on the key date the same
two posts come back with 50,000 reposts and no new post, and the proposal and its alert
are raised in that batch. The same records again raise nothing, nor do higher counts still."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.test_alerting_flow import PLAN, STORY, load_school
from tests.conftest import Store
from yuqing.alerts.models import Alert, LevelDecision
from yuqing.alerts.raising import GradeStep
from yuqing.analysis.models import Event
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.readers import Record
from yuqing.monitor.store import Grown
from yuqing.worker.live import build_pipeline

# The day after the test clock's (2026-03-02, Shanghai): 两会, thresholds halved, so
# "low" needs 2 posts instead of 3.
KEY_DATE = """
key_dates:
  - id: lianghui
    name: 两会
    dates: [{start: 2026-03-03, end: 2026-03-03}]
    threshold_factor: 0.5
"""


@pytest.fixture
def pipeline(store: Store, clock: FrozenClock, settings: Settings) -> Pipeline:
    load_school(store, clock, PLAN.format(webhook="https://hooks.school.test/yuqing") + KEY_DATE)
    return build_pipeline(engine=store.engine, clock=clock, settings=settings)


def post(n: int, clock: FrozenClock, reposts: int) -> dict[str, object]:
    return {"id": f"p{n}", "source": f"site{n}", "media_tier": "self",
            "text": f"{STORY}，第{n}位家长反映", "engagement": {"reposts": reposts},
            "published_at": clock.now().isoformat()}  # fmt: skip


def ingest(pipeline: Pipeline, *posts: dict[str, object]) -> tuple[int, int, int]:
    summary = pipeline.run([Record(i, obj=p) for i, p in enumerate(posts, 1)])
    return summary.stored, summary.updated, summary.duplicates


def raised(store: Store) -> tuple[list[tuple[str, str, list[object]]], list[str]]:
    """The level decisions (level, status, reasons) and the alerts' levels."""
    with Session(store.engine) as session:
        decisions = session.scalars(select(LevelDecision).order_by(LevelDecision.id))
        alerts = session.scalars(select(Alert).order_by(Alert.id))
        return (
            [(d.proposed_level, d.status, d.reasons) for d in decisions],
            [a.level for a in alerts],
        )


def reposts(store: Store) -> int:
    with Session(store.engine) as session:
        (event,) = session.scalars(select(Event).where(Event.merged_into.is_(None))).all()
        return event.reposts


LOW = ("low", "proposed", [{"criterion": "min_posts", "posts": 2, "needed": 2}])


def test_an_event_that_grows_by_reposts_alone_is_graded_in_that_batch(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    first = [post(1, clock, reposts=10), post(2, clock, reposts=3)]
    assert ingest(pipeline, *first) == (2, 0, 0)
    assert raised(store) == ([], [])  # two posts, three needed: no level
    clock.advance(timedelta(days=1))  # the key date: two posts are enough now
    viral = [{**first[0], "engagement": {"reposts": 50_000}},
             {**first[1], "engagement": {"reposts": 20_000}}]  # fmt: skip
    assert ingest(pipeline, *viral) == (0, 2, 0)  # no new post: the event only grew
    assert reposts(store) == 70_000
    assert raised(store) == ([LOW], ["low"])
    # The same records again: nothing grew, nothing new is raised.
    assert ingest(pipeline, *viral) == (0, 0, 2)
    assert raised(store) == ([LOW], ["low"])
    # Higher counts still: graded again, but the level is no more severe.
    clock.advance(timedelta(minutes=10))
    assert ingest(pipeline, {**viral[0], "engagement": {"reposts": 90_000}}) == (0, 1, 0)
    assert reposts(store) == 110_000
    assert raised(store) == ([LOW], ["low"])


def test_an_event_joined_and_grown_in_one_batch_is_alerted_once(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    first = [post(1, clock, reposts=10), post(2, clock, reposts=3)]
    ingest(pipeline, *first)
    clock.advance(timedelta(days=1))
    # A new post joins the event in the batch that brings its first post's reposts.
    both = [{**first[0], "engagement": {"reposts": 50_000}}, post(3, clock, reposts=1)]
    assert ingest(pipeline, *both) == (1, 1, 0)
    three = [{"criterion": "min_posts", "posts": 3, "needed": 2}]
    assert raised(store) == ([("low", "proposed", three)], ["low"])  # one proposal, one alert


def test_grown_posts_in_no_event_grade_nothing(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    """Only the events of the posts that grew are graded: a post in no event, none."""
    ingest(pipeline, post(1, clock, reposts=10), post(2, clock, reposts=3))
    clock.advance(timedelta(days=1))  # the event would meet "low" now, if it were graded
    grade = next(a.grown for a in pipeline.after_store if a.step_id == GradeStep.step_id)
    assert grade is not None
    with store.engine.begin() as conn:
        grade(conn, [Grown(987654, {"reposts": 1}, {"reposts": 5})], now=clock.now())
    assert raised(store) == ([], [])
