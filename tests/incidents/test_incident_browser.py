"""The browser journey of an incident (issue 13): Debian's Chromium through Playwright
against the seeded site of tests/web/test_browser.py (county plan, an event whose alert
proposes level II, users per role), plus the people of the plan's level II chain.

The first journey opens its incident from the alert page: the
leader confirms the level and sees the report drafts counting down, an unapproved
statement offers no control to publish it, the two approvers find it in "my work"
and the second approves from a phone. The second is a whole level I case in the browser
only, from the event page's button to the case library (test_incident_journey.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.conftest import add_user
from tests.web.pages_data import EVENT, OTHER
from tests.web.test_browser import (  # noqa: F401 - fixtures
    Page,
    browser,
    open_page,
    seeded_site,
    shoot,
    sign_in,
)
from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import FrozenClock
from yuqing.incidents import service
from yuqing.incidents.models import DeadlineClock, Incident
from yuqing.incidents.service import opening

# Level II of the county plan: 一审 by the office (unit office), 二审 by li_min.
FIRST, SECOND = "zhao_hong", "li_min"
# Level I adds 三审 by wang_jianguo, and a proofread (校) before each review by the office.
THIRD = "wang_jianguo"
STATEMENT = "关于某中学食堂饭菜发霉的情况通报：已成立工作组核查。"


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, httpx.Client, Store, FrozenClock]]:
    with seeded_site(tmp_path_factory.mktemp("incident-browser")) as seeded:
        _url, _client, store, clock = seeded
        add_user(store, clock, FIRST, "office", "office")
        add_user(store, clock, SECOND, "leader")
        add_user(store, clock, "spokes", "spokesperson")
        add_user(store, clock, THIRD, "leader")
        yield seeded


@pytest.fixture(scope="module")
def site(seeded: tuple[str, httpx.Client, Store, FrozenClock]) -> tuple[str, httpx.Client]:
    return seeded[0], seeded[1]


def _actor(session: Session, name: str) -> Actor:
    return auth_service.actor_of(auth_service.get_user_or_raise(session=session, name=name))


def _open_from_the_alert(page: Page) -> int:
    """The monitor opens the case from the event's alert (which proposes level II), with
    the alert page's button."""
    sign_in(page, "monitor")
    page.goto("/alerts")
    alert = page.locator("article.alert", has_text="某中学食堂饭菜发霉").first
    alert.get_by_role("button", name="立案处置").click()
    page.wait_for_url(re.compile(r"/incidents/\d+$"))
    assert "monitor" in page.inner_text("dl.figures")  # the first receiver
    return int(page.url.rsplit("/", 1)[1])


def _draft(store: Store, clock: FrozenClock, incident_id: int) -> None:
    with Session(store.engine) as session:
        service.draft_statement(session=session, clock=clock, actor=_actor(session, "spokes"),
                                incident_id=incident_id, text=STATEMENT)  # fmt: skip
        session.commit()


def _approve_from(page: Page, number: int) -> None:
    """From "my work", to the incident, and approve the statement waiting there."""
    page.goto("/my-work")
    waiting = page.locator("section[aria-labelledby=approvals-heading]")
    assert "某中学食堂饭菜发霉" in waiting.inner_text()  # the incident, by its title
    link = waiting.locator(f'a[href^="/incidents/{number}#statement-"]')
    assert link.inner_text() == "某中学食堂饭菜发霉"
    link.click()  # to the statement on the page
    page.wait_for_url(re.compile(rf"/incidents/{number}#statement-\d+$"))
    page.get_by_role("button", name="批准").click()
    page.wait_for_url(re.compile(rf"/incidents/{number}(#.*)?$"))


def test_an_incident_from_level_to_an_approved_statement(
    open_page: Callable[..., Page],  # noqa: F811 - the imported fixture
    seeded: tuple[str, httpx.Client, Store, FrozenClock],
) -> None:
    _url, _client, store, clock = seeded
    monitor = open_page()
    number = _open_from_the_alert(monitor)

    leader = open_page()
    sign_in(leader, "leader")
    leader.goto("/incidents")
    assert "某中学食堂饭菜发霉" in leader.inner_text("main")
    listed = leader.locator("tr", has_text="某中学食堂饭菜发霉").first.inner_text()
    assert "建议 重大" in listed and "II" not in listed, listed
    shoot(leader, "incidents")
    leader.get_by_role("link", name="某中学食堂饭菜发霉").click()
    leader.wait_for_url(re.compile(rf"/incidents/{number}$"))
    # Levels read by the plan's names (重大), never their ids (II).
    assert "建议 重大" in leader.inner_text("dl.figures")
    leader.get_by_role("button", name="确认级别 重大").click()
    leader.wait_for_url(re.compile(rf"/incidents/{number}$"))
    figures = leader.inner_text("dl.figures")
    assert "重大" in figures and "II" not in figures and "建议" not in figures
    assert leader.get_by_role("button", name="确认级别 重大").count() == 0
    # The report drafts the plan asks for at level II, with their clocks running.
    deadlines = leader.inner_text("section[aria-labelledby=deadlines-heading]")
    assert re.search(r"剩余 \d+ 分钟", deadlines), deadlines
    assert "deadlines.II." in deadlines  # each clock names its source in the plan
    assert "初次报告" in leader.inner_text("section[aria-labelledby=reports-heading]")

    _draft(store, clock, number)
    spokes = open_page()
    sign_in(spokes, "spokes")
    spokes.goto(f"/incidents/{number}")
    assert "0 / 2" in spokes.inner_text("section[aria-labelledby=statements-heading]")
    # Not approved yet: no control to publish it (the service refuses a stale form's post
    # with its reason, tests/incidents/test_pages.py).
    state = spokes.inner_text("section[aria-labelledby=statements-heading] article p >> nth=0")
    assert "审核中" in state and "已审批 0 / 2" in state and "一审" in state, state
    assert spokes.locator("summary", has_text="标记为已发布").count() == 0

    first = open_page()
    sign_in(first, FIRST)
    _approve_from(first, number)
    assert "1 / 2" in first.inner_text("section[aria-labelledby=statements-heading]")

    phone = open_page(390)
    sign_in(phone, SECOND)
    phone.goto("/my-work")
    shoot(phone, "my-work")
    _approve_from(phone, number)
    statements = phone.inner_text("section[aria-labelledby=statements-heading]")
    assert "2 / 2" in statements and "已批准" in statements, statements
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(phone, "incident")
    phone.goto("/my-work")
    assert "#" not in phone.inner_text("section[aria-labelledby=approvals-heading]")

    leader.goto(f"/incidents/{number}")
    shoot(leader, "incident")
    for page in (monitor, leader, spokes, first, phone):
        assert page.errors == []  # type: ignore[attr-defined]


def test_deadlines_count_down_without_a_reload_and_the_list_filters_fit_a_phone(
    open_page: Callable[..., Page],  # noqa: F811 - the imported fixture
    seeded: tuple[str, httpx.Client, Store, FrozenClock],
) -> None:
    """countdown.js recounts the minutes from data-due as the browser's clock moves (the
    page's clock is Playwright's; the server's stays frozen), and turns overdue; on the
    incident page and on the dashboard."""
    _url, _client, store, clock = seeded
    with Session(store.engine) as session:
        leader = _actor(session, "leader")
        incident = service.open_incident(session=session, clock=clock, actor=leader,
                                         tip_channel="phone", tip_text="家长来电反映",
                                         title="倒计时检查")  # fmt: skip
        service.confirm_level(session=session, clock=clock, actor=leader,
                              incident_id=incident.id, level="II")  # fmt: skip
        session.commit()
        number = incident.id
    phone = open_page(390)
    phone.clock.install()
    sign_in(phone, "leader")
    phone.goto(f"/incidents/{number}")
    countdown = phone.locator("span.countdown").first
    shown = re.search(r"剩余 (\d+) 分钟", countdown.inner_text())
    assert shown, countdown.inner_text()
    minutes = int(shown.group(1))
    phone.clock.run_for("05:00")
    moved = re.search(r"剩余 (\d+) 分钟", countdown.inner_text())
    assert moved and minutes - 6 <= int(moved.group(1)) <= minutes - 5, countdown.inner_text()
    phone.clock.run_for((minutes + 2) * 60_000)
    late = countdown.locator("strong").inner_text()
    assert re.fullmatch(r"已超时 \d+ 分钟", late), late

    # The dashboard lists the same clocks among its deadlines and counts them down too.
    phone.goto("/")
    due = phone.locator("#dashboard-panel ul.deadlines")
    assert "倒计时检查" in due.inner_text()
    first = due.locator("span.countdown").first
    shown = re.search(r"剩余 (\d+) 分钟", first.inner_text())
    assert shown, first.inner_text()
    phone.clock.run_for("05:00")
    moved = re.search(r"剩余 (\d+) 分钟", first.inner_text())
    assert moved and int(shown.group(1)) - 6 <= int(moved.group(1)) <= int(shown.group(1)) - 5

    phone.goto("/incidents")
    stages = phone.locator("select[name=stage] option").all_inner_texts()
    assert len(stages) > 2 and all(not re.fullmatch(r"[a-z_]+", s) for s in stages), stages
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    assert phone.errors == []  # type: ignore[attr-defined]


def _ended_at_the_least_severe_level(store: Store, clock: FrozenClock) -> int:
    """A tip confirmed at level IV (一般), both lines of double handling done, ended."""
    with Session(store.engine) as session:
        leader = _actor(session, "leader")
        incident = service.open_incident(session=session, clock=clock, actor=leader,
                                         tip_channel="letter", tip_text="来信反映食堂问题",
                                         title="来信反映食堂问题")  # fmt: skip
        number = incident.id
        service.confirm_level(session=session, clock=clock, actor=leader,
                              incident_id=number, level="IV")  # fmt: skip
        for track in ("offline", "online"):
            task = service.add_task(session=session, clock=clock, actor=leader,
                                    incident_id=number, title=f"{track} 处置", owner="leader",
                                    track=track)  # fmt: skip
            service.complete_task(session=session, clock=clock, actor=leader, task_id=task.id)
        service.end_response(session=session, clock=clock, actor=leader, incident_id=number,
                             reason="舆情平息")  # fmt: skip
        session.commit()
    return number


def test_an_event_is_split_out_and_an_ended_case_reopens_at_a_higher_level_on_a_phone(
    open_page: Callable[..., Page],  # noqa: F811 - the imported fixture
    seeded: tuple[str, httpx.Client, Store, FrozenClock],
) -> None:
    _url, _client, store, clock = seeded
    with Session(store.engine) as session:
        both = service.open_incident(session=session, clock=clock,
                                     actor=_actor(session, "leader"), event_ids=[EVENT, OTHER],
                                     title="食堂与道路两件事")  # fmt: skip
        session.commit()
        number = both.id
    phone = open_page(390)
    sign_in(phone, "leader")

    # Split: the road event is another case; it moves into a new incident of its own.
    phone.goto(f"/incidents/{number}")
    phone.locator("summary", has_text="拆出事件").click()
    phone.check(f"input[name=event_ids][value={OTHER}]")
    phone.fill("#split-title", "道路施工投诉")
    phone.fill("#split-reason", "与食堂无关，另案处置")
    shoot(phone, "incident-split-form")
    phone.get_by_role("button", name="拆分为新的处置事项").click()
    phone.wait_for_url(lambda url: re.search(r"/incidents/\d+$", url) is not None
                       and not url.endswith(f"/incidents/{number}"))  # fmt: skip
    new = int(phone.url.rsplit("/", 1)[1])
    assert "道路施工投诉" in phone.inner_text("main")
    assert phone.locator(f'a[href="/events/{OTHER}"]').count() == 1
    assert phone.locator(f'a[href="/events/{EVENT}"]').count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(phone, "incident-split")
    with Session(store.engine) as session:
        assert opening.get_event_ids(session=session, incident_id=new) == [OTHER]
        assert opening.get_event_ids(session=session, incident_id=number) == [EVENT]
    phone.goto(f"/incidents/{number}")
    assert phone.locator(f'a[href="/events/{OTHER}"]').count() == 0
    assert "另案处置" in phone.inner_text("section[aria-labelledby=log-heading]")

    # Re-open: the ended case re-ignited 10 min later (within the sign-in's idle limit);
    # the leader raises it to 重大 (II).
    ended = _ended_at_the_least_severe_level(store, clock)
    clock.advance(timedelta(minutes=10))
    reopened_at = clock.now()
    phone.goto(f"/incidents/{ended}")
    assert "一般" in phone.inner_text("dl.figures") and "已终止响应" in phone.inner_text(
        "dl.figures"
    )
    phone.locator("summary", has_text="以更高级别重新启动处置").click()
    offered = phone.locator("#reopen-level option").all_inner_texts()
    assert "重大" in offered and "一般" not in offered, offered  # only more severe levels
    phone.select_option("#reopen-level", label="重大")
    phone.fill("#reopen-reason", "声明发布后再次升温")
    phone.get_by_role("button", name="重新启动处置").click()
    phone.wait_for_url(re.compile(rf"/incidents/{ended}$"))
    figures = phone.inner_text("dl.figures")
    assert "重大" in figures and "进行中" in figures and "一般" not in figures, figures
    deadlines = phone.inner_text("section[aria-labelledby=deadlines-heading]")
    assert "deadlines.II." in deadlines and re.search(r"剩余 \d+ 分钟", deadlines), deadlines
    assert phone.get_by_role("button", name="终止响应").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(phone, "incident-reopened")
    with Session(store.engine) as session:
        incident = session.get(Incident, ended)
        assert incident is not None and (incident.status, incident.level) == ("open", "II")
        running = session.scalars(
            select(DeadlineClock).where(
                DeadlineClock.incident_id == ended, DeadlineClock.state == "running",
                DeadlineClock.name.like("report:%"),
            )
        ).all()  # fmt: skip
        # The level II report clocks run again, started at the re-opening.
        assert running and all(c.source.startswith("deadlines.II.") for c in running)
        assert all(c.started_at == reopened_at and c.due_at > reopened_at for c in running)
    assert phone.errors == []  # type: ignore[attr-defined]
