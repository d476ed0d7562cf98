"""The dashboard: levels by the plan's names, volume, due alerts and incident clocks,
failing sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import EVENT, fill
from yuqing.alerts.models import Alert
from yuqing.auth import service as auth_service
from yuqing.auth.models import Department
from yuqing.auth.schemas import Actor
from yuqing.core.clock import FrozenClock
from yuqing.core.i18n import use_locale
from yuqing.db.engine import session_scope
from yuqing.incidents import service as incidents
from yuqing.incidents.models import DeadlineClock, Incident
from yuqing.incidents.service import clocks
from yuqing.incidents.wording import clock_label, minutes_left
from yuqing.monitor.models import Source
from yuqing.web import dashboard
from yuqing.web.dashboard import fingerprint

SignIn = Callable[[str], tuple[TestClient, str]]


def test_the_dashboard_shows_levels_volume_and_failing_sources(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    with Session(store.engine) as session:
        alert = session.scalars(select(Alert)).one()
        alert.ack_due_at = clock.now() + timedelta(minutes=10)
        session.add(Source(name="县论坛", kind="rss", url="http://127.0.0.1:1/x", created_at=clock.now(),
                           consecutive_failures=3, last_error="connection refused",
                           last_error_at=clock.now()))  # fmt: skip
        session.commit()
    client, _csrf = signed_in("office")
    page = client.get("/").text
    assert "建议级别（待确认）" in page and '<span class="level">重大</span> 1' in page
    assert "县论坛" in page and "连续失败 3 次" in page and "connection refused" in page
    volume = client.get("/dashboard/volume.json").json()
    assert len(volume["hours"]["posts"]) == 24 and sum(volume["hours"]["posts"]) == 3
    assert len(volume["days"]["posts"]) == 7 and sum(volume["days"]["posts"]) == 3
    stream = client.get("/dashboard/stream", params={"polls": 1})
    assert stream.headers["content-type"].startswith("text/event-stream")
    due = page.split('id="due-heading"', 1)[1].split("</section>", 1)[0]
    assert "确认期限" in due and "确认已超时" not in due
    clock.advance(timedelta(minutes=15))  # past its acknowledgement deadline
    due = client.get("/").text.split('id="due-heading"', 1)[1].split("</section>", 1)[0]
    assert "<strong>确认已超时，期限</strong>" in due


def test_the_levels_read_most_severe_first(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    """In the plan's order, not the names' (一般 sorted before 重大, 一级 三级 二级)."""
    from tests.web.pages_data import OTHER
    from yuqing.alerts.models import LevelDecision

    fill(store, clock)  # EVENT proposed at II (重大)
    with Session(store.engine) as session:
        session.add(LevelDecision(event_id=OTHER, plan_version=1, proposed_level="IV",
                                  proposed_at=clock.now(), reasons=[]))  # fmt: skip
        session.commit()
    client, _csrf = signed_in("office")
    page = client.get("/").text
    levels = page.split('id="levels-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<span class="level">(.*?)</span>', levels) == ["重大", "一般"], levels


def test_a_department_user_sees_their_events_only(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    clock.advance(timedelta(minutes=1))
    client, _csrf = signed_in("department")
    page = client.get("/").text
    assert "某中学食堂饭菜发霉" in page and "道路施工扰民" not in page
    assert "【重大】" not in page  # the alert's level is its badge, not said twice
    assert client.get("/dashboard/volume.json").json()["hours"]["posts"] == []
    # It lists what is routed to them, and does not also say nothing is.
    assert "目前还没有分派给本部门的内容" not in page


def test_a_department_is_read_by_its_display_name(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    client, _csrf = signed_in("department")  # of department "edu"
    with Session(store.engine) as session:
        edu = session.scalars(select(Department).where(Department.name == "edu")).one()
        edu.display_name = "教育科"
        session.commit()
    page = client.get("/").text
    assert "教育科" in page and "（edu）" not in page
    assert "目前还没有分派给本部门的内容" in page  # nothing routed to it yet


def _incident(store: Store, clock: FrozenClock, title: str, **kw: object) -> int:
    """An incident from a tip, led by `edu`, its level II confirmed: its clocks run."""
    with Session(store.engine) as session:
        user = auth_service.get_user(session=session, name="leader")
        assert user is not None
        leader = auth_service.actor_of(user)
        incident = incidents.open_incident(session=session, clock=clock, actor=leader,
                                           tip_channel="phone", tip_text=title, title=title,
                                           lead_department="edu", **kw)  # type: ignore[arg-type]  # fmt: skip
        incidents.confirm_level(session=session, clock=clock, actor=leader,
                                incident_id=incident.id, level="II")  # fmt: skip
        session.commit()
        return incident.id


def _due(client: TestClient) -> str:
    page = client.get("/").text
    return page.split('id="due-heading"', 1)[1].split("</section>", 1)[0]


def test_the_dashboard_counts_down_incident_deadlines_for_those_who_may_see_them(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    with Session(store.engine) as session:
        session.scalars(select(Alert)).one().ack_due_at = clock.now() + timedelta(minutes=10)
        session.commit()
    open_case = _incident(store, clock, "家长来电反映食堂问题")
    secret = _incident(store, clock, "保密的来电", confidential=True)
    with Session(store.engine) as session:
        running = session.scalars(
            select(DeadlineClock)
            .where(DeadlineClock.incident_id == open_case, DeadlineClock.state == "running")
            .order_by(DeadlineClock.due_at, DeadlineClock.id)
        ).all()
    assert running, "level II starts the plan's clocks"
    first = running[0]
    left = minutes_left(first.due_at, clock.now())

    office, _csrf = signed_in("office")
    due = _due(office)
    # The incident's title, linking to it, the clock in words, the minutes left.
    assert f'href="/incidents/{open_case}#deadlines-heading">家长来电反映食堂问题</a>' in due
    with use_locale("zh_CN"):
        assert clock_label(first.name) in due
    assert f"剩余 {left} 分钟" in due and "report:" not in due
    assert 'class="countdown" data-due="' in due and 'data-now="' in due
    # Soonest first, the alert waiting for acknowledgement among them.
    assert due.index("某中学食堂饭菜发霉") < due.index("家长来电反映食堂问题")
    shown = [int(m) for m in re.findall(r"剩余 (\d+) 分钟", due)]
    assert shown == sorted(shown) and len(shown) == len(running), due
    # A confidential case is not shown to those it does not name (office is not named)…
    assert "保密的来电" not in due and f"/incidents/{secret}" not in due
    # … but is to the roles the plan lets see confidential cases.
    leader, _csrf = signed_in("leader")
    assert "保密的来电" in _due(leader)

    # The department leading it sees its clocks; another department does not.
    edu, _csrf = signed_in("department")
    assert "家长来电反映食堂问题" in _due(edu) and "保密的来电" not in _due(edu)
    # The incident pages name the leading department too (no name anywhere: labelled id).
    assert "<td>部门“edu”</td>" in office.get("/incidents").text
    assert '<dd class="wrap">部门“edu”</dd>' in office.get(f"/incidents/{open_case}").text
    health, _csrf = signed_in("department2")
    due = _due(health)
    assert "家长来电反映食堂问题" not in due and "/incidents/" not in due

    clock.advance(first.due_at - clock.now() + timedelta(minutes=5))
    office, _csrf = signed_in("office")  # a new session: the first one timed out meanwhile
    assert "<strong>已超时 5 分钟</strong>" in _due(office)


def test_a_clock_that_stops_leaves_the_dashboard_at_once(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    """The figures' fingerprint sees a clock stop, so neither the memo nor the stream
    keeps showing it."""
    fill(store, clock)
    number = _incident(store, clock, "家长来电反映食堂问题")
    office, _csrf = signed_in("office")
    assert "家长来电反映食堂问题" in _due(office)
    with Session(store.engine) as session:
        before = fingerprint(session=session)
        for row in session.scalars(
            select(DeadlineClock).where(DeadlineClock.incident_id == number)
        ):
            clocks.finish(row, clock.now())
        session.commit()
        assert fingerprint(session=session) != before
    assert "家长来电反映食堂问题" not in _due(office)


def test_open_dashboards_woken_together_share_one_look_at_the_figures(
    app: FastAPI, store: Store, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream's panel is read like a page: with this process's commit count read before
    its session, so the panels woken by one change compute the fingerprint once, and a
    commit of this process makes the next panel look again."""
    fill(store, clock)
    looks: list[int] = []
    real = dashboard.fingerprint

    def counted(*, session: Session) -> tuple[object, ...]:
        looks.append(1)
        return real(session=session)

    monkeypatch.setattr(dashboard, "fingerprint", counted)
    request = Request({"type": "http", "app": app, "state": {}, "path": "/dashboard/stream"})
    viewers = [Actor(name=f"office{i}", display_name="", role="office") for i in range(3)]
    panels = [dashboard.panel(request, user) for user in viewers]
    assert len(looks) == 1 and panels[0] == panels[1] == panels[2]
    assert "县论坛" not in panels[0]
    with session_scope(app.state.sessions) as session:  # a commit of this process
        session.add(Source(name="县论坛", kind="rss", url="http://127.0.0.1:1/x",
                           created_at=clock.now(), consecutive_failures=3))  # fmt: skip
    assert "县论坛" in dashboard.panel(request, viewers[0])
    assert len(looks) == 2


def test_event_pages_share_the_open_incidents_yet_see_each_change_at_once(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    # The open incidents an event page offers are read once for all viewers while no
    # incident changes (dashboard.shared_open_incidents); a change shows on the next page.
    fill(store, clock)
    case = _incident(store, clock, "家长来电反映食堂问题")
    office, _csrf = signed_in("office")

    def offered() -> str:
        page = office.get(f"/events/{EVENT}").text
        return page.split('id="join-incident"', 1)[1].split("</select>", 1)[0]

    assert f'<option value="{case}">#{case} 家长来电反映食堂问题</option>' in offered()
    with Session(store.engine) as session:
        incident = session.get(Incident, case)
        assert incident is not None
        incident.confidential = True  # office is not among those it names
        session.commit()
    assert 'id="join-incident"' not in office.get(f"/events/{EVENT}").text


def test_a_shared_panel_never_shows_one_viewer_the_clocks_of_another(
    app: FastAPI, store: Store, clock: FrozenClock, users: list[str]
) -> None:
    # Panels woken by one change are rendered once for all who see the same clocks
    # (dashboard.panel): a confidential case's clock reaches only those it names.
    fill(store, clock)
    _incident(store, clock, "保密的来电", confidential=True)
    request = Request({"type": "http", "app": app, "state": {}, "path": "/dashboard/stream"})
    with session_scope(app.state.readers) as session:
        named = auth_service.get_user(session=session, name="leader")
        assert named is not None
        leader = auth_service.actor_of(named)
    offices = [Actor(name=f"office{i}", display_name="", role="office") for i in range(2)]
    first, *others = [dashboard.panel(request, user) for user in (*offices, leader)]
    assert "保密的来电" not in first and first == others[0]
    assert "保密的来电" in others[1]
    assert "保密的来电" not in dashboard.panel(request, offices[1])


def test_the_hottest_events_stack_on_a_phone(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    """At 390 px the five columns squeezed each title to a word a line: the table is of
    class `stack`, each figure labelled, and the style sheet stacks it below 40rem."""
    fill(store, clock)
    client, _csrf = signed_in("office")
    page = client.get("/").text
    hot = page.split('id="hot-heading"', 1)[1].split("</section>", 1)[0]
    assert '<table class="stack">' in hot
    for label in ("热度", "帖文", "负面占比", "最新帖文"):
        assert f'data-label="{label}"' in hot, label
    css = client.get("/static/css/yuqing.css").text
    narrow = re.search(r"@media \(max-width: 40rem\) \{(?:[^{}]|\{[^{}]*\})*table\.stack", css)
    assert narrow, "no narrow-width rule for table.stack"
    rules = css[narrow.start() :]
    assert "table.stack thead" in rules and "content: attr(data-label)" in rules
    assert (
        "table.stack, table.stack tbody, table.stack tr, table.stack td { display: block" in rules
    )
