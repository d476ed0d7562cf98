"""`/api/v1/docs` works offline: every asset it loads is served by the app itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.web.test_api_posts import serving
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.db.migrate import upgrade
from yuqing.web.app import STATIC as STATIC_DIR
from yuqing.web.app import create_app


class Links(HTMLParser):
    """Every URL a page makes the browser load: `src` of any tag, `href` of `<link>`."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.openapi: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href") if tag == "link" else ("src",):
            if values.get(name):
                self.urls.append(str(values[name]))
        if values.get("data-openapi-url"):
            self.openapi.append(str(values["data-openapi-url"]))


@pytest.fixture
def web(tmp_path: Path, clock: FrozenClock) -> Iterator[httpx.Client]:
    url = f"sqlite:///{tmp_path / 'yuqing.db'}"
    engine = make_engine(url)
    upgrade(engine)
    app = create_app(
        engine=engine, clock=clock, settings=Settings(home=tmp_path, db_url=url), api_tokens=[]
    )
    with serving(app) as client:
        yield client
    engine.dispose()


def test_the_docs_page_loads_only_local_assets(web: httpx.Client) -> None:
    page = web.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    links = Links()
    links.feed(page.text)
    assert len(links.urls) == 4  # icon, stylesheet, Swagger UI, its start script
    kinds = {
        ".js": ("text/javascript", "application/javascript"),
        ".css": ("text/css",),
        ".png": ("image/png",),
    }
    for url in links.urls:
        assert url.startswith("/") and not url.startswith("//"), url  # same origin
        asset = web.get(url)
        assert asset.status_code == 200, url
        expected = kinds[Path(url).suffix]
        assert asset.headers["content-type"].split(";")[0] in expected, url
        assert asset.content == (STATIC_DIR / url.removeprefix("/static/")).read_bytes()
        if url.endswith(".css"):  # what a stylesheet loads is inline data too
            assert set(re.findall(r"url\(\W?(\w+):", asset.text)) == {"data"}
    assert "<script>" not in page.text  # no inline script: works under a strict CSP
    assert links.openapi == ["/api/v1/openapi.json"]
    assert web.get(links.openapi[0]).json()["info"]["title"] == "YuQing 舆情"


def test_the_start_script_calls_nothing_outside(web: httpx.Client) -> None:
    script = web.get("/static/api-docs.js").text
    assert "SwaggerUIBundle(" in script and "validatorUrl: null" in script
    assert "http" not in script


def test_the_vendored_assets_carry_their_licence() -> None:
    vendored = STATIC_DIR / "swagger-ui"
    assert "Apache License" in (vendored / "LICENSE").read_text()
    assert (vendored / "VERSION").read_text().strip() in (
        vendored / "swagger-ui-bundle.js"
    ).read_text()


def test_redoc_is_not_served(web: httpx.Client) -> None:
    assert web.get("/redoc").status_code == 404
    assert web.get("/docs").status_code == 404
