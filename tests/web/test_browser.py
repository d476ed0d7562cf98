"""Browser journeys: Debian's Chromium (headless) through Playwright against a real
uvicorn server on 127.0.0.1 (issue 12). One browser and one server for the module, so
the journeys stay fast; each journey opens its own browser context (its own cookies).

Screenshots of the main pages, desktop (1280 wide) and phone (390 wide), go to
`test-output/screenshots/` for review (docs/web.md shows a few of them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Store
from tests.web.conftest import PASSWORD, SERVICE_TOKEN, add_user
from tests.web.pages_data import EVENT, OTHER, fill
from tests.web.test_api_posts import serving
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

Page = Any  # playwright's Page (imported lazily above)
# Waits end as soon as their condition holds; the bound only matters on a loaded machine,
# where a sign-in's navigation alone took over 5 s (load 16 on 2 cores).
WAIT_MS = 20_000


@contextmanager
def seeded_site(home: Path) -> Iterator[tuple[str, httpx.Client, Store, FrozenClock]]:
    """The app over a filled SQLite store under uvicorn: its URL, an API client, and the
    store and clock (for journeys that set more up through the services)."""
    from datetime import UTC, datetime

    url = f"sqlite:///{home / 'yuqing.db'}"
    engine = make_engine(url)
    upgrade(engine)
    store = Store("sqlite", url, engine)
    clock = FrozenClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    for name, role, department in (
        ("monitor", "monitor", None), ("leader", "leader", None), ("admin", "admin", None),
        ("office", "office", None), ("department2", "department", "health"),
        ("locked", "monitor", None),
    ):  # fmt: skip
        add_user(store, clock, name, role, department)
    fill(store, clock)
    web = create_app(engine=engine, clock=clock, settings=Settings(home=home, db_url=url),
                     api_tokens=[SERVICE_TOKEN])  # fmt: skip
    with serving(web) as client:
        yield str(client.base_url), client, store, clock
    engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, httpx.Client]]:
    """The seeded site's URL and API client."""
    with seeded_site(tmp_path_factory.mktemp("browser")) as (url, client, _store, _clock):
        yield url, client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Any, site: tuple[str, httpx.Client]) -> Iterator[Callable[..., Page]]:
    """A new page (own cookies) at the site, 1280 wide unless told; console errors kept."""
    contexts: list[Any] = []

    def make(width: int = 1280) -> Page:
        context = browser.new_context(base_url=site[0], viewport={"width": width, "height": 900},
                                      locale="zh-CN")  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        # Scripts that fail, and assets that do not load (a 403 page is a page, not an error).
        page.on(
            "console",
            lambda m: (
                m.type == "error" and "Failed to load" not in m.text and page.errors.append(m.text)
            ),
        )
        page.on(
            "response",
            lambda r: (
                r.status == 404 and "/static/" in r.url and page.errors.append(f"404 {r.url}")
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("button[type=submit]")


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def push(client: httpx.Client, post_id: str, text: str) -> None:
    body = {"id": post_id, "source": "县论坛", "title": text[:30], "text": text,
            "published_at": "2026-03-02T08:30:00+08:00"}  # fmt: skip
    answer = client.post("/api/v1/posts", json=[body],
                         headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["stored"] == 1, answer.text


def test_a_monitor_sees_a_post_arrive_live_and_confirms_it(
    open_page: Callable[..., Page], site: tuple[str, httpx.Client]
) -> None:
    page = open_page()
    sign_in(page, "monitor")
    page.goto("/feed")
    page.wait_for_selector("#feed li.post")
    push(site[1], "live-1", "明德县第一中学门口施工，家长接送不便")
    item = page.locator("#feed li.new", has_text="明德县第一中学门口施工")
    item.wait_for()  # arrived over the stream, no reload
    shoot(page, "feed")
    item.get_by_role("button", name="确认").click()
    page.wait_for_url(re.compile(r"/feed"))
    assert "已确认" in page.locator("#feed li.post", has_text="明德县第一中学门口施工").inner_text()
    # Seen again, edited and with more likes: the row changes in place, no reload.
    body = {"id": "live-1", "source": "县论坛", "title": "明德县第一中学门口施工",
            "text": "明德县第一中学门口施工，交警已到场疏导", "engagement": {"likes": 7},
            "published_at": "2026-03-02T08:30:00+08:00"}  # fmt: skip
    answer = site[1].post("/api/v1/posts", json=[body],
                          headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})  # fmt: skip
    assert answer.status_code == 200 and answer.json()["updated"] == 1, answer.text
    updated = page.locator("#feed li.updated", has_text="已编辑 1 次")
    updated.wait_for()
    assert "点赞 7" in updated.inner_text() and "已确认" in updated.inner_text()
    assert page.locator("#feed li.post", has_text="明德县第一中学门口施工").count() == 1
    assert page.errors == []  # type: ignore[attr-defined]


def test_hostile_post_text_shows_as_text_and_runs_nothing(open_page: Callable[..., Page]) -> None:
    page = open_page()
    sign_in(page, "monitor")
    page.goto("/feed")
    assert "<script>window.pwned=1</script>" in page.locator("#feed").inner_text()
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("#feed img").count() == 0


def test_a_leader_confirms_a_proposed_level(open_page: Callable[..., Page]) -> None:
    page = open_page()
    sign_in(page, "leader")
    page.goto(f"/events/{EVENT}")
    assert "负面占比 100%，超过预案规定的 50%" in page.inner_text("main")
    page.wait_for_selector("#event-chart canvas")  # ECharts drew the series
    shoot(page, "event")
    page.get_by_role("button", name="确认重大").click()
    page.wait_for_selector("text=级别：重大，由 leader 决定")
    assert page.errors == []  # type: ignore[attr-defined]


def test_an_admin_routes_an_event_to_a_department_from_the_keyboard(
    open_page: Callable[..., Page],
) -> None:
    health = open_page()
    sign_in(health, "department2")  # department "health"
    assert health.goto(f"/events/{OTHER}").status == 403  # routed to nobody
    admin = open_page()
    sign_in(admin, "admin")
    admin.goto(f"/events/{OTHER}")
    admin.get_by_label("分派给部门").select_option("health")
    reason = admin.get_by_label("理由")
    reason.fill("施工扰民涉及卫生院")
    reason.press("Enter")  # submits the labelled form
    admin.wait_for_selector("#route-remove")  # now routed: the control to take it off
    assert (
        "health" in admin.locator("section", has=admin.locator("#departments-heading")).inner_text()
    )
    assert health.goto(f"/events/{OTHER}").status == 200
    assert admin.errors == []  # type: ignore[attr-defined]


def test_an_admin_edits_a_watch_and_sees_the_column_of_a_syntax_error(
    open_page: Callable[..., Page],
) -> None:
    page = open_page()
    sign_in(page, "admin")
    page.goto("/admin/watches")
    page.fill("#watch-name", "食堂")
    page.fill("#watch-rule", "食堂 AND (发霉 OR")
    error = page.locator("#rule-check [role=alert]")
    error.wait_for()  # checked as typed (htmx), no submit
    assert "第 14 列" in error.inner_text()
    shoot(page, "watches")
    page.fill("#watch-rule", "食堂 AND (发霉 OR 变质)")
    page.locator("#rule-check .ok").wait_for()
    assert "食堂饭菜发霉" in page.inner_text("#rule-check")
    page.get_by_role("button", name="保存监测方案").click()
    page.wait_for_selector("td >> text=食堂 AND (发霉 OR 变质)")
    assert page.errors == []  # type: ignore[attr-defined]


ROUTING_WATCHES = """
watches:
  - {name: 食堂, rule: 食堂, department: edu}
  - {name: 医院, rule: 县医院, department: health}
"""


def test_a_department_user_is_refused_another_departments_event(
    browser: Any, tmp_path: Path
) -> None:
    """Events routed by the live pipeline (the watches their posts matched name the
    departments): the health department sees its event and is refused edu's."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from yuqing.analysis.models import Event
    from yuqing.monitor import service as monitor_service
    from yuqing.monitor.watches import load_watch_text

    with seeded_site(tmp_path) as (url, client, store, clock):
        with Session(store.engine) as session:
            monitor_service.upsert_watches(session=session, clock=clock,
                                           watches=load_watch_text(ROUTING_WATCHES, filename="w"))  # fmt: skip
            session.commit()
        posts = [
            {"id": "c1", "source": "bbs.example.cn", "published_at": "2026-03-02T08:30:00+08:00",
             "text": "明德一中食堂饭菜里吃出虫子，家长要求学校说明"},
            {"id": "h1", "source": "weibo.example.cn", "published_at": "2026-03-02T08:40:00+08:00",
             "text": "县医院急诊科深夜排队三小时无人接诊，患者家属不满"},
        ]  # fmt: skip
        pushed = client.post("/api/v1/posts", json=posts,
                             headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})  # fmt: skip
        assert pushed.status_code == 200 and pushed.json()["stored"] == 2, pushed.text
        with Session(store.engine) as session:
            routed = {
                tuple(e.extra.get("departments") or ()): e
                for e in session.scalars(select(Event)).all()
                if e.extra.get("departments")
            }
        school, hospital = routed[("edu",)], routed[("health",)]
        context = browser.new_context(base_url=url, locale="zh-CN")
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            sign_in(page, "department2")  # department "health"
            page.goto("/events")
            listed = page.inner_text("main")
            assert hospital.title in listed and school.title not in listed
            page.get_by_role("link", name=hospital.title).first.click()
            page.wait_for_url(f"**/events/{hospital.id}")
            assert hospital.title in page.inner_text("main")
            refused = page.goto(f"/events/{school.id}")
            assert refused is not None and refused.status == 403
            assert "这属于其他部门" in page.inner_text("main")
            assert page.goto(f"/events/{EVENT}").status == 403  # routed to edu by hand
            assert page.goto(f"/events/{OTHER}").status == 403  # routed to nobody: not theirs
            assert page.goto("/feed").status == 403
            assert page.goto("/admin/watches").status == 403
        finally:
            context.close()


def test_a_post_without_its_csrf_token_is_refused(open_page: Callable[..., Page]) -> None:
    page = open_page()
    sign_in(page, "monitor")
    page.goto("/feed")
    refused = page.request.post("/feed/1/review", form={"verdict": "dismissed"})
    assert refused.status == 403
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    accepted = page.request.post("/feed/1/review", form={"verdict": "dismissed", "csrf_token": token},
                                 max_redirects=0)  # fmt: skip
    assert accepted.status == 303


def test_a_locked_out_user_cannot_sign_in(open_page: Callable[..., Page]) -> None:
    page = open_page()
    for _ in range(5):
        sign_in(page, "locked", "wrong password")
    sign_in(page, "locked")  # the right password, during the lock
    assert "登录失败次数过多" in page.inner_text("main")
    assert page.url.endswith("/login")


def test_the_dashboard_updates_live_and_the_main_pages_fit_a_phone(
    open_page: Callable[..., Page], site: tuple[str, httpx.Client]
) -> None:
    page = open_page()
    sign_in(page, "office")
    page.goto("/")
    page.wait_for_selector("[data-part=hours] canvas")
    before = page.inner_text("#dashboard-panel")
    push(site[1], "live-2", "明德县第二中学食堂饭菜发霉，家长质疑")
    page.wait_for_selector("#dashboard-panel[data-updated]", timeout=10_000)
    assert page.inner_text("#dashboard-panel") != before
    shoot(page, "dashboard")
    for width in (1280, 390):
        phone = open_page(width)
        sign_in(phone, "office")
        for path, name in (("/", "dashboard"), ("/feed", "feed"), ("/events", "events"),
                           (f"/events/{EVENT}", "event"), ("/alerts", "alerts"),
                           ("/search?q=食堂", "search"), ("/plan", "plan"),
                           ("/admin/watches", "watches")):  # fmt: skip
            phone.goto(path)
            if phone.locator("[data-series]").count():
                phone.wait_for_selector("[data-series] canvas")  # charts drawn before the shot
            # Nothing wider than the screen: long strings wrap, tables scroll in their box.
            assert phone.evaluate("document.documentElement.scrollWidth") <= width + 1, path
            shoot(phone, name)
        assert phone.errors == []  # type: ignore[attr-defined]


def test_the_merge_button_keeps_its_word_on_a_phone(open_page: Callable[..., Page]) -> None:
    """At 390 px the merge form's label, field and button shared one squeezed line, and
    合并 broke into two lines of one character."""
    page = open_page(390)
    sign_in(page, "office")
    page.goto(f"/events/{EVENT}")
    button = page.locator("form[action$='/merge'] button")
    box, field = button.bounding_box(), page.locator("#merge-other").bounding_box()
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 24")
    assert box is not None and field is not None
    assert box["height"] < 1.5 * line + 16, box  # one line of text and its padding
    assert field["width"] >= 120, field  # room to type or pick an event
    assert page.errors == []  # type: ignore[attr-defined]


def fits(page: Page) -> bool:
    """No sideways page scroll: long words wrap and wide tables scroll inside their box."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_an_office_user_keeps_the_risk_register_at_month_end(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    """Adds a risk point, records this month's status, downloads the month's XLSX."""
    from io import BytesIO

    from openpyxl import load_workbook

    page = open_page()
    sign_in(page, "office")
    page.goto("/risks")
    assert "暂无风险点" in page.inner_text("main")  # an empty register says so
    page.fill("#title-new", "食堂食材进货查验不严")
    page.locator("#lead-new").select_option("basic_edu")
    page.fill("#measures-plan-new", "每周抽查进货台账")
    page.fill("#deadline-new", "2026-06-30")
    page.get_by_role("button", name="新增风险点").click()
    row = page.locator("table.risks tbody tr", has_text="食堂食材进货查验不严")
    row.wait_for()
    assert "本月未报" in row.inner_text()
    page.locator("details summary", has_text="食堂食材进货查验不严").click()
    page.get_by_label("风险情况").fill("3 月抽查 2 次，未见问题")
    page.get_by_label("成效", exact=True).fill("供货商已整改")
    page.get_by_role("button", name="保存本月情况").click()
    row.filter(has_text="供货商已整改").wait_for()
    assert "本月未报" not in row.inner_text()
    # The point itself changes too: another department shares it, the deadline moves.
    page.locator("details summary", has_text="食堂食材进货查验不严").click()
    edit = page.locator("form[action$='/edit']")
    edit.get_by_label("安全稳定股").check()
    edit.get_by_label("完成时限").fill("2026-07-31")
    edit.get_by_role("button", name="保存修改").click()
    row.filter(has_text="2026-07-31").wait_for()
    assert "安全稳定股" in row.inner_text()
    shoot(page, "risks")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 XLSX").click()
    path = tmp_path / download.value.suggested_filename
    assert download.value.failure() is None, download.value.failure()
    download.value.save_as(path)
    sheet = load_workbook(BytesIO(path.read_bytes())).active
    assert sheet is not None and sheet["A1"].value == "序号"
    assert "食堂食材进货查验不严" in str(sheet["B2"].value)
    phone = open_page(390)
    sign_in(phone, "office")
    phone.goto("/risks")
    assert fits(phone)
    shoot(phone, "risks")
    assert page.errors == [] and phone.errors == []  # type: ignore[attr-defined]


def test_an_auditor_reads_the_assessment_and_follows_an_item(browser: Any, tmp_path: Path) -> None:
    """A morning of duties (one late report, missed ones, a contradicted one) on the
    journey's data: the tables, and the items link to their incidents."""
    from sqlalchemy.orm import Session

    from tests.assessment.conftest import build
    from tests.incidents.conftest import World
    from yuqing.plan import service as plan_service

    with seeded_site(tmp_path) as (url, _client, store, clock):
        add_user(store, clock, "auditor", "auditor")
        with Session(store.engine) as session:
            plan = plan_service.get_active_plan(session=session)
            assert plan is not None
            world = World(session, clock, plan)
            for name, role, department in (("monitor1", "monitor", None),
                                           ("duty_office", "office", "office"),
                                           ("boss", "leader", None),
                                           ("spokes", "spokesperson", None)):  # fmt: skip
                world.add(name, role, department)
            session.commit()
            scenario = build(world)
        for width in (1280, 390):
            context = browser.new_context(base_url=url, locale="zh-CN",
                                          viewport={"width": width, "height": 900})  # fmt: skip
            try:
                page = context.new_page()
                page.set_default_timeout(WAIT_MS)
                sign_in(page, "auditor")
                page.goto("/assessment?year=2026")
                main = page.inner_text("main")
                assert "部门" in main and "人员" in main
                assert page.locator("table").count() == 2
                assert fits(page), width
                shoot(page, "assessment")
                if width == 1280:
                    link = page.locator(f"ul.assessment-items a[href='/incidents/{scenario.a}']")
                    link.first.click()
                    page.wait_for_url(f"**/incidents/{scenario.a}")
                    assert page.locator("h1").count() == 1
            finally:
                context.close()


def test_a_drill_sandbox_says_so_on_every_page_and_shows_its_score(
    browser: Any, tmp_path: Path
) -> None:
    """A sandbox made from the journey's office (setup only, as `yuqing drill start`
    does), served: the 演练 banner before and after signing in, and /drill's score."""
    from yuqing.drills.sandbox import create_sandbox
    from yuqing.drills.scenario import read_scenario

    live = tmp_path / "live"
    live.mkdir()
    with seeded_site(live) as (_url, _client, _store, clock):
        pass  # the live office: its plan, users and departments
    settings, engine = create_sandbox(
        live=Settings(home=live, db_url=f"sqlite:///{live / 'yuqing.db'}"),
        name="spring",
        scenario=read_scenario(None),
        clock=clock,
    )
    web = create_app(engine=engine, clock=clock, settings=settings, api_tokens=[SERVICE_TOKEN])
    try:
        with serving(web) as client:
            for width in (1280, 390):
                context = browser.new_context(base_url=str(client.base_url), locale="zh-CN",
                                              viewport={"width": width, "height": 900})  # fmt: skip
                try:
                    page = context.new_page()
                    page.set_default_timeout(WAIT_MS)
                    page.goto("/login")
                    assert "演练" in page.inner_text(".drill-banner")
                    sign_in(page, "office")
                    for path in ("/", "/feed", "/risks", "/drill"):
                        page.goto(path)
                        assert page.locator(".drill-banner").count() == 1, path
                    assert "演练评分" in page.inner_text("main")
                    assert "已到期的时限" in page.inner_text("main")
                    assert fits(page), width
                    shoot(page, "drill")
                finally:
                    context.close()
    finally:
        engine.dispose()
