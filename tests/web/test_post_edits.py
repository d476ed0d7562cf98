"""A post edited where it was published shows it where people read posts: the feed's row
and the event page's posts carry a badge (how many edits, when the last) and the latest
version folded under the first text, escaped; the events API gives `edits`, `edited_at`
and `latest` of each representative post. The edit comes through the real ingest path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.analysis.test_posts_seen_again import LATER, LUNCH, T0, line, pipeline_over, run
from tests.conftest import Store
from tests.web.conftest import SERVICE_TOKEN, add_user, sign_in
from yuqing.analysis.models import Event
from yuqing.core.clock import FrozenClock
from yuqing.core.i18n import use_locale
from yuqing.core.settings import Settings
from yuqing.monitor.edits import edits_of
from yuqing.monitor.models import StoredPost
from yuqing.monitor.pipeline import Pipeline
from yuqing.web.pages import TEMPLATES

SignIn = Callable[[str], tuple[TestClient, str]]
# What the edit says once read: markup a post quotes as text (sent escaped, so it is
# words, not tags, and the store keeps it as written).
EDITED_TITLE = "<b>校方致歉</b>"
EDITED = "明德一中食堂红烧肉偏咸，校方已致歉<script>window.pwned=1</script>"
SENT = {
    "title": "&lt;b&gt;校方致歉&lt;/b&gt;",
    "text": "<p>明德一中食堂红烧肉偏咸，校方已致歉&lt;script&gt;window.pwned=1&lt;/script&gt;</p>",
}
ESCAPED = "明德一中食堂红烧肉偏咸，校方已致歉&lt;script&gt;window.pwned=1&lt;/script&gt;"
# Received then: ten minutes after the first ingest (a signed-in session stays open).
EDITED_AT = T0 + timedelta(hours=2, minutes=10)


@pytest.fixture
def pipeline(store: Store, clock: FrozenClock, settings: Settings) -> Pipeline:
    """Posts `a` (the event's first) and `b` (from its highest tier) stored as first said."""
    pipeline = pipeline_over(store, clock, settings, None)
    later = {**line("b", LATER, 5), "media_tier": "municipal"}
    stored = run(pipeline, line("a", LUNCH, 0, likes=3), later)
    assert stored.stored == 2
    return pipeline


def edit(pipeline: Pipeline, clock: FrozenClock) -> None:
    """`a` read again ten minutes later with another title and text: one edit."""
    clock.set(EDITED_AT)
    summary = run(pipeline, {**line("a", "", 0, likes=3), **SENT})
    assert (summary.stored, summary.updated) == (0, 1)


def row(page: str, store: Store, post_id: str) -> str:
    """The feed's row of a post."""
    with Session(store.engine) as session:
        pk = session.scalars(select(StoredPost.pk).where(StoredPost.post_id == post_id)).one()
    return page.split(f'id="post-{pk}"', 1)[1].split("</li>", 1)[0]


ZH_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}


def latest_label(store: Store) -> str:
    """The label the edit was classified with, as the store keeps it (one of three)."""
    with Session(store.engine) as session:
        latest = session.scalars(select(StoredPost.latest).where(StoredPost.post_id == "a")).one()
    assert latest is not None and latest["sentiment"] in ZH_LABELS
    return str(latest["sentiment"])


def event_id(store: Store) -> str:
    with Session(store.engine) as session:
        return session.scalars(select(Event.id).where(Event.merged_into.is_(None))).one()


def test_the_feed_shows_an_edit_with_its_latest_version_escaped(
    pipeline: Pipeline, clock: FrozenClock, store: Store, signed_in: SignIn
) -> None:
    client, _csrf = signed_in("monitor")
    assert "已编辑" not in client.get("/feed").text  # and the rows are kept, shared
    edit(pipeline, clock)
    page = client.get("/feed").text
    edited, untouched = row(page, store, "a"), row(page, store, "b")
    # The first text stays the main text; the badge and the latest version come after it.
    assert f'<p class="wrap text">{LUNCH}</p>' in edited
    assert '<span class="badge">已编辑 1 次</span>' in edited
    assert "最后编辑于 2026-03-02 14:10" in edited  # in the plan's zone (Asia/Shanghai)
    assert "<summary>最新版本</summary>" in edited
    assert "&lt;b&gt;校方致歉&lt;/b&gt;" in edited and ESCAPED in edited
    # The latest version's own sentiment, as it was classified when it came.
    label = latest_label(store)
    assert f'情感 · <span class="sentiment">{ZH_LABELS[label]}</span>' in edited
    assert "<script>" not in page and "<b>校方" not in page
    assert "已编辑" not in untouched and "<details" not in untouched


def test_the_feed_says_edits_in_english_for_an_english_reader(
    pipeline: Pipeline, clock: FrozenClock, store: Store, app: Any
) -> None:
    edit(pipeline, clock)
    add_user(store, clock, "reader", "monitor", language="en")
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, "reader")
        edited = row(client.get("/feed").text, store, "a")
    assert '<span class="badge">edited 1 time</span>' in edited
    assert "last edited 2026-03-02 14:10" in edited
    assert "<summary>latest version</summary>" in edited


def test_the_event_page_shows_the_edit_of_a_representative_post(
    pipeline: Pipeline, clock: FrozenClock, store: Store, signed_in: SignIn
) -> None:
    edit(pipeline, clock)
    client, _csrf = signed_in("leader")
    page = client.get(f"/events/{event_id(store)}").text
    posts = page.split('id="posts-heading"', 1)[1].split("</section>", 1)[0]
    first, second = posts.split("<article", 2)[1:3]
    assert LUNCH in first and LATER in second
    assert '<span class="badge">已编辑 1 次</span>' in first and ESCAPED in first
    assert "最后编辑于 2026-03-02 14:10" in first and "&lt;b&gt;校方致歉&lt;/b&gt;" in first
    assert "已编辑" not in second and "最新版本" not in second
    assert "<script>" not in page


def test_the_events_api_gives_each_representative_posts_edits(
    pipeline: Pipeline, clock: FrozenClock, store: Store, client: TestClient
) -> None:
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    before = client.get(f"/api/v1/events/{event_id(store)}", headers=auth).json()
    edit(pipeline, clock)
    facts = client.get(f"/api/v1/events/{event_id(store)}", headers=auth).json()
    posts = {p["id"]: p for p in facts["representative_posts"]}
    assert set(posts) == {"a", "b"}
    assert {k: posts["a"][k] for k in ("text", "edits", "edited_at", "latest")} == {
        "text": LUNCH,  # what was first said, as before the edit
        "edits": 1,
        "edited_at": EDITED_AT.isoformat(),
        "latest": {"title": EDITED_TITLE, "text": EDITED, "sentiment": latest_label(store)},
    }  # JSON: escaping is the reader's
    assert (posts["b"]["edits"], posts["b"]["edited_at"], posts["b"]["latest"]) == (0, None, None)
    # Only fields added: every one the answer had before the edit is still there.
    assert set(before["representative_posts"][0]) <= set(posts["a"])
    assert {"edits": 0, "edited_at": None, "latest": None}.items() <= before[
        "representative_posts"
    ][0].items()


@pytest.mark.parametrize(
    ("latest", "shown"),
    [
        (
            {
                "title": "新标题",
                "text": "新的正文很长",
                "seen": ["k1", "k2"],
                "sentiment": "negative",
            },
            {"title": "新标题", "text": "新的正文", "sentiment": "negative"},
        ),
        (  # an edit stored before its label was kept
            {"title": "新标题", "text": "新的正文很长", "seen": ["k1"]},
            {"title": "新标题", "text": "新的正文", "sentiment": None},
        ),
        # A row changed by hand.
        (
            {"title": 5, "text": None, "sentiment": {"x": 1}},
            {"title": "", "text": "", "sentiment": None},
        ),
        ("not an object", None),
        (None, None),
    ],
)
def test_the_latest_version_is_shown_cut_and_never_with_the_keys_seen(
    latest: Any, shown: dict[str, str] | None
) -> None:
    post = StoredPost(edits=2, edited_at=EDITED_AT, latest=latest)
    assert edits_of(post, shown=4) == {
        "edits": 2, "edited_at": "2026-03-02T06:10:00+00:00", "latest": shown,
    }  # fmt: skip
    never = StoredPost(edits=0, edited_at=None, latest=None)
    assert edits_of(never, shown=4) == {"edits": 0, "edited_at": None, "latest": None}


@pytest.mark.parametrize(("locale", "badge"), [("zh_CN", "已编辑 2 次"), ("en", "edited 2 times")])
def test_the_badge_counts_edits_in_the_readers_language(locale: str, badge: str) -> None:
    template = TEMPLATES.env.get_template("monitor/post_edits.html")
    macro = template.module.edited  # type: ignore[attr-defined]  # the template's macro
    post = edits_of(StoredPost(edits=2, edited_at=EDITED_AT, latest=None), shown=300)
    with use_locale(locale):
        html = str(macro(post, ZoneInfo("Asia/Shanghai")))
    assert f'<span class="badge">{badge}</span>' in html and "2026-03-02 14:10" in html
    assert "<details" not in html  # no latest version kept: nothing to unfold
