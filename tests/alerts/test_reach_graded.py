"""A plan level that asks for reach (`min_reach`) is met when posts already stored come
back with higher counts: no new post, and the proposal and its alert arrive in that
batch, their grounds naming the reach (the grown path of `GradeStep`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.test_alerting_flow import PLAN, load_school
from tests.alerts.test_grown_graded import ingest, post, raised
from tests.conftest import Store
from yuqing.alerts.models import Alert
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor.pipeline import Pipeline
from yuqing.worker.live import build_pipeline

# 一级 (high) when provincial media carried it or it reached 60,000; 二级 (low) at 3 posts.
WIDE = PLAN.replace(
    "high: {{min_tier: provincial}}", "high: {{min_tier: provincial, min_reach: 60000}}"
)


@pytest.fixture
def pipeline(store: Store, clock: FrozenClock, settings: Settings) -> Pipeline:
    load_school(store, clock, WIDE.format(webhook="https://hooks.school.test/yuqing"))
    return build_pipeline(engine=store.engine, clock=clock, settings=settings)


def alert_texts(store: Store) -> dict[str, list[str]]:
    with Session(store.engine) as session:
        (alert,) = session.scalars(select(Alert)).all()
        assert alert.texts is not None
        return alert.texts


def test_posts_seen_again_with_wide_reach_raise_the_level_that_asks_for_it(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    first = [post(1, clock, reposts=10), post(2, clock, reposts=3)]
    assert ingest(pipeline, *first) == (2, 0, 0)
    assert raised(store) == ([], [])  # two posts, little reach: no level
    clock.advance(timedelta(minutes=30))
    viral = [{**first[0], "engagement": {"reposts": 50_000, "likes": 5_000}},
             {**first[1], "engagement": {"reposts": 20_000, "views": 100_000}}]  # fmt: skip
    assert ingest(pipeline, *viral) == (0, 2, 0)  # no new post: the event only grew
    # 50,000 + 5,000 + 20,000 + 100,000 / 100
    wide = [{"criterion": "min_reach", "reach": 76_000, "needed": 60_000}]
    assert raised(store) == ([("high", "proposed", wide)], ["high"])
    zh, en = alert_texts(store)["zh_CN"][1], alert_texts(store)["en"][1]
    assert "传播量 76000（转发、评论、点赞之和，浏览量按百分之一计），达到预案规定的 60000" in zh
    assert "reach 76000 (reposts, comments and likes" in en
    # The same records again: nothing grew, nothing new is raised.
    assert ingest(pipeline, *viral) == (0, 0, 2)
    assert raised(store) == ([("high", "proposed", wide)], ["high"])


def test_reach_below_the_threshold_raises_nothing(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    first = [post(1, clock, reposts=10), post(2, clock, reposts=3)]
    ingest(pipeline, *first)
    clock.advance(timedelta(minutes=30))
    grown = [{**first[0], "engagement": {"reposts": 59_996}}, first[1]]
    assert ingest(pipeline, *grown) == (0, 1, 1)  # reach 59,999: one short of enough
    assert raised(store) == ([], [])
