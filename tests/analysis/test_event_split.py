"""Splitting an event by hand: posts move to a new event, and the decision is kept."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.analysis.test_live_pipeline import WATCHES, posts
from tests.conftest import Cli, Store
from yuqing.analysis import service as events_service
from yuqing.analysis.models import Event, EventPost, EventSplit
from yuqing.analysis.steps import ClusterStep
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import use_locale
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

# Matches the bureau's watch only (明德县 … 教育局), never the school's (明德一中 食堂).
BUREAU_ONLY = {"id": "b2", "source": "县政府网", "media_tier": "local",
               "text": "明德县教育局召开全县校园安全工作会议，部署下一阶段检查。",
               "published_at": "2026-03-02T15:30:00+08:00"}  # fmt: skip
# A reprint of the news report n1: dedup calls it a copy of n1.
REPRINT_OF_N1 = {"id": "c1", "source": "今日头条", "media_tier": "self",
                 "title": "明德一中多名学生午餐后腹痛",
                 "text": "明德一中食堂午饭后多名学生腹痛，明德县教育局已介入调查，食材已封存送检。",
                 "published_at": "2026-03-02T16:30:00+08:00"}  # fmt: skip


@pytest.fixture
def running(store: Store, clock: FrozenClock, settings: Settings) -> Pipeline:
    """A live pipeline that has taken the school story (w1, its repost w2, news n1)."""
    with Session(store.engine) as session:
        service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    pipeline.run([Record(i, obj=o) for i, o in enumerate([*posts(), BUREAU_ONLY], 1)])
    return pipeline


def school_event(session: Session) -> Event:
    return session.scalars(select(Event).where(Event.partition == "明德一中")).one()


def members(session: Session, event_id: str) -> set[str]:
    return set(
        session.scalars(
            select(StoredPost.post_id)
            .join(EventPost, EventPost.post_pk == StoredPost.pk)
            .where(EventPost.event_id == event_id)
        )
    )


def cluster_step(pipeline: Pipeline) -> ClusterStep:
    return cast(ClusterStep, pipeline.stateful[0])


def test_split_moves_posts_and_recomputes_both_events(
    running: Pipeline, store: Store, clock: FrozenClock
) -> None:
    with Session(store.engine) as session:
        old_id = school_event(session).id
        new_id = events_service.split(
            session=session, clock=clock, event_id=old_id, post_ids=["n1"], by="李老师"
        ).new_event_id
        session.commit()
    with Session(store.engine) as session:
        old, new = session.get(Event, old_id), session.get(Event, new_id)
        assert old is not None and new is not None and new.id != old_id
        assert members(session, old_id) == {"w1", "w2"}
        assert members(session, new.id) == {"n1"}
        assert (old.posts, old.copies, old.sites, old.top_tier) == (2, 1, 1, "self")
        assert (old.reposts, old.views, old.first_source) == (10, 0, "weibo")
        assert (new.posts, new.copies, new.sites, new.top_tier) == (1, 0, 1, "municipal")
        assert (new.views, new.first_source, new.partition) == (5000, "市晚报", "明德一中")
        assert new.title == "明德一中多名学生午餐后腹痛" and "腹痛" in new.keywords
        moved = session.scalars(select(EventPost).where(EventPost.event_id == new.id)).one()
        assert moved.manual
        kept = session.scalars(select(EventSplit)).one()
        assert (kept.event_id, kept.new_event_id, kept.partition) == (old_id, new.id, "明德一中")
        assert (kept.decided_by, kept.decided_at) == ("李老师", clock.now())
        # The bureau's own event keeps its copy of n1: organizations never mix.
        bureau = session.scalars(select(Event).where(Event.partition == "县教育局")).all()
        assert any("n1" in members(session, e.id) for e in bureau)
        shown = events_service.facts(session=session, event=new, now=clock.now())
        assert shown["volume_per_day"] == {"2026-03-02": 1}
        assert [s["site"] for s in shown["spread_path"]] == ["市晚报"]
        assert (
            len(events_service.facts(session=session, event=old, now=clock.now())["spread_path"])
            == 1
        )


def test_split_refuses_what_it_cannot_do(
    running: Pipeline, store: Store, clock: FrozenClock
) -> None:
    with Session(store.engine) as session:
        old_id = school_event(session).id

        def split(event_id: str, *ids: str) -> EventSplit:
            return events_service.split(
                session=session, clock=clock, event_id=event_id, post_ids=list(ids)
            )

        with pytest.raises(NotFound, match="没有事件 'ev-nope'"):
            split("ev-nope", "n1")
        with pytest.raises(NotFound, match="没有帖文 'nope'"):
            split(old_id, "n1", "nope")
        with pytest.raises(InvalidInput, match="帖文 'b2' 属于其他机构的事件"):
            split(old_id, "b2")
        with pytest.raises(Conflict, match=f"不能移出事件 '{old_id}' 的全部帖文"):
            split(old_id, "w1", "w2", "n1", "w1")
        with pytest.raises(InvalidInput, match="请至少指定一条要移出的帖文"):
            split(old_id)
        assert members(session, old_id) == {"w1", "w2", "n1"}  # nothing half done
        new_id = split(old_id, "n1").new_event_id
        with pytest.raises(InvalidInput, match=f"帖文 'n1' 不在事件 '{old_id}' 中"):
            split(old_id, "n1")
        with pytest.raises(Conflict, match=f"不能移出事件 '{new_id}' 的全部帖文"):
            split(new_id, "n1")
        with use_locale("en"), pytest.raises(Conflict, match="cannot move the only post of event"):
            split(new_id, "n1")
        events_service.merge(session=session, clock=clock, keep_id=old_id, other_id=new_id)
        with pytest.raises(Conflict, match=f"已并入 '{old_id}'；请拆分后者"):
            split(new_id, "n1")


def test_the_running_pipeline_learns_the_split_on_reload(
    running: Pipeline, store: Store, clock: FrozenClock
) -> None:
    step = cluster_step(running)
    with Session(store.engine) as session:
        old_id = school_event(session).id
        new_id = events_service.split(
            session=session, clock=clock, event_id=old_id, post_ids=["n1"], by="李老师"
        ).new_event_id
        session.commit()
    assert step.clusterer.summary(new_id) is None  # not before its next reload
    running.reload()
    learnt = step.clusterer.summary(new_id)
    assert learnt is not None and learnt.size == 1 and learnt.partition == "明德一中"
    running.reload()  # read again, applied once
    assert step.clusterer.summary(new_id).size == 1  # type: ignore[union-attr]
    # A later copy of the moved post follows it; the moved post never goes back.
    summary = running.run([Record(1, obj=REPRINT_OF_N1), Record(2, obj=posts()[2])])
    assert (summary.copies, summary.duplicates) == (1, 1)
    with Session(store.engine) as session:
        assert members(session, new_id) == {"n1", "c1"}
        assert members(session, old_id) == {"w1", "w2"}
        assert session.get(Event, new_id).posts == 2  # type: ignore[union-attr]


def test_a_restarted_pipeline_follows_splits_made_after_its_checkpoint(
    running: Pipeline, store: Store, clock: FrozenClock, settings: Settings
) -> None:
    running.checkpoint(force=True)  # taken before the split
    with Session(store.engine) as session:
        old_id = school_event(session).id
        new_id = events_service.split(
            session=session, clock=clock, event_id=old_id, post_ids=["n1"]
        ).new_event_id
        session.commit()
    again = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    assert cluster_step(again).clusterer.summary(new_id) is not None
    again.run([Record(1, obj=REPRINT_OF_N1)])
    with Session(store.engine) as session:
        assert members(session, new_id) == {"n1", "c1"}


def test_events_split_command(cli: Cli, tmp_path: Path) -> None:
    watch_file = tmp_path / "w.yaml"
    watch_file.write_text(WATCHES, encoding="utf-8")
    assert cli("watch", "import", str(watch_file)).code == 0
    lines = "\n".join(json.dumps(p, ensure_ascii=False) for p in posts()) + "\n"
    assert cli("ingest", input=lines).code == 0
    listed = [json.loads(x) for x in cli("events", "list", "--json").stdout.splitlines()]
    school = next(e for e in listed if e["posts"] == 3)["id"]
    done = cli("events", "split", school, "n1", "--by", "李老师", "--json")
    assert done.code == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["split_from"] == school and out["moved"] == ["n1"]
    assert (out["posts"], out["remaining"], out["decided_by"]) == (1, 2, "李老师")
    shown = json.loads(cli("events", "show", out["event_id"], "--json").stdout)
    assert shown["posts"] == 1 and shown["organization"] == "明德一中"
    refused = cli("events", "split", school, "w1", "w2")
    assert refused.code != 0 and refused.stdout == ""
    (line,) = refused.stderr.strip().splitlines()  # one line, no traceback
    assert line.endswith(f"不能移出事件 '{school}' 的全部帖文：否则该事件将一条不剩")
    english = Cli({**cli.env, "YUQING_LANG": "en"})("events", "split", school, "w1", "w2")
    assert english.stderr.strip().endswith(
        f"cannot move all 2 posts of event '{school}': nothing would be left"
    )
    plain = cli("events", "split", "ev-nope", "w1")
    assert plain.code != 0 and plain.stderr.strip().endswith("没有事件 'ev-nope'")
