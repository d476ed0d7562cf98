"""Standing events are graded again when the thresholds in force change with no post: a
plan version with lower thresholds is activated, or a key date begins at local midnight.
The pipeline's reload notices it (`alerts/regrading.py`); the proposal and its alert are
raised then, and delivered at once; nothing is raised twice, across restarts too.

The canteen story's two posts meet no level under PLAN ("low" needs 3 posts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tests.alerts.test_alerting_flow import PLAN, load_school
from tests.alerts.test_grown_graded import KEY_DATE, LOW, ingest, post, raised
from tests.conftest import Store
from yuqing.alerts.dispatcher import Sent
from yuqing.alerts.models import Alert, Delivery
from yuqing.alerts.regrading import CHECKPOINT_ID, STANDING
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.checkpoints import Checkpoint
from yuqing.monitor.pipeline import Pipeline
from yuqing.plan import service as plan_service
from yuqing.worker.live import build_pipeline

WEBHOOK = "https://hooks.school.test/yuqing"
TWO_POSTS = PLAN.replace("low: {{min_posts: 3}}", "low: {{min_posts: 2}}")


def activate(store: Store, clock: FrozenClock, template: str, extra: str = "") -> None:
    with Session(store.engine) as session:
        plan_service.load(
            session=session, clock=clock, author="test",
            text=template.format(webhook=WEBHOOK) + extra,
        )  # fmt: skip
        session.commit()


def live(store: Store, clock: FrozenClock, settings: Settings, sent: list[int]) -> Pipeline:
    def send(delivery: Delivery, alert: Alert) -> Sent:
        sent.append(delivery.alert_id)
        return Sent()

    return build_pipeline(engine=store.engine, clock=clock, settings=settings, send=send)


@pytest.fixture
def sent() -> list[int]:
    """The alert ids of the deliveries sent."""
    return []


@pytest.fixture
def pipeline(store: Store, clock: FrozenClock, settings: Settings, sent: list[int]) -> Pipeline:
    activate(store, clock, PLAN, KEY_DATE)
    load_school(store, clock)
    return live(store, clock, settings, sent)


def alert_ids(store: Store) -> set[int]:
    with Session(store.engine) as session:
        return set(session.scalars(select(Alert.id)))


def two_posts(pipeline: Pipeline, clock: FrozenClock) -> None:
    assert ingest(pipeline, post(1, clock, reposts=1), post(2, clock, reposts=1)) == (2, 0, 0)


def test_a_plan_with_lower_thresholds_raises_at_the_next_reload(
    pipeline: Pipeline, store: Store, clock: FrozenClock, sent: list[int]
) -> None:
    two_posts(pipeline, clock)
    pipeline.reload()
    assert raised(store) == ([], [])
    activate(store, clock, TWO_POSTS, KEY_DATE)
    assert raised(store) == ([], [])  # nothing before the pipeline reads the plan
    pipeline.reload()
    two = ("low", "proposed", [{"criterion": "min_posts", "posts": 2, "needed": 2}])
    assert raised(store) == ([two], ["low"])
    assert sent and set(sent) == alert_ids(store)  # delivered at once, as after a batch
    pipeline.reload()
    assert raised(store) == ([two], ["low"])
    # Another version asking the same: graded again, nothing more severe, nothing raised.
    activate(store, clock, TWO_POSTS, KEY_DATE + "# the same thresholds\n")
    pipeline.reload()
    assert raised(store) == ([two], ["low"])


def test_a_key_date_is_noticed_at_the_first_reload_after_local_midnight(
    pipeline: Pipeline, store: Store, clock: FrozenClock
) -> None:
    two_posts(pipeline, clock)  # 2026-03-02 09:00 in Shanghai; 两会 is on 03-03
    clock.advance(timedelta(hours=14, minutes=59))  # 23:59 local
    pipeline.reload()
    assert raised(store) == ([], [])
    clock.advance(timedelta(minutes=2))  # 00:01 on the key date
    pipeline.reload()
    assert raised(store) == ([LOW], ["low"])  # "needed": 2, the halved threshold
    pipeline.reload()
    assert raised(store) == ([LOW], ["low"])


@pytest.mark.parametrize(("quiet", "graded"), [(STANDING - timedelta(hours=1), True),
                                               (STANDING + timedelta(hours=1), False)])  # fmt: skip
def test_only_events_with_a_recent_post_are_graded_again(
    pipeline: Pipeline, store: Store, clock: FrozenClock, quiet: timedelta, graded: bool
) -> None:
    two_posts(pipeline, clock)
    clock.advance(quiet)
    activate(store, clock, TWO_POSTS)
    pipeline.reload()
    assert len(raised(store)[1]) == (1 if graded else 0)


@pytest.mark.parametrize("lost", [None, b"\xff not JSON", b'{"version": [1]}'])
def test_a_restart_raises_nothing_again(
    pipeline: Pipeline,
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    sent: list[int],
    lost: bytes | None,
) -> None:
    two_posts(pipeline, clock)
    activate(store, clock, TWO_POSTS)
    pipeline.reload()
    before = raised(store)
    assert before[1] == ["low"]
    again = live(store, clock, settings, sent)
    again.reload()
    assert raised(store) == before
    # The stored fingerprint gone or unreadable: a restart grades them all once, and the
    # dedup of proposals and alerts keeps the level raised before from being raised again.
    with store.engine.begin() as conn:
        mine = Checkpoint.step_id == CHECKPOINT_ID
        conn.execute(delete(Checkpoint).where(mine) if lost is None
                     else update(Checkpoint).where(mine).values(data=lost))  # fmt: skip
    third = live(store, clock, settings, sent)
    third.reload()
    assert raised(store) == before
    assert stored_fingerprint(store).startswith(b'{"version": 2,')  # graded against again


def test_a_change_while_no_pipeline_ran_is_noticed_at_the_first_reload(
    pipeline: Pipeline, store: Store, clock: FrozenClock, settings: Settings, sent: list[int]
) -> None:
    two_posts(pipeline, clock)
    pipeline.reload()  # the thresholds graded against are stored
    activate(store, clock, TWO_POSTS)  # while the worker is down
    again = live(store, clock, settings, sent)
    assert raised(store) == ([], [])  # building a pipeline (a CLI ingest) grades nothing
    again.reload()
    assert raised(store)[1] == ["low"]
    assert stored_fingerprint(store).startswith(b'{"version": 2,')


def stored_fingerprint(store: Store) -> bytes:
    with Session(store.engine) as session:
        (stored,) = session.scalars(
            select(Checkpoint.data).where(Checkpoint.step_id == CHECKPOINT_ID)
        ).all()
        return stored
