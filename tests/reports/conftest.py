"""A small seeded store for the report tests: a plan, two watches, posts over a month,
all taken through the live pipeline on a frozen clock (so alerts fall in the period);
and the same posts with watches that route their events to two departments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.conftest import FIXTURES, ROOT, Store
from tests.fakes.fixtures import robots, smtp_server  # noqa: F401 - pytest fixtures
from yuqing.auth import service as auth_service
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service as monitor_service
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.plan import service as plan_service
from yuqing.worker.live import build_pipeline

HOSTILE_TITLE = "<script>alert('x')</script>学校食堂<b>通报</b>"
CANTEEN = "明德学校食堂饭菜发霉，多名学生吃后腹泻，家长非常愤怒，强烈谴责学校隐瞒！"


def seeded_posts() -> list[dict[str, object]]:
    """Posts on both sides of each period's edges, in Shanghai time (UTC+8)."""
    return [
        {"id": "a1", "source": "weibo", "platform": "微博", "media_tier": "self",
         "title": HOSTILE_TITLE, "text": CANTEEN, "published_at": "2026-03-01T09:00:00+08:00"},
        {"id": "a2", "source": "weibo", "platform": "微博", "media_tier": "self",
         "text": "转发微博 //@家长: " + CANTEEN, "published_at": "2026-03-01T10:00:00+08:00"},
        {"id": "a3", "source": "市晚报", "platform": "news", "media_tier": "municipal",
         "title": "明德学校食堂卫生问题引关注", "text": "市晚报记者走访明德学校食堂，教育局已介入调查，食材已封存送检。",
         "published_at": "2026-03-01T23:30:00+08:00"},
        # 16:30 UTC on 1 March, but 2 March in the plan's zone: not in the daily report.
        {"id": "a4", "source": "论坛", "platform": "forum", "text": "学校食堂整改情况通报，学生反映饭菜有改善，家长表示满意。",
         "published_at": "2026-03-02T00:30:00+08:00"},
        {"id": "h1", "source": "县论坛", "platform": "forum", "media_tier": "local",
         "text": "县医院发生医疗纠纷，患者家属在门诊大厅聚集讨说法。", "published_at": "2026-02-27T10:00:00+08:00"},
        {"id": "h2", "source": "县论坛", "platform": "forum", "media_tier": "local",
         "text": "人民医院火灾隐患被曝光，消防通道堆满杂物。", "published_at": "2026-02-10T10:00:00+08:00"},
    ]  # fmt: skip


@pytest.fixture
def seeded(store: Store, tmp_path: Path) -> Store:
    """The store with the school plan, the test watches and the posts above."""
    clock = FrozenClock(datetime(2026, 3, 1, 4, 0, tzinfo=UTC))  # noon in Shanghai
    with Session(store.engine) as session:
        plan_service.load(
            session=session, clock=clock, author="test", path=ROOT / "examples/plans/school.yaml"
        )
        text = (FIXTURES / "watches.yaml").read_text(encoding="utf-8")
        monitor_service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(text, filename="watches.yaml")
        )
        session.commit()
    settings = Settings(home=tmp_path, db_url=store.url)
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    pipeline.run([Record(i, obj=o) for i, o in enumerate(seeded_posts(), 1)])
    return store


# The canteen's events go to the school's 学生处 (a unit of the plan); the hospital's to
# "health", a department of the departments table named 卫生室.
WATCHES = """
watches:
  - name: canteen
    rule: 学校 食堂
    department: student_affairs
  - name: hospital
    subject: [人民医院, 县医院]
    event: [火灾, 医疗纠纷]
    exclude: [演练]
    department: health
"""


@pytest.fixture
def routed(store: Store, tmp_path: Path) -> Store:
    """The seeded posts of the report tests, taken through the pipeline with watches that
    route their events to two departments."""
    clock = FrozenClock(datetime(2026, 3, 1, 4, 0, tzinfo=UTC))
    with Session(store.engine) as session:
        plan_service.load(
            session=session, clock=clock, author="test", path=ROOT / "examples/plans/school.yaml"
        )
        monitor_service.upsert_watches(
            session=session, clock=clock, watches=load_watch_text(WATCHES, filename="w.yaml")
        )
        auth_service.create_department(
            session=session, clock=clock, actor="test", name="health", display_name="卫生室"
        )
        session.commit()
    settings = Settings(home=tmp_path, db_url=store.url)
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    pipeline.run([Record(i, obj=o) for i, o in enumerate(seeded_posts(), 1)])
    return store
