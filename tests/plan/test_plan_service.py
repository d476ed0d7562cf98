"""Stored plan versions on SQLite and PostgreSQL: load, activate, diff, refuse, remind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.conftest import FIXTURES, ROOT, Store
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import NotFound, PlanError
from yuqing.plan import service

BUREAU = ROOT / "examples" / "plans" / "county_bureau.yaml"
TEXT = BUREAU.read_text(encoding="utf-8")


def test_versions_are_stored_activated_and_diffed(store: Store, clock: FrozenClock) -> None:
    with Session(store.engine) as session:
        v1 = service.load(session=session, clock=clock, path=BUREAU, author="赵红")
        clock.advance(timedelta(days=1))
        revised = TEXT.replace("  every_months: 12 ", "  every_months: 6  ")
        v2 = service.load(session=session, clock=clock, text=revised, author="王建国")
        assert (v1.version, v2.version) == (1, 2)
        session.commit()
    with Session(store.engine) as session:
        versions = service.get_all_versions(session=session)
        assert [(v.version, v.author, v.active) for v in versions] == [
            (1, "赵红", False),
            (2, "王建国", True),
        ]
        assert versions[0].sha256 != versions[1].sha256 and len(versions[0].sha256) == 64
        assert versions[1].loaded_at == clock.now()
        assert versions[0].organization == "明德县教育局"
        active = service.get_active_plan(session=session)
        assert active is not None and active.review.every_months == 6
        text = service.diff(versions[0], versions[1])
    assert text.startswith("--- v1 (赵红, 2026-03-02T01:00:00+00:00)\n+++ v2 (王建国, ")
    assert "\n-  every_months: 12 " in text and "\n+  every_months: 6  " in text


def test_loading_the_active_text_again_changes_nothing(store: Store, clock: FrozenClock) -> None:
    with Session(store.engine) as session:
        first = service.load(session=session, clock=clock, text=TEXT, author="a")
        again = service.load(session=session, clock=clock, text=TEXT, author="b")
        assert again.id == first.id
        assert len(service.get_all_versions(session=session)) == 1


def test_a_bad_plan_leaves_the_active_version_in_force(store: Store, clock: FrozenClock) -> None:
    bad = FIXTURES / "plans" / "unknown_reference.yaml"
    with Session(store.engine) as session:
        service.load(session=session, clock=clock, text=TEXT, author="赵红")
        session.commit()
    with Session(store.engine) as session:
        with pytest.raises(PlanError, match=f"{bad}:21: people"):
            service.load(session=session, clock=clock, path=bad, author="someone")
        session.commit()
    with Session(store.engine) as session:
        (only,) = service.get_all_versions(session=session)
        assert only.active and only.author == "赵红"


def test_get_or_raise_and_no_plan_yet(store: Store, clock: FrozenClock) -> None:
    with Session(store.engine) as session:
        assert service.get_active(session=session) is None
        assert service.review_due(session=session, clock=clock) is None
        with pytest.raises(NotFound, match="没有预案版本 7"):
            service.get_or_raise(session=session, version=7)


def test_review_reminder_comes_due(store: Store, clock: FrozenClock) -> None:
    with Session(store.engine) as session:
        service.load(session=session, clock=clock, text=TEXT, author="赵红")
        status = service.review_due(session=session, clock=clock)
        assert status is not None and not status.remind and not status.overdue
        assert status.due.isoformat() == "2027-01-14T16:00:00+00:00"  # 15 Jan, Shanghai
        clock.set(status.due - timedelta(days=30))
        status = service.review_due(session=session, clock=clock)
        assert status is not None and status.remind and not status.overdue
        clock.set(status.due)
        status = service.review_due(session=session, clock=clock)
        assert status is not None and status.overdue


def test_a_parsed_version_is_read_again_by_its_digest_not_its_text(
    store: Store, clock: FrozenClock
) -> None:
    """Every page and worker tick asks for the plan: once a version is parsed, neither the
    active plan nor a version by number reads the stored YAML text again; a new version
    is read and parsed as it becomes active."""
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    with Session(store.engine) as session:
        service.load(session=session, clock=clock, text=TEXT, author="赵红")
        session.commit()
        first = service.get_active_plan(session=session)
        event.listen(store.engine, "before_cursor_execute", record)
        try:
            assert service.get_active_plan(session=session) is first
            assert service.plan_of_version(session=session, version=1) is first
            assert sent and not any("yaml_text" in statement for statement in sent)
            revised = TEXT.replace("  every_months: 12 ", "  every_months: 6  ")
            service.load(session=session, clock=clock, text=revised, author="王建国")
            newer = service.get_active_plan(session=session)
        finally:
            event.remove(store.engine, "before_cursor_execute", record)
        assert newer is not None and newer.review.every_months == 6
        assert service.plan_of_version(session=session, version=1) is first
        with pytest.raises(NotFound):
            service.plan_of_version(session=session, version=9)
