"""Pages that write their times relative to the reading (`3分钟前`, `昨天 14:20`): read
against the moment each page was fetched, the text as written kept as `published_at_text`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.monitor.connectors.conftest import FixtureServer
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.connectors import get_connector
from yuqing.monitor.connectors.pagedate import byline_time, time_of
from yuqing.monitor.fetching import SafeClient
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.polling import poll_due
from yuqing.monitor.schemas import SourceCreate

# 2026-12-07 10:00 in Beijing.
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3分钟前", "2026-12-07T01:57:00+00:00"),
        ("半小时前", "2026-12-07T01:30:00+00:00"),
        ("刚刚", "2026-12-07T02:00:00+00:00"),
        ("2 hours ago", "2026-12-07T00:00:00+00:00"),
        ("昨天 14:20", "2026-12-06T06:20:00+00:00"),
        ("12-06 10:00", "2026-12-06T02:00:00+00:00"),
        ("12月6日 上午9:30", "2026-12-06T01:30:00+00:00"),
        ("发布时间：3小时前 来源：市政府网站", "2026-12-06T23:00:00+00:00"),
        ("楼主：江边人家 | 发表于3分钟前", "2026-12-07T01:57:00+00:00"),
        ("发布于 昨天", "2026-12-05T16:00:00+00:00"),  # a day alone, labelled: its midnight
    ],
)
def test_relative_times_are_read_against_the_fetch(value: str, expected: str) -> None:
    found = time_of(value, "Asia/Shanghai", now=NOW)
    assert found == expected
    assert getattr(found, "written", None) is not None


@pytest.mark.parametrize(
    "value",
    [
        "5天前曾报道此事",  # inside a sentence
        "昨天，市政府召开会议",  # a day word without a clock or a label
        "约3-4 人",  # not a date
        "几分钟前",  # no number
    ],
)
def test_words_that_only_look_relative_are_not_times(value: str) -> None:
    assert time_of(value, "Asia/Shanghai", now=NOW) is None


def test_without_the_fetch_time_nothing_relative_is_read() -> None:
    assert time_of("3分钟前", "Asia/Shanghai") is None
    assert byline_time("标题\n发布时间：3分钟前", "标题", "Asia/Shanghai") is None


def test_a_full_date_stays_as_stated() -> None:
    found = time_of("2026-12-01 10:00", "Asia/Shanghai", now=NOW)
    assert found == "2026-12-01T02:00:00+00:00"
    assert getattr(found, "written", None) is None


def serve_forum(server: FixtureServer) -> None:
    server.serve("/bbs/", "pages/forum_list_relative.html", "text/html; charset=utf-8")
    for number in ("88231", "88207", "88190"):
        path = f"/bbs/thread/{number}.html"
        server.serve(path, f"pages/thread_{number}.html", "text/html; charset=utf-8")


def test_forum_threads_are_dated_from_each_fetch(
    server: FixtureServer, http: SafeClient, clock: FrozenClock, spec_for
) -> None:
    serve_forum(server)
    start = clock.now()  # 2025-03-01 17:00 in Beijing
    fetched = get_connector("web").fetch(
        spec_for("web", "/bbs/"), cursor=None, http=http, now=start
    )
    by_title = {item["title"]: item for item in fetched.items}
    water = by_title["滨江小区停水三天无人通知"]
    # Fetched a second after the list (the host's pace): 3 minutes before that moment
    # (the thread's own time wins over the list's, read a second earlier),
    # not before the poll began; the reply's `1分钟前` is the reply's.
    fetched_at = start + timedelta(seconds=1)
    assert water["published_at"] == (fetched_at - timedelta(minutes=3)).isoformat()
    assert water["published_at_text"] == "3分钟前"
    market = by_title["城南菜市场改造后摊位费上涨"]
    assert market["published_at"] == "2025-02-28T06:20:00+00:00"  # 14:20 the day before
    assert market["published_at_text"] == "昨天 14:20"
    # "5天前曾有摊主……" and "昨天，不少乘客……" are sentences, not times: the thread
    # page shows none, and the list's `12-06 10:00` beside its link, read when the list
    # was fetched, is its time (the latest December 6 before then).
    bus = by_title["夜班公交末班车提前半小时"]
    assert bus["published_at"] == "2024-12-06T02:00:00+00:00"
    assert bus["published_at_text"] == "12-06 10:00"
    assert fetched.cursor.high_water == water["published_at"]


def test_an_english_time_element(
    server: FixtureServer, http: SafeClient, clock: FrozenClock, spec_for
) -> None:
    server.serve("/news/bridge.html", "pages/news_hours_ago.html", "text/html; charset=utf-8")
    fetched = get_connector("web").fetch(
        spec_for("web", "/news/bridge.html"), cursor=None, http=http, now=clock.now()
    )
    (item,) = fetched.items
    assert item["published_at"] == (clock.now() - timedelta(hours=2)).isoformat()
    assert item["published_at_text"] == "2 hours ago"


def test_a_chosen_time_selector_reads_a_relative_time(
    server: FixtureServer, http: SafeClient, clock: FrozenClock, spec_for
) -> None:
    serve_forum(server)
    spec = spec_for("web", "/bbs/thread/88231.html", time_selector=".author-line")
    (item,) = get_connector("web").fetch(spec, cursor=None, http=http, now=clock.now()).items
    assert item["published_at"] == (clock.now() - timedelta(minutes=3)).isoformat()
    assert item["published_at_text"] == "3分钟前"


def test_polled_into_the_store_with_the_text_as_written(
    server: FixtureServer, http: SafeClient, store: Store, clock: FrozenClock, settings: Settings
) -> None:
    serve_forum(server)
    with Session(store.engine) as session:
        service.create_source(
            session=session,
            clock=clock,
            source_in=SourceCreate(
                name="forum", kind="web", url=server.url("/bbs/"), interval_s=600, internal=True
            ),
        )
        session.commit()
    start = clock.now()
    pipeline = Pipeline(engine=store.engine, clock=clock, settings=settings)
    (result,) = poll_due(pipeline=pipeline, http=http)
    assert result.error is None and result.accepted == 3
    with Session(store.engine) as session:
        posts = {p.title: p for p in session.scalars(select(StoredPost))}
    water = posts["滨江小区停水三天无人通知"]
    assert water.published_at == start + timedelta(seconds=1) - timedelta(minutes=3)
    assert water.extra == {"published_at_text": "3分钟前"}
    market = posts["城南菜市场改造后摊位费上涨"]
    assert market.published_at == datetime(2025, 2, 28, 6, 20, tzinfo=UTC)
    assert market.extra == {"published_at_text": "昨天 14:20"}
    bus = posts["夜班公交末班车提前半小时"]
    assert bus.published_at == datetime(2024, 12, 6, 2, 0, tzinfo=UTC)
    assert bus.extra == {"published_at_text": "12-06 10:00"}
