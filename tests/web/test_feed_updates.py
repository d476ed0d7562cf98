"""The live feed shows changes of posts already on the page: a post seen again edited or
with higher counts, or reviewed by another monitor, comes again over the stream as an
`update` with its row as it is now (escaped), for the posts shown and matching the
filters only, once; the stream's position (`Last-Event-ID`) covers posts and changes.
The edits and counts come through the real ingest path; the clock is frozen."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.analysis.test_posts_seen_again import LATER, LUNCH, T0, line, pipeline_over, run
from tests.conftest import Store
from tests.web.test_post_edits import EDITED_AT, ESCAPED, SENT
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import feed
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.views import BATCH

SignIn = Callable[[str], tuple[TestClient, str]]
STREAM = re.compile(r'data-stream="([^"]+)"')
EVENT = re.compile(r"id: (\S+)\nevent: (\w+)\n((?:data: .*\n)+)")


@pytest.fixture
def pipeline(store: Store, clock: FrozenClock, settings: Settings) -> Pipeline:
    """Posts `a` (3 likes) and `b` stored as first said."""
    pipeline = pipeline_over(store, clock, settings, None)
    stored = run(pipeline, line("a", LUNCH, 0, likes=3), line("b", LATER, 5, reposts=1))
    assert stored.stored == 2
    return pipeline


def pk_of(store: Store, post_id: str) -> int:
    with Session(store.engine) as session:
        return session.scalars(select(StoredPost.pk).where(StoredPost.post_id == post_id)).one()


def stream_of(page: str) -> str:
    """The stream's address as the feed page gives it to feed.js."""
    found = STREAM.search(page)
    assert found, "the feed has no stream"
    return html.unescape(found.group(1))


def events(
    client: TestClient, url: str, *, polls: int = 1, resume: str = ""
) -> list[tuple[str, str, str]]:
    """(id, event name, the row's HTML) of each event the stream sends in `polls` looks."""
    headers = {"Last-Event-ID": resume} if resume else {}
    answer = client.get(f"{url}&polls={polls}", headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "text/event-stream"
    )
    return [
        (m[1], m[2], "\n".join(d[len("data: ") :] for d in m[3].splitlines()).strip())
        for m in EVENT.finditer(answer.text)
    ]


def edited_with_more_likes(pipeline: Pipeline, clock: FrozenClock) -> None:
    """`a` read again ten minutes later, edited and with 9 likes."""
    clock.set(EDITED_AT)
    summary = run(pipeline, {**line("a", "", 0, likes=9, comments=2), **SENT})
    assert (summary.stored, summary.updated) == (0, 1)


def test_an_edit_and_higher_counts_come_as_the_rows_update(
    pipeline: Pipeline, clock: FrozenClock, store: Store, signed_in: SignIn
) -> None:
    client, csrf = signed_in("monitor")
    page = client.get("/feed").text
    a, b = pk_of(store, "a"), pk_of(store, "b")
    assert "点赞 3" in page.split(f'id="post-{a}"', 1)[1].split("</li>", 1)[0]
    url = stream_of(page)
    assert events(client, url) == []  # nothing new, nothing changed
    edited_with_more_likes(pipeline, clock)
    ((position, name, row),) = events(client, url)
    assert name == "update" and row.startswith(f'<li class="post" id="post-{a}"')
    assert position == f"{b}-{feed_change(store)}"  # the newest post sent, the last change
    assert '<span class="badge">已编辑 1 次</span>' in row and ESCAPED in row
    assert "评论 2 · 点赞 9" in row and "点赞 3" not in row
    assert f'value="{csrf}"' in row and "<script>" not in row and LUNCH in row
    # Resumed from that position, the change is not sent again; nor without one, to a
    # stream that starts after it (a page opened from before streams sent changes).
    assert events(client, url, resume=position) == []
    assert events(client, f"/feed/stream?after={b}") == []
    # A bare pk (what streams sent before) still resumes.
    assert [n for _i, n, _r in events(client, url, resume=str(b))] == ["update"]


def feed_change(store: Store) -> int:
    with Session(store.engine) as session:
        return feed.newest_change(session=session)


def test_updates_follow_the_filters_and_the_posts_the_page_shows(
    pipeline: Pipeline, clock: FrozenClock, store: Store, signed_in: SignIn
) -> None:
    client, _csrf = signed_in("monitor")
    a, b = pk_of(store, "a"), pk_of(store, "b")
    other_source = stream_of(client.get("/feed", params={"source": "elsewhere"}).text)
    its_watch = stream_of(client.get("/feed", params={"watch": "school", "source": "weibo"}).text)
    other_watch = stream_of(client.get("/feed", params={"watch": "elsewhere"}).text)
    only_b = stream_of(client.get("/feed").text).replace("oldest=" + str(a), f"oldest={b}")
    assert f"oldest={b}" in only_b
    edited_with_more_likes(pipeline, clock)
    assert events(client, other_source) == []  # `a` does not match the filter
    assert events(client, other_watch) == []
    assert [n for _i, n, _r in events(client, its_watch)] == ["update"]
    assert events(client, only_b) == []  # `a` is older than the page's oldest row
    # A stream that has not sent `a` yet sends it new (as it is now), not as an update.
    sent = events(client, f"/feed/stream?after={a - 1}&changed=0")
    assert [(n, f'id="post-{a}"' in r) for _i, n, r in sent] == [("post", True), ("post", False)]
    assert "已编辑 1 次" in sent[0][2]


def test_a_review_by_one_monitor_updates_the_row_another_watches(
    pipeline: Pipeline, store: Store, signed_in: SignIn
) -> None:
    watcher, _ = signed_in("admin")
    url = stream_of(watcher.get("/feed").text)
    reviewer, csrf = signed_in("monitor")
    b = pk_of(store, "b")
    for path, form in (("review", {"verdict": "confirmed"}), ("tag", {"tag": "食品安全"})):
        answer = reviewer.post(f"/feed/{b}/{path}", data={**form, "csrf_token": csrf})
        assert answer.status_code == 303, answer.text
    ((position, name, row),) = events(watcher, url)  # one row, as it is after both
    assert name == "update" and f'id="post-{b}"' in row
    assert '<span class="status">已确认</span>' in row and "食品安全" in row
    assert csrf not in row  # the watcher's own token in its forms
    assert events(watcher, url, resume=position) == []


def test_many_new_posts_are_all_sent_oldest_first(
    pipeline: Pipeline, clock: FrozenClock, store: Store, signed_in: SignIn
) -> None:
    clock.set(T0 + timedelta(hours=2, minutes=20))
    client, _csrf = signed_in("monitor")
    url = stream_of(client.get("/feed").text)
    lines = [line(f"n{i}", f"明德一中学校通知第{i}号", 10 + i) for i in range(BATCH + 5)]
    assert run(pipeline, *lines).stored == BATCH + 5
    sent = events(client, url, polls=2)
    pks = [int(position.split("-")[0]) for position, _n, _r in sent]
    assert len(pks) == BATCH + 5 and pks == sorted(pks)
    assert {n for _i, n, _r in sent} == {"post"}


@pytest.mark.parametrize(
    ("position", "sent"),
    [("junk", 2), ("-5", 2), ("9" * 30, 2), ("x" * 100, 2), ("{a}-" + "9" * 30, 1), ("{a}-x", 1)],
)
def test_a_hostile_last_event_id_is_passed_over(
    pipeline: Pipeline, store: Store, signed_in: SignIn, position: str, sent: int
) -> None:
    # What cannot be a position resumes from the address; a good pk with a bad change
    # resumes the posts only.
    client, _csrf = signed_in("monitor")
    a = pk_of(store, "a")
    found = events(client, "/feed/stream?after=0&changed=0", resume=position.format(a=a))
    assert [n for _i, n, _r in found] == ["post"] * sent
    assert client.get(f"/feed/stream?changed={2**63}&polls=1").status_code == 422
