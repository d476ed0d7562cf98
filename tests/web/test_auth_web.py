"""Signing in and out, lockout, CSRF, security headers, API tokens and their rate limit,
the user's language, and the dashboard's figures (both stores, FastAPI's TestClient)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.conftest import PASSWORD, SERVICE_TOKEN, add_user, csrf_of, make_app, sign_in
from yuqing.alerts import service as alerts_service
from yuqing.alerts.routing import Recipient, RoutePlan
from yuqing.analysis.models import Event
from yuqing.auth import service, sessions
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import AuthSettings, Settings
from yuqing.web.security import CSP

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>学校食堂"


class Form(HTMLParser):
    """The inputs, buttons, inline scripts and style attributes of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inputs: list[str] = []
        self.buttons = 0
        self.inline_scripts = 0
        self.style_attributes = 0
        self.h1 = 0
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.style_attributes += "style" in named or any(k.startswith("on") for k in named)
        if tag == "input" and named.get("type") != "hidden":
            self.inputs.append(named.get("name") or "")
        self.buttons += tag == "button"
        self.h1 += tag == "h1"
        self._in_script = tag == "script" and "src" not in named
        self.inline_scripts += tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def _login(client: TestClient, name: str, password: str) -> object:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


def _secure(answer: object) -> None:
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == CSP and "unsafe-inline" not in CSP
    assert "frame-ancestors 'none'" in CSP and headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_the_login_form_is_the_contract(client: TestClient) -> None:
    page = client.get("/login")
    form = Form(page.text)
    assert page.status_code == 200 and form.inputs == ["username", "password"] and form.buttons == 1
    assert "<title>登录 · YuQing</title>" in page.text and form.h1 == 1
    _secure(page)


def test_a_good_login_goes_to_the_dashboard_and_logout_ends_it(
    client: TestClient, users: list[str], store: Store
) -> None:
    answer = _login(client, "monitor", PASSWORD)
    assert (answer.status_code, answer.headers["location"]) == (303, "/")
    cookie = answer.headers["set-cookie"]
    assert "yuqing_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200 and "舆情总览" in home.text and "舆情信息员" in home.text
    assert client.get("/login").headers["location"] == "/"  # signed in already
    again = client.post(
        "/login",
        data={"username": "monitor", "password": PASSWORD, "csrf_token": csrf_of(home.text)},
    )
    assert again.status_code == 303  # a new session replaces the browser's old one
    with Session(store.engine) as session:
        user = service.get_user_or_raise(session=session, name="monitor")
        assert sessions.count_for(session=session, user_id=user.id) == 1
    home = client.get("/")
    csrf = csrf_of(home.text)
    assert client.post("/logout", data={"csrf_token": csrf}).headers["location"] == "/login"
    assert client.get("/").headers["location"] == "/login"
    with Session(store.engine) as session:
        actions = [e.action for e in service.get_audit_entries(session=session)]
    assert actions[:4] == [
        "logout",
        "logout",
        "login",
        "login",
    ]  # the old session ends after the new one starts


def test_a_bad_login_does_not_say_which_field(client: TestClient, users: list[str]) -> None:
    wrong_password = _login(client, "monitor", "not the password")
    unknown_user = _login(client, "nobody", PASSWORD)
    for answer in (wrong_password, unknown_user):
        assert answer.status_code == 401
        assert "用户名或密码错误" in answer.text and Form(answer.text).inputs == [
            "username",
            "password",
        ]
    assert wrong_password.text.replace(
        'value="monitor"', 'value="nobody"'
    ) == unknown_user.text.replace(csrf_of(unknown_user.text), csrf_of(wrong_password.text))


def test_a_locked_out_user_cannot_sign_in_until_the_lock_ends(
    client: TestClient, users: list[str], clock: FrozenClock
) -> None:
    for _ in range(AuthSettings().login_max_failures):
        assert _login(client, "leader", "wrong password").status_code in (401, 429)
    locked = _login(client, "leader", PASSWORD)
    assert (
        locked.status_code == 429
        and "登录失败次数过多" in locked.text
        and "yuqing_session" not in locked.headers.get("set-cookie", "")
    )
    clock.advance(timedelta(seconds=AuthSettings().login_lockout_seconds))
    assert _login(client, "leader", PASSWORD).status_code == 303


def test_sessions_survive_a_restart_and_end_when_idle(
    store: Store, clock: FrozenClock, settings: Settings, users: list[str]
) -> None:
    with TestClient(make_app(store, clock, settings), follow_redirects=False) as first:
        sign_in(first, "office")
        cookies = dict(first.cookies)
    with TestClient(
        make_app(store, clock, settings), follow_redirects=False, cookies=cookies
    ) as second:
        assert second.get("/").status_code == 200  # a new process knows the session
        clock.advance(timedelta(minutes=AuthSettings().session_idle_minutes))
        assert second.get("/").headers["location"] == "/login"


def test_a_state_changing_form_needs_its_csrf_token(
    signed_in: Callable[[str], tuple[TestClient, str]], client: TestClient
) -> None:
    browser, csrf = signed_in("admin")
    assert browser.post("/logout").status_code == 403
    assert browser.post("/logout", data={"csrf_token": "forged" * 8}).status_code == 403
    assert browser.post("/account/language", data={"language": "en"}).status_code == 403
    # htmx sends the token as a header (hx-headers on <body>).
    assert (
        browser.post(
            "/account/language", data={"language": "en"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 303
    )
    refused = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert refused.status_code == 403 and "表单已过期" in refused.text
    _secure(refused)


def test_every_page_carries_the_headers_and_no_inline_script(
    signed_in: Callable[[str], tuple[TestClient, str]], client: TestClient
) -> None:
    browser, _csrf = signed_in("admin")
    pages = [
        client.get("/login"),
        browser.get("/"),
        client.get("/"),
        browser.get("/no-such-page"),
        client.get("/healthz"),
    ]
    for answer in pages:
        _secure(answer)
        if "text/html" in answer.headers.get("content-type", ""):
            form = Form(answer.text)
            assert form.inline_scripts == 0 and form.style_attributes == 0, answer.url
    assert (
        browser.get("/static/vendor/htmx/htmx.min.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
    assert browser.get("/static/css/yuqing.css").status_code == 200
    # Every page names its icon: no browser asks for a missing /favicon.ico.
    assert '<link rel="icon" type="image/svg+xml" href="/static/img/favicon.svg">' in pages[0].text
    icon = browser.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_the_user_language_chooses_the_pages_language(
    signed_in: Callable[[str], tuple[TestClient, str]],
) -> None:
    browser, csrf = signed_in("auditor")
    assert '<html lang="zh-CN">' in browser.get("/").text
    moved = browser.post(
        "/account/language", data={"language": "en", "next": "//evil.example", "csrf_token": csrf}
    )
    assert moved.headers["location"] == "/"  # never off the site
    page = browser.get("/")
    assert (
        '<html lang="en">' in page.text
        and "<title>Dashboard · YuQing</title>" in page.text
        and "Auditor" in page.text
    )
    assert (
        browser.post("/account/language", data={"language": "fr", "csrf_token": csrf}).status_code
        == 422
    )


def test_api_tokens_authenticate_until_revoked_and_are_rate_limited(
    store: Store, clock: FrozenClock, settings: Settings, users: list[str]
) -> None:
    with Session(store.engine) as session:
        raw, row = service.create_token(
            session=session, clock=clock, actor="test", user_name="monitor"
        )
        session.commit()
        token_id = row.id
    auth = {"Authorization": f"Bearer {raw}"}
    with TestClient(
        make_app(store, clock, settings, api_rate_per_minute=2), follow_redirects=False
    ) as api:
        assert [api.get("/api/v1/alerts", headers=auth).status_code for _ in range(2)] == [200, 200]
        limited = api.get("/api/v1/alerts", headers=auth)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
        assert "请求过多" in limited.json()["detail"]
        service_auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        assert all(
            api.get("/api/v1/alerts", headers=service_auth).status_code == 200 for _ in range(3)
        )
        clock.advance(timedelta(seconds=30))
        assert api.get("/api/v1/alerts", headers=auth).status_code == 200
        assert (
            api.get("/", headers=auth).headers["location"] == "/login"
        )  # tokens are for the API only
        with Session(store.engine) as session:
            service.revoke_token(session=session, clock=clock, actor="test", token_id=token_id)
            session.commit()
        clock.advance(timedelta(minutes=1))
        assert api.get("/api/v1/alerts", headers=auth).status_code == 401


def test_the_dashboard_shows_the_stored_figures_escaped(
    signed_in: Callable[[str], tuple[TestClient, str]], store: Store, clock: FrozenClock
) -> None:
    with Session(store.engine) as session:
        session.add(Event(id="ev-1", partition="", title=HOSTILE, keywords=[], first_source="s",
                          first_at=clock.now(), last_at=clock.now(), posts=4, copies=0, negative=3,
                          positive=0, reposts=0, comments=0, likes=0, views=0, sites=1, heat=12.5,
                          updated_at=clock.now(), extra={}))  # fmt: skip
        session.flush()
        route = RoutePlan(recipients=[Recipient("clerk", "李老师", "email", "c@x.test")])
        alerts_service.raise_alert(session=session, clock=clock, event_id="ev-1", level="I", level_rank=1,
                                   title=HOSTILE, text="正文", route=route)  # fmt: skip
        session.commit()
    browser, _csrf = signed_in("leader")
    page = browser.get("/").text
    figures = dict(re.findall(r"<dt>(.*?)</dt><dd>(\d+)</dd>", page))
    assert figures == {"活跃事件": "1", "全部事件": "1", "发布的帖文": "0", "未确认的预警": "1"}
    assert "12.5" in page and "75%" in page and "2026-03-02 09:00" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<img src=x" not in page
    department, _ = signed_in("department")
    scoped = department.get("/").text
    assert "ev-1" not in scoped and "分派给本部门（部门“edu”）" in scoped


def test_a_department_user_needs_a_department(store: Store, clock: FrozenClock) -> None:
    import pytest

    from yuqing.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        add_user(store, clock, "loose", "department")
