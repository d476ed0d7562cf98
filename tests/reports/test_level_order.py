"""A period report lists levels in the plan's order (most severe first), not in the order
the store keeps an object's keys (PostgreSQL's JSONB: by length, then bytes)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from tests.conftest import Store
from tests.web.conftest import users  # noqa: F401 - the fixture
from tests.web.pages_data import fill
from yuqing.auth import service as auth_service
from yuqing.core.clock import FrozenClock
from yuqing.reports import store as report_store
from yuqing.reports.figures import in_level_order
from yuqing.reports.models import ReportVersion

# The county plan's names, most severe first; sorted by name or by JSONB they are not.
IN_ORDER = ["特别重大", "重大", "较大", "一般"]


def test_names_follow_the_plans_order_and_unknown_ones_come_last() -> None:
    counts = {"一般": 4, "旧级别": 1, "重大": 2, "特别重大": 1}
    assert list(in_level_order(counts, IN_ORDER)) == ["特别重大", "重大", "一般", "旧级别"]


def _made(store: Store, clock: FrozenClock, *, keep_order: bool) -> int:
    with Session(store.engine) as session:
        actor = auth_service.actor_of(
            auth_service.get_user_or_raise(session=session, name="office")
        )
        version = report_store.create(
            session=session, clock=clock, actor=actor,
            subject=report_store.Subject(
                kind="daily", start=datetime(2026, 3, 2), end=datetime(2026, 3, 3)
            ),
        )  # fmt: skip
        figures = dict(version.figures)
        assert figures["level_order"] == IN_ORDER
        figures["events_by_level"] = {"一般": 4, "较大": 3, "重大": 2, "特别重大": 1}
        if not keep_order:  # a report stored before the order was kept
            figures.pop("level_order")
        version.figures = figures
        flag_modified(version, "figures")
        session.commit()
        return version.id


@pytest.mark.usefixtures("users")
def test_a_stored_report_prints_its_levels_in_the_plans_order(
    store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    for keep_order in (True, False):
        report_id = _made(store, clock, keep_order=keep_order)
        with Session(store.engine) as session:
            version = session.get(ReportVersion, report_id)
            assert version is not None
            html = report_store.render(version, "html", session=session).decode()
        places = [html.index(f">{name}事件<") for name in IN_ORDER]
        assert places == sorted(places), (keep_order, places)
