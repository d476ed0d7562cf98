"""Feeds and JSON APIs that write their times relative to the reading (`3分钟前`,
`2 hours ago`): read against the moment the response came, the text as written kept as
`published_at_text`; the cursor's high-water mark is the latest real moment."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.monitor.connectors.conftest import FixtureServer
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.connectors import Cursor, get_connector
from yuqing.monitor.fetching import SafeClient
from yuqing.monitor.models import Source, StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.polling import poll_due
from yuqing.monitor.schemas import SourceCreate

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>江城论坛</title>
<item><guid>t1</guid><title>滨江小区停水</title><pubDate>3分钟前</pubDate></item>
<item><guid>t2</guid><title>菜市场摊位费上涨</title>
  <pubDate>Fri, 28 Feb 2025 06:20:00 GMT</pubDate></item>
<item><guid>t3</guid><title>公交末班车提前</title><pubDate>某天</pubDate></item>
</channel></rss>"""
API = {
    "data": [
        {"mid": "a1", "text": "江城地铁又晚点了", "created_at": "2 hours ago"},
        {"mid": "a2", "text": "早高峰挤成沙丁鱼", "created_at": "2025-03-01T08:30:00+08:00"},
        {"mid": "a3", "text": "不知何时", "created_at": "some day"},
    ]
}
API_OPTIONS = {"items_path": "data", "fields": {"id": "mid", "published_at": "created_at"}}


def serve(server: FixtureServer) -> None:
    server.route("/forum.xml", FEED, content_type="application/rss+xml")
    server.route("/api", json.dumps(API), content_type="application/json")


def test_a_feed_reads_relative_times_against_its_fetch(
    server: FixtureServer, http: SafeClient, clock: FrozenClock, spec_for
) -> None:
    serve(server)
    fetched_at = clock.now()
    fetched = get_connector("rss").fetch(
        spec_for("rss", "/forum.xml"), cursor=None, http=http, now=fetched_at
    )
    water, market, bus = fetched.items
    assert water["published_at"] == (fetched_at - timedelta(minutes=3)).isoformat()
    assert water["published_at_text"] == "3分钟前"
    assert market["published_at"] == "2025-02-28T06:20:00+00:00"
    assert "published_at_text" not in market  # a full date, as stated
    assert "published_at" not in bus  # no time: the pipeline uses the arrival time
    assert fetched.cursor.high_water == water["published_at"]


def test_an_api_reads_relative_times_against_its_response(
    server: FixtureServer, http: SafeClient, clock: FrozenClock, spec_for
) -> None:
    serve(server)
    fetched_at = clock.now()  # 2025-03-01 09:00 UTC
    spec = spec_for("jsonapi", "/api", **API_OPTIONS)
    fetched = get_connector("jsonapi").fetch(spec, cursor=None, http=http, now=fetched_at)
    subway, rush, unknown = fetched.items
    assert subway["published_at"] == (fetched_at - timedelta(hours=2)).isoformat()
    assert subway["published_at_text"] == "2 hours ago"
    assert rush["published_at"] == "2025-03-01T00:30:00+00:00"
    assert "published_at" not in unknown
    # 07:00 UTC (two hours before the fetch) is later than 08:30 in Beijing (00:30 UTC),
    # though the text `2025-03-01T08:30…` sorts after `2025-03-01T07:00…`.
    assert fetched.cursor.high_water == "2025-03-01T07:00:00+00:00"


def test_mixed_offsets_compare_by_the_instant() -> None:
    cursor = Cursor().advanced(
        [],
        published=[
            "2026-12-07T09:00:00+08:00",  # 01:00 UTC: sorts last as text
            "2026-12-07T01:30:00Z",  # the latest moment
            "2026-12-06T20:00:00-05:00",  # 01:00 UTC
            "3分钟前",  # no moment: passed over
            "2026-12-07 23:00",  # no offset: no certain moment
        ],
    )
    assert cursor.high_water == "2026-12-07T01:30:00+00:00"
    earlier = cursor.advanced([], published=["2026-12-07T09:20:00+08:00"])  # 01:20 UTC
    assert earlier.high_water == "2026-12-07T01:30:00+00:00"
    later = cursor.advanced([], published=["2026-12-07T09:31:00+08:00"])
    assert later.high_water == "2026-12-07T01:31:00+00:00"


@pytest.mark.parametrize(
    ("old", "kept", "after_earlier"),
    [
        # As an earlier version stored a feed's text: any real moment replaces it.
        ("3分钟前", "3分钟前", "2026-12-07T00:59:59+00:00"),
        ("not a time", "not a time", "2026-12-07T00:59:59+00:00"),
        # A moment is kept, told in UTC, until a later one comes.
        ("2026-12-07T09:00:00+08:00", "2026-12-07T01:00:00+00:00", "2026-12-07T01:00:00+00:00"),
    ],
)
def test_a_cursor_stored_before_still_loads(old: str, kept: str, after_earlier: str) -> None:
    cursor = Cursor.from_json(json.dumps({"seen": ["id:1"], "high_water": old}))
    assert (cursor.seen, cursor.high_water) == (["id:1"], old)
    nothing_new = cursor.advanced(["id:2"])
    assert (nothing_new.seen, nothing_new.high_water) == (["id:1", "id:2"], kept)
    earlier = cursor.advanced([], published=["2026-12-07T00:59:59Z"])
    assert earlier.high_water == after_earlier
    later = cursor.advanced([], published=["2026-12-07T01:00:01Z"])
    assert later.high_water == "2026-12-07T01:00:01+00:00"


@pytest.mark.parametrize(
    ("kind", "path", "options", "written", "ago"),
    [
        ("rss", "/forum.xml", {}, "3分钟前", timedelta(minutes=3)),
        ("jsonapi", "/api", API_OPTIONS, "2 hours ago", timedelta(hours=2)),
    ],
)
def test_polled_into_the_store_at_the_fetch_time_less_the_text(
    server: FixtureServer,
    http: SafeClient,
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    kind: str,
    path: str,
    options: dict[str, object],
    written: str,
    ago: timedelta,
) -> None:
    serve(server)
    with Session(store.engine) as session:
        service.create_source(
            session=session,
            clock=clock,
            source_in=SourceCreate(
                name="forum",
                kind=kind,
                url=server.url(path),
                interval_s=600,
                internal=True,
                options=options,
            ),
        )
        # A cursor stored by an earlier version, its mark the text as the source wrote it.
        session.scalars(select(Source)).one().cursor = {"seen": [], "high_water": "5分钟前"}
        session.commit()
    fetched_at = clock.now()
    pipeline = Pipeline(engine=store.engine, clock=clock, settings=settings)
    (result,) = poll_due(pipeline=pipeline, http=http)
    assert result.error is None and result.accepted == 3
    with Session(store.engine) as session:
        posts = session.scalars(select(StoredPost)).all()
        cursor = session.scalars(select(Source)).one().cursor
    (post,) = [post for post in posts if post.extra.get("published_at_text") == written]
    assert post.published_at == fetched_at - ago
    # The old mark gave way to the latest real moment, in UTC.
    assert cursor is not None
    assert cursor["high_water"] == (fetched_at - ago).astimezone(UTC).isoformat()
