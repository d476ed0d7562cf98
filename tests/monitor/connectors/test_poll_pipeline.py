"""Polling configured sources into the store: the connectors, the pipeline and health."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import pairwise

from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from tests.monitor.connectors.conftest import FixtureServer
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.fetching import SafeClient
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.polling import poll_due
from yuqing.monitor.schemas import SourceCreate
from yuqing.worker.scheduler import run_scheduler

FEED_TITLE = "市一中食堂出现学生集体腹泻 校方回应正在调查"


def add_source(store: Store, clock: FrozenClock, name: str, url: str, **kw: object) -> None:
    with Session(store.engine) as session:
        service.create_source(
            session=session,
            clock=clock,
            source_in=SourceCreate(name=name, kind="rss", url=url, interval_s=600, **kw),  # type: ignore[arg-type]
        )
        session.commit()


def health(store: Store, name: str) -> dict[str, object]:
    with Session(store.engine) as session:
        row = service.get_source_or_raise(session=session, name=name)
        return {
            "ok": row.last_success_at,
            "error": row.last_error,
            "failures": row.consecutive_failures,
            "next": row.next_poll_at,
            "seen": row.items_seen,
            "cursor": row.cursor,
        }


def test_poll_stores_new_items_once_and_records_health(
    server: FixtureServer, http: SafeClient, store: Store, clock: FrozenClock, settings: Settings
) -> None:
    server.serve("/feed.xml", "feeds/rss2_news.xml", "application/rss+xml", etag='"v1"')
    server.serve("/broken.xml", "feeds/rss2_news.xml", "application/rss+xml", status=500)
    add_source(
        store, clock, "city-news", server.url("/feed.xml"), internal=True, media_tier="municipal"
    )
    add_source(store, clock, "broken", server.url("/broken.xml"), internal=True)
    add_source(store, clock, "not-internal", server.url("/feed.xml"))
    pipeline = Pipeline(engine=store.engine, clock=clock, settings=settings)

    start = clock.now()
    first = {r.source: r for r in poll_due(pipeline=pipeline, http=http)}
    assert first["city-news"].error is None
    assert first["city-news"].fetched == first["city-news"].accepted == 3
    assert "500" in (first["broken"].error or "")
    assert "127.0.0.1" in (first["not-internal"].error or "")
    news = health(store, "city-news")
    # The rate limiter waited on the frozen clock; the next poll counts from the start.
    assert news["ok"] == clock.now() and news["next"] == start + timedelta(seconds=600)
    assert news["seen"] == 3 and news["cursor"]["etag"] == '"v1"'  # type: ignore[index]
    broken = health(store, "broken")
    assert broken["failures"] == 1 and broken["next"] == start + timedelta(seconds=600)
    assert broken["error"] == first["broken"].error

    # Nothing is due until the interval has passed; then a 304 brings nothing twice.
    assert poll_due(pipeline=pipeline, http=http) == []
    clock.set(start + timedelta(seconds=601))
    second = {r.source: r for r in poll_due(pipeline=pipeline, http=http)}
    assert (second["city-news"].fetched, second["city-news"].duplicates) == (0, 0)
    assert health(store, "broken")["failures"] == 2
    # Back-off doubles for a source that keeps failing.
    assert health(store, "broken")["next"] == start + timedelta(seconds=601 + 1200)

    with Session(store.engine) as session:
        from yuqing.monitor.rules import compile_rule
        from yuqing.monitor.search import search_posts

        (post,) = search_posts(session=session, rule=compile_rule("食堂 腹泻"))
        assert post.title == FEED_TITLE
        assert (post.source, post.media_tier) == ("city-news", "municipal")


def test_poll_and_fetch_commands(server: FixtureServer, cli: Cli) -> None:
    server.serve("/feed.xml", "feeds/rss2_news.xml", "application/rss+xml")
    url = server.url("/feed.xml")
    assert cli("source", "add", "city", "--kind", "rss", "--url", url, "--internal").code == 0
    polled = cli("poll", "--once")
    assert polled.code == 0, polled.stderr
    (line,) = [json.loads(x) for x in polled.stdout.splitlines()]
    assert line == {
        "source": "city",
        "fetched": 3,
        "accepted": 3,
        "duplicates": 0,
        "rejected": 0,
        "updated": 0,
        "error": None,
    }
    found = [json.loads(x) for x in cli("search", "食堂", "--json").stdout.splitlines()]
    assert [p["title"] for p in found] == [FEED_TITLE]
    unknown = cli("poll", "nope")
    assert unknown.code != 0 and "没有名为 'nope' 的信息源" in unknown.stderr


def test_fetch_piped_into_ingest(server: FixtureServer, cli: Cli) -> None:
    server.serve("/feed.xml", "feeds/gbk_prolog.xml", "text/xml")
    fetched = cli("fetch", server.url("/feed.xml"), "--internal")
    assert fetched.code == 0, fetched.stderr
    ingested = cli("ingest", "--source", "gbk-feed", input=fetched.stdout)
    summary = json.loads(ingested.stdout.splitlines()[-1])
    assert summary["stored"] == summary["read"] > 0
    assert cli("search", "镕", "--json").stdout.count('"source":"gbk-feed"') >= 1


def test_scheduler_polls_each_source_on_its_own_interval(
    server: FixtureServer, http: SafeClient, store: Store, clock: FrozenClock, settings: Settings
) -> None:
    server.serve("/fast.xml", "feeds/rss2_news.xml", "application/rss+xml")
    server.serve("/slow.xml", "feeds/atom_forum.xml", "application/atom+xml")
    add_source(store, clock, "fast", server.url("/fast.xml"), internal=True)
    with Session(store.engine) as session:
        service.create_source(
            session=session,
            clock=clock,
            source_in=SourceCreate(
                name="slow", kind="rss", url=server.url("/slow.xml"), interval_s=1800, internal=True
            ),
        )
        session.commit()
    pipeline = Pipeline(engine=store.engine, clock=clock, settings=settings)
    start = clock.now()
    polled: list[tuple[str, float]] = []
    rounds = run_scheduler(
        pipeline=pipeline,
        http=http,
        max_rounds=7,
        on_result=lambda r: polled.append((r.source, (clock.now() - start).total_seconds())),
    )
    assert rounds == 7
    fast = [t for name, t in polled if name == "fast"]
    slow = [t for name, t in polled if name == "slow"]
    # Every 600 s for "fast", every 1800 s for "slow"; waiting went through the clock.
    # (Times are taken after each poll, which may include a second of per-host pacing.)
    assert len(fast) >= 4 and all(b - a >= 599 for a, b in pairwise(fast))
    assert len(slow) >= 2 and all(b - a >= 1799 for a, b in pairwise(slow))
    assert clock.now() - start >= timedelta(seconds=1800)
    assert server.hits("/fast.xml") == len(fast)


def test_source_update_takes_effect(cli: Cli) -> None:
    assert cli("source", "add", "s", "--kind", "rss", "--url", "https://e.com/a").code == 0
    changed = cli("source", "update", "s", "--interval", "120", "--tier", "central", "--disable")
    assert changed.code == 0, changed.stderr
    (row,) = [json.loads(x) for x in cli("source", "list", "--json").stdout.splitlines()]
    assert (row["interval_s"], row["media_tier"], row["enabled"]) == (120, "central", False)
    bad = cli("source", "update", "s", "--interval", "5")
    assert bad.code != 0 and bad.stderr.startswith("yuqing: interval_s:")
    missing = cli("source", "update", "nope", "--enable")
    assert missing.code != 0 and "没有名为 'nope' 的信息源" in missing.stderr


def test_poll_takes_every_new_item_of_a_long_feed(
    server: FixtureServer, http: SafeClient, store: Store, clock: FrozenClock, settings: Settings
) -> None:
    server.serve("/county.xml", "feeds/county_45_items.xml", "application/rss+xml", etag='"v1"')
    add_source(store, clock, "county", server.url("/county.xml"), internal=True)
    pipeline = Pipeline(engine=store.engine, clock=clock, settings=settings)
    (result,) = poll_due(pipeline=pipeline, http=http)
    assert (result.error, result.fetched, result.accepted) == (None, 45, 45)
    assert health(store, "county")["seen"] == 45


def test_poll_exits_non_zero_only_when_every_source_failed(
    server: FixtureServer, cli: Cli, store: Store, clock: FrozenClock
) -> None:
    server.serve("/feed.xml", "feeds/rss2_news.xml", "application/rss+xml")
    server.serve("/down.xml", "feeds/rss2_news.xml", "application/rss+xml", status=503)
    server.serve("/page.html", "pages/not_a_feed.html", "text/html")
    for name, path in (("down", "/down.xml"), ("page", "/page.html"), ("city", "/feed.xml")):
        add_source(store, clock, name, server.url(path), internal=True)

    failed = cli("poll", "--once", "down", "page")
    assert failed.code == 6, failed.stderr
    lines = [json.loads(x) for x in failed.stdout.splitlines()]
    assert [(x["source"], x["fetched"]) for x in lines] == [("down", 0), ("page", 0)]
    assert "503" in lines[0]["error"] and "不是 RSS、Atom 或 RDF 订阅源" in lines[1]["error"]
    assert failed.stderr.strip() == "yuqing: down, page: 所轮询的 2 个信息源全部失败"

    # One success is enough for 0; the failures still have their lines.
    mixed = cli("poll", "--once")
    assert mixed.code == 0, mixed.stderr
    errors = {x["source"]: x["error"] for x in map(json.loads, mixed.stdout.splitlines())}
    assert errors["city"] is None and errors["down"] and errors["page"]
    # Nothing due (the failures back off, the success waits its interval): 0, no lines.
    idle = cli("poll")
    assert (idle.code, idle.stdout) == (0, "")


def test_headlines_escaped_twice_are_stored_as_words(server: FixtureServer, cli: Cli) -> None:
    """qa11: a feed whose content system escapes its headlines twice stored
    `&ldquo;明德一中食堂&rdquo;` and `Caf&eacute;` as the posts' titles."""
    server.serve("/feed.xml", "feeds/escaped_twice.xml", "application/rss+xml")
    fetched = cli("fetch", server.url("/feed.xml"), "--internal")
    assert fetched.code == 0, fetched.stderr
    assert cli("ingest", "--source", "明德新闻网", input=fetched.stdout).code == 0
    found = cli("search", "night | 教育局 | stays", "--json")
    titles = sorted(json.loads(line)["title"] for line in found.stdout.splitlines())
    assert titles == [
        "AT&T &foo; stays as written",
        "Café owners & the “night market” plan",
        "县教育局回应“明德一中食堂”事件\xa0调查",
    ]
