"""Events are routed to the departments of the watches their posts matched; a watch file
names the department, and a wrong one is refused with its line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.analysis.models import Event
from yuqing.analysis.pages import departments_of
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import InvalidInput
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.worker.live import build_pipeline

WATCHES = """
watches:
  - name: canteen
    rule: 明德一中 食堂
    department: edu
  - name: hospital
    rule: 县医院
    department: ' health '
  - name: roads
    rule: 道路施工
"""
TEXT = "明德一中食堂午饭吃出虫子，多名学生腹痛，家长要求学校给出说法"


def _post(post_id: str, text: str, at: str) -> dict[str, object]:
    return {"id": post_id, "source": "weibo", "media_tier": "self", "text": text,
            "published_at": f"2026-03-02T{at}:00+08:00"}  # fmt: skip


def _departments(store: Store) -> dict[str, frozenset[str]]:
    with Session(store.engine) as session:
        return {e.title: departments_of(e) for e in session.scalars(select(Event)).all()}


def test_an_event_takes_the_departments_of_its_watches(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    watches = load_watch_text(WATCHES, filename="w.yaml")
    assert [w.department for w in watches] == ["edu", "health", ""]
    with Session(store.engine) as session:
        service.upsert_watches(session=session, clock=clock, watches=watches)
        session.commit()
    clock.set(clock.now() + timedelta(days=1))
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    pipeline.run([
        Record(1, obj=_post("a1", TEXT, "12:00")),
        Record(2, obj=_post("r1", "城南道路施工噪音扰民，夜里十二点还在施工", "12:10")),
    ])  # fmt: skip
    routed = _departments(store)
    assert sorted(routed.values(), key=sorted) == [frozenset(), frozenset({"edu"})]
    # A later post of the same story that also matched the hospital's watch adds health;
    # the event stays routed to edu.
    pipeline.run([Record(3, obj=_post("a2", TEXT + "，已送县医院检查", "12:30"))])
    routed = _departments(store)
    assert frozenset({"edu", "health"}) in routed.values()
    # The store keeps the department of a watch: read back, it routes the same way.
    with Session(store.engine) as session:
        assert [w.department for w in service.load_watches(session=session)] == [
            "edu", "health", ""
        ]  # fmt: skip


@pytest.mark.parametrize("value", ["[edu]", "'" + "x" * 101 + "'"])
def test_a_wrong_department_names_its_line(value: str) -> None:
    text = f"watches:\n  - name: a\n    rule: 食堂\n    department: {value}\n"
    with pytest.raises(InvalidInput) as caught:
        load_watch_text(text, filename="w.yaml")
    assert caught.value.where == "w.yaml:4"
