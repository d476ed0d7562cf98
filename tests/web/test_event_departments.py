"""Routing an event to departments by hand: the administrator adds or removes one with a
reason, audited; the departments' users gain or lose the event; the watches do not route
it back to a department taken off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import EVENT, OTHER, fill
from yuqing.analysis.facts import route
from yuqing.analysis.models import Event
from yuqing.auth import audit
from yuqing.auth import service as auth_service
from yuqing.auth.models import AuditEntry, Department
from yuqing.core.clock import FrozenClock
from yuqing.monitor.posts import Post

SignIn = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def data(store: Store, clock: FrozenClock) -> None:
    fill(store, clock)  # EVENT is routed to "edu", OTHER to nobody


def _route(client: TestClient, csrf: str, event_id: str, **form: str) -> object:
    return client.post(f"/events/{event_id}/departments", data={**form, "csrf_token": csrf})


def _last_entry(store: Store) -> AuditEntry:
    with Session(store.engine) as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


def test_an_administrator_moves_an_event_between_departments(
    data: None, signed_in: SignIn, store: Store
) -> None:
    admin, csrf = signed_in("admin")
    edu, _ = signed_in("department")  # department "edu"
    health, _ = signed_in("department2")  # department "health"
    page = admin.get(f"/events/{EVENT}").text
    assert "分派部门" in page and 'id="route-add"' in page and 'id="route-remove"' in page
    assert health.get(f"/events/{EVENT}").status_code == 403

    answer = _route(admin, csrf, EVENT, action="add", department="health", reason="涉及卫生监督")
    assert answer.status_code == 303 and answer.headers["location"] == f"/events/{EVENT}"  # type: ignore[attr-defined]
    assert health.get(f"/events/{EVENT}").status_code == 200
    assert "某中学食堂饭菜发霉" in health.get("/events").text
    entry = _last_entry(store)
    assert (entry.actor, entry.action, entry.target) == (
        "admin",
        "event.department_added",
        f"event:{EVENT}",
    )
    assert entry.before == {"departments": ["edu"]}
    assert entry.after == {"departments": ["edu", "health"], "department": "health",
                           "reason": "涉及卫生监督"}  # fmt: skip

    answer = _route(admin, csrf, EVENT, action="remove", department="edu", reason="与学校无关")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert edu.get(f"/events/{EVENT}").status_code == 403
    assert "某中学食堂饭菜发霉" not in edu.get("/events").text
    assert _last_entry(store).action == "event.department_removed"
    with Session(store.engine) as session:
        event = session.get(Event, EVENT)
        assert event is not None
        assert event.extra["departments"] == ["health"]
        assert event.extra["departments_removed"] == ["edu"]
        assert "department" not in event.extra  # the one-department form is folded in
        assert audit.verify(session=session).problem is None
    assert "health" in admin.get(f"/events/{EVENT}").text


def test_routing_needs_a_reason_a_known_department_and_a_change(
    data: None, signed_in: SignIn
) -> None:
    admin, csrf = signed_in("admin")
    cases = [
        ({"action": "add", "department": "health", "reason": "  "}, 422, "请说明分派事件的理由"),
        ({"action": "add", "department": "water", "reason": "x"}, 422, "没有部门 &#39;water&#39;"),
        ({"action": "add", "department": "edu", "reason": "x"}, 409, "已分派给 edu"),
        ({"action": "remove", "department": "health", "reason": "x"}, 409, "未分派给 health"),
        ({"action": "move", "department": "edu", "reason": "x"}, 422, "add 或 remove"),
    ]
    for form, status, says in cases:
        answer = _route(admin, csrf, EVENT, **form)
        assert (answer.status_code, says in answer.text) == (status, True), (form, answer.text)  # type: ignore[attr-defined]
    assert _route(admin, csrf, "no-such-event", action="add", department="edu",
                  reason="x").status_code == 404  # type: ignore[attr-defined]  # fmt: skip
    # No CSRF token: refused before anything is read.
    refused = admin.post(f"/events/{OTHER}/departments",
                         data={"action": "add", "department": "edu", "reason": "x"})  # fmt: skip
    assert refused.status_code == 403


def test_other_roles_see_the_departments_but_may_not_route(data: None, signed_in: SignIn) -> None:
    for role in ("leader", "office", "monitor", "department"):
        client, csrf = signed_in(role)
        page = client.get(f"/events/{EVENT}").text
        assert "分派部门" in page and "edu" in page and 'id="route-add"' not in page
        answer = _route(client, csrf, EVENT, action="remove", department="edu", reason="x")
        assert answer.status_code == 403 and "你的角色无权进行此操作" in answer.text  # type: ignore[attr-defined]


def _post(*watches: str) -> Post:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    return Post(id="p9", title="", text="食堂", published_at=at, received_at=at,
                watches=list(watches))  # fmt: skip


def test_the_watches_do_not_route_an_event_back_to_a_department_taken_off() -> None:
    event = Event(id="e", extra={"departments": ["health"], "departments_removed": ["edu"]})
    by_watch = {"canteen": "edu", "clinic": "health", "water": "water"}
    route(event, [(_post("canteen", "water"), 1)], by_watch)
    assert event.extra["departments"] == ["health", "water"]
    route(event, [(_post("canteen"), 2)], by_watch)
    assert event.extra["departments"] == ["health", "water"]


def test_a_department_reads_as_a_name_never_a_bare_id(
    data: None, signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    """The departments table's display name; else the plan's unit of that id; else the id
    labelled as a department. The same on the dashboard of a department user."""
    with Session(store.engine) as session:
        # `office` has no display name, but the example plan has a unit `office`.
        auth_service.create_department(session=session, clock=clock, actor="test", name="office")
        session.commit()
    admin, csrf = signed_in("admin")
    assert _route(admin, csrf, EVENT, action="add", department="office", reason="x").status_code == 303  # type: ignore[attr-defined]  # fmt: skip

    def routed() -> str:
        page = admin.get(f"/events/{EVENT}").text
        return page.split('id="departments-heading"', 1)[1].split("</p>", 1)[0]

    assert routed().endswith(">部门“edu”、领导小组办公室（局办公室）")
    assert signed_in("department")[0].get("/").text.count("部门“edu”") >= 2  # header, panel
    with Session(store.engine) as session:
        session.scalars(
            select(Department).where(Department.name == "edu")
        ).one().display_name = "教育科"
        session.scalars(
            select(Department).where(Department.name == "office")
        ).one().display_name = "办公室"
        session.commit()
    assert routed().endswith(">教育科、办公室")


def test_a_merged_event_leads_to_the_event_it_was_merged_into(
    data: None, signed_in: SignIn, store: Store
) -> None:
    with Session(store.engine) as session:
        other = session.get(Event, OTHER)
        assert other is not None
        other.merged_into = EVENT  # as after a merge, by a person or the clusterer
        session.commit()
    admin, _ = signed_in("admin")
    page = admin.get(f"/events/{OTHER}", follow_redirects=False)
    assert page.status_code == 307 and page.headers["location"] == f"/events/{EVENT}"
    assert admin.get(f"/events/{EVENT}").status_code == 200
