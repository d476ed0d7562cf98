"""Fixtures of the drill tests: a live store with an office in it (the school plan, the
demo watches, a department and people with passwords), and a look at all of its rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.conftest import _password_hash, app, users  # noqa: F401 - fixtures
from yuqing.auth import service as auth_service
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.demo.run import demo_watches
from yuqing.monitor import service as monitor_service
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

# name, role, department: `tang_lei` holds the plan's office role (校办主任) and takes the
# 校办审核 step of the 二级 chain.
PEOPLE = (
    ("monitor1", "monitor", None),
    ("boss", "leader", None),
    ("spokes", "spokesperson", None),
    ("tang_lei", "office", "office"),
)


@pytest.fixture
def live(store: Store, clock: FrozenClock, tmp_path: Path) -> Settings:
    """The office's live store and home: what a drill copies and must never change."""
    with Session(store.engine) as session:
        plan_service.load(
            session=session,
            clock=clock,
            author="test",
            text=example_plan_text("school"),
            source_name="school.yaml",
        )
        monitor_service.upsert_watches(session=session, clock=clock, watches=demo_watches())
        auth_service.create_department(
            session=session, clock=clock, actor="test", name="logistics", display_name="后勤处"
        )
        for name, role, department in PEOPLE:
            user = auth_service.create_user(
                session=session, clock=clock, actor="test", name=name, role=role,
                password=None, department=department,
            )  # fmt: skip
            user.password_hash = _password_hash()
        session.commit()
    home = tmp_path / "home"
    home.mkdir()
    return Settings(home=home, db_url=store.url)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as text: equal before and after means nothing changed."""
    tables = MetaData()
    tables.reflect(engine)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in tables.sorted_tables:
            found = conn.execute(select(table)).all()
            rows[table.name] = sorted(tuple(str(v) for v in row) for row in found)
    assert rows["users"] and rows["plan_versions"]  # a look at a store, not at nothing
    return rows
