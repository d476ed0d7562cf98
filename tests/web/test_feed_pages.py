"""The live feed: posts with filters, the stream, and a monitor's review of a post."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import HOSTILE, _post, fill
from yuqing.analysis.models import SentimentCorrection
from yuqing.auth.models import AuditEntry
from yuqing.core.clock import FrozenClock
from yuqing.monitor import feed
from yuqing.monitor.models import PostWatch, StoredPost

SignIn = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def data(store: Store, clock: FrozenClock) -> None:
    fill(store, clock)


def _pk(store: Store, post_id: str) -> int:
    with Session(store.engine) as session:
        return session.scalars(select(StoredPost.pk).where(StoredPost.post_id == post_id)).one()


def test_the_feed_lists_posts_escaped_and_filters_them(data: None, signed_in: SignIn) -> None:
    client, _csrf = signed_in("monitor")
    page = client.get("/feed").text
    assert "食堂饭菜发霉" in page and HOSTILE not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert 'href="javascript:' not in page  # only http(s) links are links
    only_news = client.get("/feed", params={"tier": "municipal"}).text
    assert "news.example.cn ·" in only_news and "weibo.example.cn ·" not in only_news
    assert client.get("/feed", params={"tier": "nowhere"}).status_code == 422
    # Levels are offered by the plan's names, never by their ids.
    assert '<option value="II">重大</option>' in page and '<input id="f-level"' not in page


def test_the_stream_sends_newer_posts_as_list_items(
    data: None, signed_in: SignIn, store: Store
) -> None:
    client, _csrf = signed_in("monitor")
    first = _pk(store, "p1")
    answer = client.get("/feed/stream", params={"after": first, "polls": 1})
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert "event: post" in answer.text and f"id: {_pk(store, 'p3')}" in answer.text
    assert f'id="post-{first}"' not in answer.text
    assert "<script>" not in answer.text  # the hostile post is escaped in the stream too


def test_a_monitor_reviews_tags_and_corrects_a_post(
    data: None, signed_in: SignIn, store: Store
) -> None:
    client, csrf = signed_in("monitor")
    pk = _pk(store, "p1")
    for path, form in (
        ("review", {"verdict": "confirmed"}),
        ("tag", {"tag": "食品安全"}),
        ("sentiment", {"label": "neutral"}),
    ):
        answer = client.post(f"/feed/{pk}/{path}", data={**form, "csrf_token": csrf})
        assert answer.status_code == 303, answer.text
    with Session(store.engine) as session:
        post = session.get(StoredPost, pk)
        assert post is not None
        assert post.annotations["review"]["verdict"] == "confirmed"
        assert post.annotations["tags"] == ["食品安全"]
        assert post.sentiment_label == "neutral"
        correction = session.scalars(select(SentimentCorrection)).one()
        assert (correction.predicted, correction.label, correction.corrected_by) == (
            "negative", "neutral", "monitor",
        )  # fmt: skip
        actions = session.scalars(select(AuditEntry.action)).all()
        assert {"post.confirmed", "post.tagged", "post.sentiment_corrected"} <= set(actions)
    answer = client.post(f"/feed/{pk}/sentiment", data={"label": "angry", "csrf_token": csrf})
    assert answer.status_code == 422


def test_shared_rows_carry_each_viewers_token_and_never_a_stale_review(
    data: None, signed_in: SignIn, store: Store
) -> None:
    # Rows are rendered once and shared between viewers (monitor/feed_rows.py): each
    # viewer's forms must still carry their own CSRF token, and a reviewed post must show
    # its new state at once.
    monitor, monitor_csrf = signed_in("monitor")
    admin, admin_csrf = signed_in("admin")
    pk = _pk(store, "p1")
    for client, mine, theirs in (
        (monitor, monitor_csrf, admin_csrf),
        (admin, admin_csrf, monitor_csrf),
    ):
        page = client.get("/feed").text
        row = page.split(f'id="post-{pk}"', 1)[1].split("</li>", 1)[0]
        assert f'value="{mine}"' in row and theirs not in page
        assert "csrf" not in row.replace('name="csrf_token"', "")  # no slot left behind
        assert '<span class="status">' not in row
    answer = monitor.post(
        f"/feed/{pk}/review", data={"verdict": "dismissed", "csrf_token": monitor_csrf}
    )
    assert answer.status_code == 303
    row = admin.get("/feed").text.split(f'id="post-{pk}"', 1)[1].split("</li>", 1)[0]
    assert '<span class="status">已排除</span>' in row  # not the row kept before the review
    streamed = admin.get("/feed/stream", params={"after": pk - 1, "polls": 1}).text
    assert f'value="{admin_csrf}"' in streamed and monitor_csrf not in streamed


def test_a_new_source_is_offered_as_soon_as_its_first_post_is_stored(
    data: None, signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    # The feed's sources are shared between pages until a post is stored (monitor/views.py).
    client, _csrf = signed_in("monitor")
    assert "<option>paper.example.cn</option>" not in client.get("/feed").text
    with Session(store.engine) as session:
        session.add(_post("paper.example.cn", "p9", "食堂", "转载", clock.now()))
        session.commit()
    assert "<option>paper.example.cn</option>" in client.get("/feed").text


def test_changed_posts_are_read_with_each_filter(
    data: None, store: Store, clock: FrozenClock
) -> None:
    # The stream's changed rows (`feed.changed`) test the watch and level per post.
    p1, p2 = _pk(store, "p1"), _pk(store, "p2")
    with Session(store.engine) as session:
        before = feed.newest_change(session=session)
        for pk in (p1, p2):
            feed.tag(session=session, pk=pk, tag="跟进")
        session.commit()
        assert feed.newest_change(session=session) > before
        assert feed.newest(session=session) == (
            feed.newest_pk(session=session), feed.newest_change(session=session),
        )  # fmt: skip

        def changed(**filters: str) -> list[int]:
            f = feed.FeedFilter(**filters)
            found = feed.changed(session=session, f=f, since=before, upto=p2, limit=20)
            return [post.pk for post in found]

        assert changed() == [p1, p2]  # in the order they changed
        assert changed(level="II") == [p1, p2]  # both in the event proposed at II
        assert changed(level="II", source="bbs.example.cn") == [p1]
        assert changed(level="I") == []
        session.add(PostWatch(post_pk=p2, watch="canteen"))
        session.flush()
        assert changed(watch="canteen") == [p2] and changed(watch="other") == []
        upto_p1 = feed.changed(
            session=session, f=feed.FeedFilter(), since=before, upto=p1, limit=20
        )
        assert [post.pk for post in upto_p1] == [p1]


def test_a_post_without_a_title_is_headed_by_its_text_not_its_id(
    data: None, signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    """A microblog has no title: its heading was its id (`demo-0363`)."""
    with Session(store.engine) as session:
        session.add(_post("weibo.example.cn", "wb-0363", "", "检测结果出来了，原来是饮水设备的问题",
                          clock.now()))  # fmt: skip
        session.commit()
    client, _csrf = signed_in("monitor")
    row = client.get("/feed").text.split(f'id="post-{_pk(store, "wb-0363")}"', 1)[1]
    heading = row.split("<h3", 1)[1].split("</h3>", 1)[0]
    assert "检测结果出来了" in heading and "wb-0363" not in heading


def test_a_review_returns_to_the_post_in_the_feed_as_it_was_filtered(
    data: None, signed_in: SignIn, store: Store
) -> None:
    """Back at the post reviewed, with its new state in view: the feed opened at its top."""
    client, csrf = signed_in("monitor")
    pk = _pk(store, "p1")
    feed = str(client.base_url) + "/feed?sentiment=negative#post-1"
    for path, form in (
        ("review", {"verdict": "confirmed"}),
        ("tag", {"tag": "食品安全"}),
        ("sentiment", {"label": "negative"}),
    ):
        answer = client.post(f"/feed/{pk}/{path}", data={**form, "csrf_token": csrf},
                             headers={"Referer": feed})  # fmt: skip
        assert answer.headers["location"] == f"/feed?sentiment=negative#post-{pk}", path
    elsewhere = client.post(f"/feed/{pk}/review", data={"verdict": "confirmed", "csrf_token": csrf},
                            headers={"Referer": "https://evil.example/feed"})  # fmt: skip
    assert elsewhere.headers["location"] == f"/feed#post-{pk}"


def test_a_correction_that_takes_a_post_out_of_the_filtered_list_says_so_in_its_place(
    data: None, signed_in: SignIn, store: Store
) -> None:
    client, csrf = signed_in("monitor")
    pk = _pk(store, "p1")
    filtered = client.get("/feed?sentiment=negative").text
    assert f'id="post-{pk}"' in filtered
    before = filtered.index(f'id="post-{pk}"')
    feed_url = str(client.base_url) + "/feed?sentiment=negative"
    answer = client.post(f"/feed/{pk}/sentiment", data={"label": "positive", "csrf_token": csrf},
                         headers={"Referer": feed_url})  # fmt: skip
    location = answer.headers["location"]
    assert location == f"/feed?sentiment=negative&left={pk}#post-{pk}"
    page = client.get(location.partition("#")[0]).text
    # The row's place holds the notice, in Chinese, where the post was (newest first).
    assert f'<li class="post left" id="post-{pk}">' in page
    assert "已更正：此帖不再符合当前筛选条件，已移出列表。" in page
    rows = [int(n) for n in re.findall(r'<li class="post[^"]*" id="post-(\d+)"', page)]
    assert rows == sorted(rows, reverse=True) and abs(page.index(f'id="post-{pk}"') - before) < 2000
    # Unfiltered, or filtered by the sentiment it now has, nothing left: no notice.
    for still in ("/feed?left=" + str(pk), f"/feed?sentiment=positive&left={pk}"):
        assert 'class="post left"' not in client.get(still).text, still
    # A correction to the sentiment shown keeps it in the list: no `left`.
    answer = client.post(f"/feed/{pk}/sentiment", data={"label": "positive", "csrf_token": csrf},
                         headers={"Referer": str(client.base_url) + "/feed?sentiment=positive"})  # fmt: skip
    assert "left=" not in answer.headers["location"]
    assert client.get(f"/feed?sentiment=negative&left={2**63}").status_code == 422
