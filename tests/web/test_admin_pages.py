"""Sources (health, add, pause) and the audit trail's page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.monitor.models import Source

SignIn = Callable[[str], tuple[TestClient, str]]


def test_an_admin_adds_and_pauses_a_source_and_the_trail_shows_it(
    signed_in: SignIn, store: Store
) -> None:
    client, csrf = signed_in("admin")
    form = {
        "name": "县论坛",
        "kind": "rss",
        "url": "https://bbs.example.cn/rss",
        "csrf_token": csrf,
    }
    assert client.post("/admin/sources", data=form).status_code == 303
    bad = client.post("/admin/sources", data={**form, "name": "坏", "kind": "ftp"})
    assert bad.status_code == 422 and "kind" in bad.text
    page = client.get("/admin/sources").text
    assert "县论坛" in page and "正常" in page
    paused = client.post(
        "/admin/sources/县论坛/enabled", data={"enabled": "false", "csrf_token": csrf}
    )
    assert paused.status_code == 303
    with Session(store.engine) as session:
        assert session.scalars(select(Source.enabled).where(Source.name == "县论坛")).one() is False
    assert "已暂停" in client.get("/admin/sources").text
    trail = client.get("/audit").text
    assert "哈希链完整" in trail and "source.added" in trail and "source.paused" in trail
    auditor, _ = signed_in("auditor")
    assert auditor.get("/audit").status_code == 200
    assert auditor.get("/admin/sources").status_code == 403


def test_an_admin_manages_users_departments_and_tokens(signed_in: SignIn, store: Store) -> None:
    client, csrf = signed_in("admin")
    assert (
        client.post("/admin/departments", data={"name": "water", "csrf_token": csrf}).status_code
        == 303
    )
    added = client.post("/admin/users", data={"name": "zhao", "role": "department", "department": "water",
                                              "password": "a long password", "csrf_token": csrf})  # fmt: skip
    assert added.status_code == 303
    changed = client.post(
        "/admin/users/zhao", data={"role": "monitor", "disabled": "true", "csrf_token": csrf}
    )
    assert changed.status_code == 303
    made = client.post(
        "/admin/tokens", data={"user_name": "monitor", "name": "爬虫", "csrf_token": csrf}
    )
    assert made.status_code == 200 and "只显示这一次" in made.text
    page = client.get("/admin/users").text
    assert "zhao" in page and "爬虫" in page and "yq_" in made.text and "只显示这一次" not in page
    trail = client.get("/audit").text
    assert "user.created" in trail and "token.created" in trail
