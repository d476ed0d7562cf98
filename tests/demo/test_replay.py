"""The demo scenario through the real pipeline on a frozen clock: what a visitor sees."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Alert, LevelDecision
from yuqing.analysis.models import Event, EventPost
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import InvalidInput
from yuqing.core.settings import Settings
from yuqing.demo import DEFAULT_SPEED
from yuqing.demo.replay import Replay, ScenarioPost, load_scenario, remaining
from yuqing.demo.run import PROGRESS_FILE, Progress, prepare
from yuqing.demo.story_lines import (
    BUREAU_TITLE,
    NEWS_TITLE,
    PROVINCIAL_TITLE,
    RESULT_TITLE,
    STATEMENT_TITLE,
)
from yuqing.monitor.models import StoredPost
from yuqing.monitor.schemas import IngestSummary
from yuqing.worker.live import build_pipeline

# What the first two minutes of wall time replay at the default speed.
FIRST_TWO_MINUTES = timedelta(seconds=120 * DEFAULT_SPEED)
CANTEEN_THREAD = "demo-0001"  # the parent's forum thread that starts the story


def replay(
    store, settings: Settings, clock: FrozenClock, posts: list[ScenarioPost]
) -> tuple[IngestSummary, list[datetime]]:
    prepare(engine=store.engine, clock=clock, echo=lambda _line: None)
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    batches: list[datetime] = []
    run = Replay(
        pipeline=pipeline,
        posts=posts,
        stop=threading.Event(),
        on_batch=lambda now, _summary: batches.append(now),
    )
    return run.run(), batches


def event_of(session: Session, post_id: str) -> str:
    return session.scalars(
        select(EventPost.event_id)
        .join(StoredPost, StoredPost.pk == EventPost.post_pk)
        .where(StoredPost.post_id == post_id)
    ).one()


def test_the_first_two_minutes_raise_a_level_with_reasons_and_alerts(store, settings, clock):
    start = clock.now()
    posts = [p for p in load_scenario() if p.offset <= FIRST_TWO_MINUTES]
    summary, batches = replay(store, settings, clock, posts)

    assert summary.read == len(posts) > 200
    assert summary.rejected == 0
    assert summary.copies > 50  # reposts and reprints are counted as spread
    assert batches == sorted(batches)
    assert clock.now() - start <= FIRST_TWO_MINUTES
    with Session(store.engine) as session:
        canteen = event_of(session, CANTEEN_THREAD)
        event = session.get(Event, canteen)
        assert event is not None
        assert event.sites >= 10  # forum, microblogs, WeChat, the city paper, video sites…
        stored = session.scalar(select(StoredPost).where(StoredPost.post_id == CANTEEN_THREAD))
        assert stored is not None
        assert stored.published_at == start  # offset 0: the replay dates it "now"
        decisions = session.scalars(
            select(LevelDecision)
            .where(LevelDecision.event_id == canteen)
            .order_by(LevelDecision.proposed_at, LevelDecision.id)
        ).all()
        # It grows, in order: one complaint is 三级 (一般), on three sites with mostly
        # negative posts 二级, on ten sites 一级 (the school plan, after the seeds' wording).
        assert [d.proposed_level for d in decisions] == ["L3", "L2", "L1"]
        assert all(d.reasons for d in decisions)
        assert decisions[-1].status == "proposed"
        alerts = session.scalars(
            select(Alert).where(Alert.event_id == canteen).order_by(Alert.id)
        ).all()
        assert [a.level for a in alerts] == ["L3", "L2", "L1"]
        assert all(start <= a.created_at <= start + FIRST_TWO_MINUTES for a in alerts)
        assert alerts[0].created_at == start  # the first complaint already concerns the plan


def test_the_unrelated_stories_stay_their_own_events(store, settings, clock):
    summary, _batches = replay(store, settings, clock, load_scenario())

    assert summary.read == len(load_scenario())
    with Session(store.engine) as session:
        canteen = event_of(session, CANTEEN_THREAD)
        members = session.execute(
            select(EventPost.event_id, StoredPost.text).join(
                StoredPost, StoredPost.pk == EventPost.post_pk
            )
        ).all()
    hospital = {event for event, text in members if "停车" in text}
    sports = {event for event, text in members if "运动会" in text}
    assert hospital
    assert sports
    assert canteen not in hospital | sports
    assert len(hospital) == 1  # the notice, its reprint and the complaints: one event
    with Session(store.engine) as session:
        levels = session.execute(select(LevelDecision.event_id, LevelDecision.proposed_level)).all()
    # The sports day spreads over three sites and more, but it is good news: never 二级.
    assert {level for event, level in levels if event in sports} <= {"L3"}
    assert "L1" in {level for event, level in levels if event == canteen}
    # The official answers and the press, in their own formal wording, join the parents'
    # story (2026-12-06: the statement and the city paper's report were events of their own).
    titled = {p.post["title"]: p.post["id"] for p in load_scenario() if p.post.get("title")}
    with Session(store.engine) as session:
        for title in (NEWS_TITLE, STATEMENT_TITLE, BUREAU_TITLE, PROVINCIAL_TITLE, RESULT_TITLE):
            assert event_of(session, titled[title]) == canteen, title
        # Replies no watch keeps for their words are kept for the post they answer, and
        # sit in its event: a reply in the parents' forum thread, a comment under the
        # statement's reposts ("学校的说明出来了…", 2026-12-06: both were dropped).
        assert event_of(session, "demo-0002") == canteen
        assert event_of(session, "demo-0299") == canteen


def test_a_replay_cut_short_goes_on_where_it_stopped():
    posts = load_scenario()
    left = remaining(posts, 10)
    assert [p.post["id"] for p in left] == [p.post["id"] for p in posts[10:]]
    assert left[0].offset == timedelta(0)
    assert left[-1].offset == posts[-1].offset - posts[10].offset
    assert remaining(posts, len(posts)) == []


def test_progress_survives_a_restart_and_a_bad_file_is_named(tmp_path, clock):
    assert Progress.read(tmp_path) == Progress()
    Progress(12, clock.now()).write(tmp_path)
    assert Progress.read(tmp_path) == Progress(12, clock.now())
    (tmp_path / PROGRESS_FILE).write_text("{", "utf-8")
    with pytest.raises(InvalidInput, match=r"demo-progress\.json：无法读取演示进度"):
        Progress.read(tmp_path)
