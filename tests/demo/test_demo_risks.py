"""The demo home's risk register: what the /risks page has to show a visitor."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.auth import service as auth_service
from yuqing.core.clock import FrozenClock
from yuqing.demo.run import prepare
from yuqing.risks import service as risks


def test_the_demo_school_has_three_risk_points_once(store: Store, clock: FrozenClock) -> None:
    for _ in range(2):  # a demo home prepared again keeps its points
        prepare(engine=store.engine, clock=clock, echo=lambda _line: None)
    with Session(store.engine) as session:
        office = auth_service.actor_of(auth_service.get_user(session=session, name="office"))
        month, listed = risks.get_all(session=session, clock=clock, actor=office)
    assert month == "2026-03"
    marks = [(i.point.title, i.month is not None, i.overdue, i.month_missing) for i in listed]
    assert marks == [
        ("学生食堂食品安全", True, False, False),
        ("校园周边上下学交通安全", False, False, True),
        ("招生与收费政策解读不到位", False, True, True),
    ]
    assert listed[0].point.lead_department == "logistics"
