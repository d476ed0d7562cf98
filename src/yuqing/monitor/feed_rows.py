"""The live feed's post rows, rendered once per post and language and shared by viewers.

A feed page renders fifty rows and each open feed renders every new post again, for
each viewer: under fifty users the rows' template was half the feed page's time
(bench/web.py). A row differs between viewers only by their language and their CSRF
token, so it is rendered once with a slot where the token goes and kept under
everything the template reads of the post: a changed post (a review, a tag, a
corrected sentiment, an edit where it was published, higher counts) has another key,
so a kept row is never stale. The slot is a random string made at start, never sent:
post text cannot contain it.
"""

from __future__ import annotations

import json
import secrets
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from markupsafe import Markup, escape

from yuqing.analysis.sentiment.model import LABELS
from yuqing.core.i18n import N_, current_locale, use_locale
from yuqing.monitor.edits import edits_of
from yuqing.monitor.models import StoredPost
from yuqing.monitor.posts import ENGAGEMENT_KEYS
from yuqing.plan.wording import tier_name
from yuqing.web.memo import Memo
from yuqing.web.pages import TEMPLATES

ROW_TEMPLATE = "monitor/post_row.html"
TEXT_SHOWN = 300  # the row shows the text's first 300 characters (post_row.html)
ROWS_KEPT = 2048  # a few pages of every language; ~3 KB a row
_CSRF_SLOT = "csrf" + secrets.token_hex(16)
# The counts a row shows, in this order (translated where shown).
COUNT_NAMES = {
    "reposts": N_("reposts {n}"),
    "comments": N_("comments {n}"),
    "likes": N_("likes {n}"),
    "views": N_("views {n}"),
}


def engagement_of(post: StoredPost) -> list[tuple[str, int]]:
    """The post's counts as the row shows them: the four known ones it has, whole
    numbers of zero or more (a stored value that is not one is left out)."""
    counts = post.engagement if isinstance(post.engagement, dict) else {}
    return [
        (name, counts[name])
        for name in ENGAGEMENT_KEYS
        if isinstance(counts.get(name), int)
        and not isinstance(counts[name], bool)
        and counts[name] >= 0
    ]


def row_context(zone: ZoneInfo, csrf_token: str | None) -> dict[str, Any]:
    """What post_row.html reads besides the post."""
    return {
        "zone": zone,
        "tier_name": tier_name,
        "csrf_field": "csrf_token",
        "csrf_token": csrf_token,
        "labels": LABELS,
        "edits_of": partial(edits_of, shown=TEXT_SHOWN),
        "engagement_of": engagement_of,
        "COUNT_NAMES": COUNT_NAMES,
    }


def _key(post: StoredPost, zone: ZoneInfo, locale: str) -> tuple[Any, ...]:
    """Every value of the post the row shows, with the language and zone it is shown in."""
    return (
        locale,
        zone.key,
        post.pk,
        post.post_id,
        post.url,
        post.title,
        post.source,
        post.media_tier,
        post.published_at,
        post.sentiment_label,
        json.dumps(post.annotations, sort_keys=True, default=str),
        post.text[:TEXT_SHOWN],
        post.edits,  # an edit (monitor/edits.py) counts up and brings its latest version
        post.edited_at,
        tuple(engagement_of(post)),  # counts grown where it was published
    )


def _rows_of(app: FastAPI) -> Memo:
    memo: Memo | None = getattr(app.state, "feed_rows", None)
    if memo is None:
        memo = app.state.feed_rows = Memo(ROWS_KEPT)
    return memo


def render_rows(
    app: FastAPI,
    posts: list[StoredPost],
    *,
    zone: ZoneInfo,
    language: str | None,
    csrf_token: str | None,
) -> list[Markup]:
    """The rows of `posts` in `language`, each with the viewer's `csrf_token` in its forms."""
    memo = _rows_of(app)
    template = TEMPLATES.env.get_template(ROW_TEMPLATE)
    shared = row_context(zone, _CSRF_SLOT)
    token = str(escape(csrf_token))
    rows = []
    with use_locale(language):
        locale = current_locale()
        for post in posts:
            make = partial(template.render, post=post, **shared)
            html: str = memo.get(_key(post, zone, locale), make)
            rows.append(Markup(html.replace(_CSRF_SLOT, token)))  # noqa: S704 (rendered, escaped)
    return rows
