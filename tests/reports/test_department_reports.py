"""A period report of one department, on both databases: the events routed to it (by
the watches, by hand, in the legacy one-department form), their posts in the period,
levels and alerts, the incidents it leads or helps with, and its name in the heading."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from tests.reports.test_reports_service import HEADER, KINDS, docx_text
from yuqing.alerts.models import Alert
from yuqing.analysis.models import Event, EventPost
from yuqing.analysis.pages import departments_of
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import NotFound
from yuqing.incidents.models import Incident
from yuqing.monitor import service as monitor_service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.watches import load_watch_text
from yuqing.plan import service as plan_service
from yuqing.reports import department_scope, service
from yuqing.reports.store import period_figures_from_json

WEEKLY = KINDS["weekly"][0]  # 2026-02-23 to 2026-03-02 in Shanghai
MONTHLY = KINDS["monthly"][0]  # February 2026


def expected(session: Session, department: str, start: datetime, end: datetime) -> dict[str, Any]:
    """The department's figures worked out here from every row, through `departments_of`
    (Python), not through the report's SQL."""
    events = {e.id for e in session.scalars(select(Event)) if department in departments_of(e)}
    links = [link for link in session.scalars(select(EventPost)) if link.event_id in events]
    pks = {link.post_pk for link in links}
    posts = [
        p
        for p in session.scalars(select(StoredPost))
        if p.pk in pks and start <= p.published_at < end
    ]
    in_scope = {p.pk for p in posts}
    scoped = {link.event_id for link in links if link.post_pk in in_scope}
    alerts = [
        a
        for a in session.scalars(select(Alert))
        if start <= a.created_at < end and a.event_id in scoped
    ]
    negative = sum(p.sentiment_label == "negative" for p in posts)
    return {
        "posts": len(posts),
        "negative_share": round(negative / len(posts), 4) if posts else 0.0,
        "events": len(scoped),
        "alerts_raised": len(alerts),
    }


def compute(store: Store, now: datetime, kind: str, **kw: Any) -> Any:
    with Session(store.engine) as session:
        return service.compute(session=session, clock=FrozenClock(now), kind=kind, **kw)[0]


def test_a_departments_report_covers_the_events_routed_to_it(routed: Store) -> None:
    school = compute(routed, WEEKLY, "weekly", department="student_affairs")
    health = compute(routed, WEEKLY, "weekly", department="health")
    every = compute(routed, WEEKLY, "weekly")
    with Session(routed.engine) as session:
        start, end = datetime.fromisoformat(school.start), datetime.fromisoformat(school.end)
        for figures, department in ((school, "student_affairs"), (health, "health")):
            want = expected(session, department, start, end)
            assert {k: getattr(figures, k) for k in want} == want, department
    assert (school.posts, health.posts) == (3, 1)  # the canteen's 1 March, the hospital's h1
    assert every.posts == school.posts + health.posts
    assert school.alerts_raised >= 1  # the canteen's negative posts raised one
    assert all(e.title for e in school.top_events) and school.events == 1
    assert (school.department, school.department_name) == ("student_affairs", "学生处")
    assert (health.department, health.department_name) == ("health", "卫生室")
    assert (every.department, every.department_name, every.incidents) == (None, None, [])
    # With a watch too: both limits hold.
    assert compute(routed, WEEKLY, "weekly", department="health", watch="canteen").posts == 0


def test_the_heading_names_the_department_in_words(routed: Store, tmp_path: Path) -> None:
    figures = compute(routed, WEEKLY, "weekly", department="student_affairs", watch="canteen")
    html = service.render(figures, HEADER, "html").decode()
    assert "<h1>舆情周报（学生处·canteen）</h1>" in html
    assert "<title>舆情周报（学生处·canteen）</title>" in html
    assert "本期本部门未牵头或协办事件处置。" in html
    _document, text = docx_text(service.render(figures, HEADER, "docx"), tmp_path / "r.docx")
    assert "舆情周报（学生处·canteen）" in text
    data = json.loads(service.render(figures, HEADER, "json"))
    assert (data["department"], data["department_name"], data["incidents"]) == (
        "student_affairs",
        "学生处",
        [],
    )
    # A department nobody named reads as a department, never as a bare id.
    with Session(routed.engine) as session:
        monitor_service.upsert_watches(
            session=session,
            clock=FrozenClock(WEEKLY),
            watches=load_watch_text(
                "watches:\n  - name: roads\n    rule: 道路\n    department: roads\n",
                filename="w.yaml",
            ),
        )
        session.commit()
    roads = compute(routed, WEEKLY, "weekly", department="roads")
    assert roads.department_name == "部门“roads”" and roads.posts == 0


def test_an_unknown_department_is_refused(routed: Store) -> None:
    with pytest.raises(NotFound, match="未知部门“water”"):
        compute(routed, WEEKLY, "weekly", department="water")


def test_routing_by_hand_and_the_legacy_form_count(routed: Store) -> None:
    """The SQL that picks a department's events says what `departments_of` says, for
    every shape `extra` takes, on both databases."""
    shapes: dict[str, dict[str, Any]] = {
        "listed": {"departments": ["edu", "health"]},
        "legacy": {"department": "edu"},
        "prefix": {"departments": ["education"]},  # not "edu"
        "removed": {"departments": [], "departments_removed": ["edu"]},
        "none": {},
    }
    now = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    with Session(routed.engine) as session:
        for name, extra in shapes.items():
            session.add(
                Event(id=f"ev-{name}", title=name, keywords=[], first_source="x", first_at=now,
                      last_at=now, posts=0, sites=0, negative=0, updated_at=now, extra=extra)
            )  # fmt: skip
        session.flush()
        for department in ("edu", "health"):
            found = set(session.scalars(department_scope.routed_events(session, department)))
            want = {e.id for e in session.scalars(select(Event)) if department in departments_of(e)}
            assert found == want, department
        assert set(session.scalars(department_scope.routed_events(session, "edu"))) == {
            "ev-listed",
            "ev-legacy",
        }


def _incident(session: Session, n: int, **kw: Any) -> None:
    opened = kw.pop("opened_at", datetime(2026, 2, 20, 2, 0, tzinfo=UTC))
    session.add(
        Incident(id=n, title=f"处置{n}", origin="tip", plan_version=1, stage="response",
                 owner="office", discovered_at=opened, opened_at=opened, opened_by="office",
                 updated_at=opened, **kw)
    )  # fmt: skip


def test_the_incidents_the_department_leads_or_helps_with_are_listed(routed: Store) -> None:
    with Session(routed.engine) as session:
        level = plan_service.get_active_plan(session=session).levels[0]  # type: ignore[union-attr]
        _incident(session, 1, lead_department="student_affairs", level=level.id)
        _incident(session, 2, lead_department="office", helpers=["student_affairs"],
                  status="closed", ended_at=datetime(2026, 2, 24, tzinfo=UTC),
                  closed_at=datetime(2026, 2, 25, tzinfo=UTC))  # fmt: skip
        _incident(session, 3, lead_department="office", helpers=["health"])  # not theirs
        _incident(session, 4, lead_department="student_affairs", confidential=True)
        _incident(
            session,
            5,
            lead_department="student_affairs",
            status="closed",
            closed_at=datetime(2026, 2, 22, tzinfo=UTC),
        )  # closed before the week
        _incident(
            session,
            6,
            lead_department="student_affairs",
            opened_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        )  # opened after it
        session.commit()  # fmt: skip
    figures = compute(routed, WEEKLY, "weekly", department="student_affairs")
    listed = [(i.id, i.role, i.status) for i in figures.incidents]
    assert listed == [(1, "lead", "open"), (2, "helper", "closed")]
    assert figures.incidents[0].level == level.name
    assert figures.incidents[0].opened_at == "2026-02-20T10:00:00+08:00"
    assert figures.incidents[1].closed_at == "2026-02-25T08:00:00+08:00"
    html = service.render(figures, HEADER, "html").decode()
    assert "处置1" in html and "牵头" in html and "协办" in html and "处置4" not in html
    # A stored version reads its incidents back.
    again = period_figures_from_json(figures.to_json())
    assert again.incidents == figures.incidents
    assert [i.id for i in compute(routed, WEEKLY, "weekly", department="health").incidents] == [3]


def test_the_command_takes_a_department(routed: Store, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "weekly.json"
    args = ["--from", "2026-02-23", "--to", "2026-03-02", "--format", "json", "-o", str(out)]
    result = cli("report", "generate", "weekly", *args, "--department", "health")
    assert result.code == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["department"], data["department_name"], data["posts"]) == ("health", "卫生室", 1)

    missing = tmp_path / "out" / "missing.json"
    missing.parent.mkdir()
    result = cli("report", "generate", "weekly", "--department", "water", "-o", str(missing))
    assert result.code != 0
    assert result.stderr.strip().splitlines() == ["yuqing: 未知部门“water”"]
    assert list(missing.parent.iterdir()) == []
    result = cli("report", "generate", "flash", "--incident", "1", "--department", "health",
                 "-o", str(missing))  # fmt: skip
    assert result.code != 0 and "--department" in result.stderr.strip()
    assert list(missing.parent.iterdir()) == []


def test_a_months_report_of_a_department(routed: Store) -> None:
    health = compute(routed, MONTHLY, "monthly", department="health")
    school = compute(routed, MONTHLY, "monthly", department="student_affairs")
    assert (health.posts, school.posts) == (2, 0)  # h1 and h2; the canteen's are March's
    assert health.start.startswith("2026-02-01") and health.end.startswith("2026-03-01")
    assert timedelta(days=28) == datetime.fromisoformat(health.end) - datetime.fromisoformat(
        health.start
    )
