"""The sandbox's pages: a 演练 DRILL banner on every one, and `/drill` with the score so
far, in the menu only there."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import make_app, sign_in
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings

BANNER = 'class="drill-banner"'


@pytest.fixture
def drill_app(store, clock: FrozenClock, settings: Settings, users) -> FastAPI:
    marker = {
        "name": "spring", "title": "春季演练", "description": "<b>食堂</b>",
        "scenario": "bundled", "posts": 457, "created_at": clock.now().isoformat(),
        "plan": "the live plan, version 1", "notify": False,
    }  # fmt: skip
    (settings.home / "drill.json").write_text(json.dumps(marker), "utf-8")
    return make_app(store, clock, replace(settings, drill="spring"))


def test_every_page_of_a_sandbox_says_it_is_a_drill(drill_app):
    with TestClient(drill_app, follow_redirects=False) as client:
        assert BANNER in client.get("/login").text  # before signing in too
        sign_in(client, "office")
        home = client.get("/")
        assert BANNER in home.text and "演练" in home.text
        assert 'href="/drill"' in home.text
        page = client.get("/drill")
        assert page.status_code == 200, page.text
        assert "演练评分" in page.text and "演练 spring：春季演练" in page.text  # a Chinese colon
        assert "&lt;b&gt;食堂&lt;/b&gt;" in page.text  # the scenario's words are escaped
        assert "尚无事件触发预警或立案处置" in page.text


def test_a_department_user_does_not_get_the_score(drill_app):
    with TestClient(drill_app, follow_redirects=False) as client:
        sign_in(client, "department")
        assert 'href="/drill"' not in client.get("/").text
        assert client.get("/drill").status_code == 403


def test_the_live_app_has_no_drill_page_nor_banner(app, users):
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, "office")
        home = client.get("/")
        assert BANNER not in home.text and 'href="/drill"' not in home.text
        assert client.get("/drill").status_code == 404
