"""A whole level I case in the browser (issue 13), against the county plan of the seeded
site, with the site's frozen clock: opened from the event page's button; the level
decided; a stage skip refused on the page; handed over and accepted; both lines of
double handling; every report the level asks for edited and submitted in time; a fact
sheet and a statement through the six steps of 三审三校, the last approved by a leader
on a phone; published; an action with evidence; ending refused while a task is open;
then ended, reviewed, a corrective action done, and closed into the case library.

Screenshots go to test-output/screenshots/ (docs/incidents.md shows some of them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.incidents.test_incident_browser import FIRST, SECOND, THIRD, seeded, site  # noqa: F401
from tests.web.pages_data import OTHER
from tests.web.test_browser import (  # noqa: F401 - fixtures
    SCREENSHOTS,
    Page,
    browser,
    open_page,
    shoot,
    sign_in,
)
from yuqing.core.clock import FrozenClock
from yuqing.incidents.models import Case, DeadlineClock, Incident

Seeded = tuple[str, httpx.Client, Store, FrozenClock]


def _at_incident(page: Page, number: int) -> None:
    page.wait_for_url(re.compile(rf"/incidents/{number}(#.*)?$"))


def _refusal(page: Page) -> str:
    return page.inner_text("p[role=alert]")


def _submit_every_draft(page: Page, number: int) -> int:
    """Open each report draft from the incident page, keep its prefilled fields, add the
    cause, and submit it. Returns how many."""
    page.goto(f"/incidents/{number}")
    reports = page.locator("section[aria-labelledby=reports-heading] li", has_text="草稿")
    links = [reports.nth(n).locator("a").get_attribute("href") for n in range(reports.count())]
    for href in links:
        assert href is not None
        page.goto(href)
        assert page.input_value("#field-event_name") == "道路施工扰民"  # prefilled
        page.fill("#field-cause", "夜间施工未公示")
        page.get_by_role("button", name="保存并报送").click()
        _at_incident(page, number)
    return len(links)


def _approve(page: Page, number: int, times: int = 1) -> None:
    page.goto("/my-work")
    page.locator(
        f'section[aria-labelledby=approvals-heading] a[href^="/incidents/{number}#"]'
    ).click()
    _at_incident(page, number)
    for _ in range(times):
        page.get_by_role("button", name="批准", exact=True).click()
        _at_incident(page, number)


def test_a_level_i_case_from_the_event_page_to_the_case_library(
    open_page: Callable[..., Page],  # noqa: F811 - the imported fixture
    seeded: Seeded,  # noqa: F811 - the imported fixture
) -> None:
    _url, _client, store, clock = seeded
    leader = open_page()
    sign_in(leader, "leader")

    # The event page's button opens the case; the leader is its first receiver.
    leader.goto(f"/events/{OTHER}")
    leader.get_by_role("button", name="立案处置").click()
    leader.wait_for_url(re.compile(r"/incidents/\d+$"))
    number = int(leader.url.rsplit("/", 1)[1])
    assert "leader" in leader.inner_text("dl.figures")
    leader.select_option("#level", "I")
    leader.fill("#level-reason", "涉及学生安全，多家媒体转载")
    leader.get_by_role("button", name="确定为此级别").click()
    _at_incident(leader, number)
    deadlines = leader.inner_text("section[aria-labelledby=deadlines-heading]")
    assert "剩余 60 分钟" in deadlines and "deadlines.I.report_within" in deadlines, deadlines
    shoot(leader, "incident-level-i")

    # Skipping the required verification stage is refused on the page; then in order.
    leader.locator("summary", has_text="变更阶段").click()
    leader.select_option("#stage", "handling")
    leader.get_by_role("button", name="进入此阶段").click()
    assert "不能跳过必经阶段 调查核实" in _refusal(leader)
    leader.screenshot(path=str(SCREENSHOTS / "incident-refused-1280.png"))  # the top: why
    leader.goto(f"/incidents/{number}")
    assert "监测" in leader.inner_text("dl.figures")  # nothing changed
    leader.locator("summary", has_text="变更阶段").click()
    leader.select_option("#stage", "verification")
    leader.fill("#stage-reason", "核实施工许可")
    leader.get_by_role("button", name="进入此阶段").click()
    _at_incident(leader, number)
    assert "调查核实" in leader.inner_text("dl.figures")

    # 首问负责制: the leader hands over to the office, which accepts from "my work".
    leader.locator("summary", has_text="移交").click()
    leader.fill("#handover-to", "office")
    leader.fill("#handover-reason", "由办公室牵头")
    leader.get_by_role("button", name="提出移交").click()
    _at_incident(leader, number)
    office = open_page()
    sign_in(office, "office")
    office.goto("/my-work")
    office.locator("section[aria-labelledby=handovers-heading] a").first.click()
    office.get_by_role("button", name="接收移交").click()
    _at_incident(office, number)
    assert "office" in office.inner_text("dl.figures") and "?" not in office.inner_text(
        "dl.figures"
    )

    # 双处置: one task on each line.
    for title, owner, track in (("核查施工许可并叫停夜间施工", "office", "offline"),
                                ("答复网民关切", "spokes", "online")):  # fmt: skip
        office.locator("summary", has_text="添加任务").click()
        office.fill("#task-title", title)
        office.fill("#task-owner", owner)
        office.select_option("#task-track", track)
        office.fill("#task-due", "2026-03-02T18:00")
        office.get_by_role("button", name="添加该任务").click()
        _at_incident(office, number)
    assert "[线上]" in office.inner_text("section[aria-labelledby=tasks-heading]")

    # Every report level I asks for, prefilled, edited and submitted within its clock.
    clock.advance(timedelta(minutes=20))
    assert _submit_every_draft(office, number) >= 3

    # The fact sheet, and a statement that cannot be published before its approvals.
    office.locator("summary", has_text="编辑统一口径").click()
    office.fill("#facts", "某路段夜间施工未公示，已责令停工")
    office.fill("#figures", "投诉: 12\n停工: 1")
    office.fill("#wording", "关于某路段夜间施工的情况通报：已责令停工整改。")
    office.get_by_role("button", name="保存统一口径").click()
    _at_incident(office, number)
    spokes = open_page()
    sign_in(spokes, "spokes")
    spokes.goto(f"/incidents/{number}")
    spokes.locator("summary", has_text="起草通稿").click()
    assert "已责令停工整改" in spokes.input_value("#statement-text")  # from the fact sheet
    spokes.get_by_role("button", name="提交审核").click()
    _at_incident(spokes, number)
    statements = spokes.inner_text("section[aria-labelledby=statements-heading]")
    assert "0 / 6" in statements  # and no control to publish it before its approvals
    assert spokes.locator("summary", has_text="标记为已发布").count() == 0

    # 三审三校: the office proofreads and reviews, two leaders review, the last by phone.
    first = open_page()
    sign_in(first, FIRST)
    _approve(first, number, times=3)  # 一校, 一审, 二校
    second = open_page()
    sign_in(second, SECOND)
    _approve(second, number)  # 二审
    _approve(first, number)  # 三校
    phone = open_page(390)
    sign_in(phone, THIRD)
    phone.goto("/my-work")
    shoot(phone, "incident-my-work")
    phone.locator(
        f'section[aria-labelledby=approvals-heading] a[href^="/incidents/{number}#"]'
    ).click()
    _at_incident(phone, number)
    waiting = phone.locator("section[aria-labelledby=statements-heading] article").first
    waiting.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    waiting.screenshot(path=str(SCREENSHOTS / "incident-approve-390.png"))
    phone.fill("article input[name=comment]", "同意发布")
    phone.get_by_role("button", name="批准", exact=True).click()  # 三审, from the phone
    _at_incident(phone, number)
    statements = phone.inner_text("section[aria-labelledby=statements-heading]")
    assert "已批准" in statements and "6 / 6" in statements, statements
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(phone, "incident-approved")

    # Published, with channel, time and link; an action with its evidence.
    spokes.goto(f"/incidents/{number}")
    spokes.locator("summary", has_text="标记为已发布").click()
    spokes.fill("input[name=channel]", "官方微博")
    spokes.fill("input[name=link]", "https://weibo.example/s/1")
    spokes.get_by_role("button", name="标记为已发布", exact=True).click()
    _at_incident(spokes, number)
    assert "weibo.example/s/1" in spokes.inner_text("section[aria-labelledby=statements-heading]")
    spokes.locator("summary", has_text="记录处置行动").click()
    spokes.select_option("#action-kind", "official_reply")
    spokes.fill("#action-description", "官方账号回复网民")
    spokes.fill("#action-evidence", "https://weibo.example/r/2")
    spokes.get_by_role("button", name="记录该行动").click()
    _at_incident(spokes, number)

    # Ending is refused while a task is open; both lines done, the leader ends it.
    leader.goto(f"/incidents/{number}")
    leader.fill("#end-reason", "施工已停，舆情平息")
    leader.get_by_role("button", name="终止响应").click()
    assert "还有 2 项任务未完成" in _refusal(leader)
    for title in ("核查施工许可并叫停夜间施工", "答复网民关切"):
        office.goto(f"/incidents/{number}")
        office.get_by_role("button", name=f"完成：{title}").click()
        _at_incident(office, number)
    leader.goto(f"/incidents/{number}")
    leader.fill("#end-reason", "施工已停，舆情平息")
    leader.get_by_role("button", name="终止响应").click()
    _at_incident(leader, number)

    # Review, a corrective action to done, the closing report, then the case library.
    leader.fill("#review-summary", "接报后一小时内核实并回应")
    leader.fill("#review-worked", "统一口径，三审三校")
    leader.fill("#review-failed", "施工公示缺位")
    leader.fill("#review-evaluation", "处置及时，达到预案要求")
    leader.get_by_role("button", name="保存总结").click()
    _at_incident(leader, number)
    leader.locator("summary", has_text="添加整改措施").click()
    leader.fill("#corrective-title", "夜间施工一律提前公示")
    leader.fill("#corrective-owner", "office")
    leader.fill("#corrective-due", "2026-03-09T17:00")
    leader.get_by_role("button", name="添加该整改措施").click()
    _at_incident(leader, number)
    leader.get_by_role("button", name="完成：夜间施工一律提前公示").click()
    _at_incident(leader, number)
    _submit_every_draft(leader, number)  # the closing report
    leader.get_by_role("button", name="结案并归入案例库").click()
    _at_incident(leader, number)
    assert "已归入案例库" in leader.inner_text("section[aria-labelledby=review-heading]")
    shoot(leader, "incident-closed")

    with Session(store.engine) as session:
        incident = session.get(Incident, number)
        assert incident is not None and incident.status == "closed" and incident.level == "I"
        assert session.get(Case, number) is not None
        missed = session.query(DeadlineClock).filter_by(incident_id=number, state="missed")
        assert missed.count() == 0  # a level I case that met all its deadlines
    for page in (leader, office, spokes, first, second, phone):
        assert page.errors == []  # type: ignore[attr-defined]
