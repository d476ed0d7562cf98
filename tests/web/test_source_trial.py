"""The sources page's test button: one fetch through the safe client, what it would
yield or its error, and nothing stored. A real HTTP server on 127.0.0.1 serves the feed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.monitor.connectors.conftest import FixtureServer
from yuqing.core.clock import FrozenClock
from yuqing.monitor import service
from yuqing.monitor.models import Source, StoredPost
from yuqing.monitor.schemas import SourceCreate

SignIn = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def feed_server() -> Iterator[FixtureServer]:
    server = FixtureServer()
    server.start()
    yield server
    server.stop()


def _add(store: Store, clock: FrozenClock, name: str, url: str, *, internal: bool) -> None:
    with Session(store.engine) as session:
        service.create_source(session=session, clock=clock, source_in=SourceCreate(
            name=name, kind="rss", url=url, internal=internal))  # fmt: skip
        session.commit()


def test_a_source_is_tried_once_and_nothing_is_stored(
    signed_in: SignIn, store: Store, clock: FrozenClock, feed_server: FixtureServer
) -> None:
    feed_server.serve("/rss", "feeds/rss2_news.xml", "application/rss+xml")
    _add(store, clock, "江城日报", feed_server.url("/rss"), internal=True)
    client, csrf = signed_in("admin")
    assert (
        "/admin/sources/%E6%B1%9F%E5%9F%8E%E6%97%A5%E6%8A%A5/test"
        in client.get("/admin/sources").text
    )
    answer = client.post("/admin/sources/江城日报/test", data={"csrf_token": csrf})
    assert answer.status_code == 200, answer.text
    assert "3 条" in answer.text and "市一中食堂出现学生集体腹泻" in answer.text
    assert feed_server.hits("/rss") == 1
    with Session(store.engine) as session:
        row = session.scalars(select(Source).where(Source.name == "江城日报")).one()
        assert (row.cursor, row.last_poll_at, row.last_error) == (None, None, None)
        assert session.scalar(select(func.count()).select_from(StoredPost)) == 0


def test_a_source_that_cannot_be_read_shows_its_error(
    signed_in: SignIn, store: Store, clock: FrozenClock, feed_server: FixtureServer
) -> None:
    feed_server.serve("/rss", "feeds/rss2_news.xml", "application/rss+xml")
    # Not marked internal: the safe client refuses a loopback address.
    _add(store, clock, "本机", feed_server.url("/rss"), internal=False)
    _add(store, clock, "不存在", feed_server.url("/missing"), internal=True)
    client, csrf = signed_in("admin")
    refused = client.post("/admin/sources/本机/test", data={"csrf_token": csrf})
    assert refused.status_code == 200 and "无法读取此来源" in refused.text
    assert feed_server.hits("/rss") == 0
    missing = client.post("/admin/sources/不存在/test", data={"csrf_token": csrf})
    assert "无法读取此来源" in missing.text and "404" in missing.text
    unknown = client.post("/admin/sources/nope/test", data={"csrf_token": csrf})
    assert unknown.status_code == 404
    assert client.post("/admin/sources/本机/test").status_code == 403  # no CSRF token
