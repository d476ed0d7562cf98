"""The live feed `/feed`: kept posts as they arrive (server-sent events), with filters,
and a monitor's review of each post: confirm or dismiss, tag, correct its sentiment.

The stream sends each new post as its rendered list item (escaped by Jinja2, as on the
page), so the page's script only inserts what the server wrote; a post already sent that
changed since (higher counts, an edit, a review) comes again as an `update`, which the
script puts in place of the row it has. Every review goes to the audit trail in the same
transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from typing import Annotated
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from yuqing.auth.audit import record
from yuqing.auth.schemas import Actor
from yuqing.core.i18n import _
from yuqing.db.engine import session_scope
from yuqing.monitor import feed, feed_rows
from yuqing.monitor.models import StoredPost
from yuqing.plan import service as plan_service
from yuqing.web import dashboard
from yuqing.web.deps import ClockDep, ReadSessionDep, SessionDep
from yuqing.web.live import SharedPoll
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
Monitor = Annotated[Actor, Depends(page_roles("/feed"))]
POLL_SECONDS = 0.5  # how often the process looks for new posts (issue 12: seen within 1 s)
STREAM_POLLS = 600
STREAM_SECONDS = 300.0
BATCH = 20  # new posts, and changed ones, a stream reads a look (more: it looks again)
MAX_ID = 2**63 - 1  # the largest pk or change number the store holds (BIGINT)


def _filter(
    watch: str = "", source: str = "", tier: str = "", sentiment: str = "", level: str = ""
) -> feed.FeedFilter:
    return feed.FeedFilter(watch=watch, source=source, tier=tier, sentiment=sentiment, level=level)


Filter = Annotated[feed.FeedFilter, Depends(_filter)]


def _level_choices(session: Session) -> list[tuple[str, str]]:
    """The active plan's levels as (id, the plan's name): people filter by 二级, not L2."""
    plan = plan_service.get_active_plan(session=session)
    return [(level.id, level.name) for level in plan.levels] if plan is not None else []


def _row_context(request: Request, user: Actor) -> dict[str, object]:
    return feed_rows.row_context(ZoneInfo(request.app.state.settings.timezone), user.csrf_token)


def _rows(request: Request, user: Actor, posts: list[StoredPost]) -> list[Markup]:
    """The posts' rows as this viewer reads them (shared renderings, monitor/feed_rows.py)."""
    zone = ZoneInfo(request.app.state.settings.timezone)
    return feed_rows.render_rows(
        request.app, posts, zone=zone, language=user.language, csrf_token=user.csrf_token
    )


def _with_left(
    session: Session, f: feed.FeedFilter, posts: list[StoredPost], rows: list[Markup], left: int
) -> list[Markup]:
    """The rows with a short notice where post `left` was, newest first as the list is:
    a correction made it leave the filtered list, and the reader, sent back to its place,
    would otherwise find nothing there and no word why."""
    if not f.query() or any(p.pk == left for p in posts) or session.get(StoredPost, left) is None:
        return rows
    place = next((i for i, p in enumerate(posts) if p.pk < left), len(posts))
    notice = Markup(
        '<li class="post left" id="post-{pk}"><p class="status">{text}</p></li>'
    ).format(
        pk=left, text=_("Corrected: this post no longer matches the filters, so it left this list.")
    )
    return [*rows[:place], notice, *rows[place:]]


@router.get("/feed", response_class=HTMLResponse, tags=["pages"])
def read_feed(
    request: Request, user: Monitor, session: ReadSessionDep, f: Filter,
    left: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:  # fmt: skip
    """The latest kept posts with the filters, and the live stream of new ones. `left`: a
    post a correction just took out of the filtered list (its place says so)."""
    # Read before the posts: a change in between is sent again, never lost.
    changed = feed.newest_change(session=session)
    posts = feed.latest(session=session, f=f)
    rows = _rows(request, user, posts)
    if left is not None:
        rows = _with_left(session, f, posts, rows, left)
    return render(
        request,
        "monitor/feed.html",
        {
            **_row_context(request, user),
            "rows": rows,
            "filters": f,
            "after": posts[0].pk if posts else 0,
            "oldest": posts[-1].pk if posts else 0,
            "changed": changed,
            "sources": _sources(request, session),
            "watches": feed.watches(session=session),
            "tiers": ("central", "provincial", "municipal", "local", "self"),
            "levels": _level_choices(session),
        },
    )


def _sources(request: Request, session: Session) -> list[str]:
    """The sources posts came from, for the filter: a distinct read over every post (a
    tenth of the feed page under fifty users), so shared until a post is stored (a
    post's source never changes, and posts are not removed)."""
    newest = dashboard.recent_fingerprint(request, session)[dashboard.NEWEST_POST]
    found: list[str] = dashboard.memo_of(request.app).get(
        ("feed sources", newest), lambda: feed.sources(session=session)
    )
    return found


def _newest(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with session_scope(sessions) as session:
        return feed.newest(session=session)


def _feed_poll(app: FastAPI) -> SharedPoll:
    """The process's one look at the newest post and the latest change of a post, for all
    open feeds (web/live.py)."""
    poll: SharedPoll | None = getattr(app.state, "feed_poll", None)
    if poll is None:
        sessions = app.state.readers
        poll = SharedPoll(lambda: _newest(sessions), interval=POLL_SECONDS)
        app.state.feed_poll = poll
    return poll


def _resumed(header: str) -> tuple[int, int | None]:
    """The position in `Last-Event-ID`: `PK-CHANGE` (the newest post sent and the last
    change sent), or a bare pk as streams sent before changes were (0, None: none)."""
    pk, _, change = header.partition("-")
    if len(header) > 40 or not _number(pk):
        return 0, None
    return int(pk), int(change) if _number(change) else None


def _number(text: str) -> bool:
    """Whether `text` is a pk or change number (ASCII digits, within BIGINT)."""
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def _event(name: str, position: str, html: str) -> str:
    data = "\n".join(f"data: {line}" for line in html.splitlines())
    return f"id: {position}\nevent: {name}\n{data}\n\n"


@router.get("/feed/stream", tags=["pages"])
async def stream_feed(
    request: Request,
    user: Monitor,
    f: Filter,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    changed: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    oldest: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    polls: Annotated[int, Query(ge=1, le=STREAM_POLLS)] = STREAM_POLLS,
) -> StreamingResponse:
    """Server-sent events: each new kept post (matching the filters) as an `<li>`
    (`event: post`), and the row again of each post from pk `oldest` to the newest sent
    before that changed after change number `changed` (`event: update`: counts grown,
    an edit, a review; the page replaces the row it shows). Without `changed`, changes
    count from the stream's start.

    Each event's id is the stream's position, `PK-CHANGE`: the newest post sent and the
    last change sent. The stream ends after `polls` looks (5 minutes at the most); the
    browser's EventSource then reconnects with `Last-Event-ID`, so it goes on from there.
    The store is asked for this viewer's posts only when a newer post was stored or a
    post changed.
    """
    resumed_pk, resumed_change = _resumed(request.headers.get("last-event-id", ""))
    after = max(after, resumed_pk)
    if resumed_change is not None:
        changed = max(changed or 0, resumed_change)
    sessions = request.app.state.readers
    poll = _feed_poll(request.app)

    def look(last: int, since: int) -> tuple[list[StoredPost], list[StoredPost]]:
        """New posts after `last`, and the posts up to `last` changed after `since` (the
        new ones are read as they are now)."""
        with session_scope(sessions) as session:
            posts = feed.arrived(session=session, f=f, after=last, limit=BATCH)
            updates = feed.changed(
                session=session, f=f, since=since, upto=last, oldest=oldest, limit=BATCH
            )
            session.expunge_all()
            return posts, updates

    def latest_change() -> int:
        with session_scope(sessions) as session:
            return feed.newest_change(session=session)

    async def events() -> AsyncIterator[str]:
        last = after
        yield "retry: 2000\n\n"
        since = changed if changed is not None else await asyncio.to_thread(latest_change)
        async with poll.listening():
            ends = asyncio.get_running_loop().time() + STREAM_SECONDS
            seen: Hashable = None  # the first look reads the store whatever the version
            for index in range(polls):
                if await request.is_disconnected():
                    return
                version = poll.version if index == 0 else await poll.wait(seen, POLL_SECONDS)
                posts: list[StoredPost] = []
                updates: list[StoredPost] = []
                if version != seen:
                    posts, updates = await asyncio.to_thread(look, last, since)
                seen = version
                for post, html in zip(posts, _rows(request, user, posts), strict=True):
                    last = max(last, post.pk)
                    yield _event("post", f"{last}-{since}", html)
                for post, html in zip(updates, _rows(request, user, updates), strict=True):
                    since = max(since, post.changed or 0)
                    yield _event("update", f"{last}-{since}", html)
                if len(posts) == BATCH or len(updates) == BATCH:
                    seen = None  # more may be waiting: look again at once
                else:
                    # Every change up to the version read before the look was read.
                    since = max(since, _change_of(version))
                    if not posts and not updates:
                        yield ": idle\n\n"  # keeps proxies from closing a quiet stream
                if asyncio.get_running_loop().time() > ends:
                    return

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _change_of(version: Hashable) -> int:
    """The change number in the poller's version ((pk, change); 0 before it read one)."""
    return int(version[1]) if isinstance(version, tuple) else 0


def _back(request: Request, pk: int, *, sentiment: str | None = None) -> RedirectResponse:
    """Back to the feed as it was filtered, at the post just reviewed: without the
    anchor the page opened at its top, and the reviewer lost the post and its new state.
    `sentiment`: the post's corrected sentiment; when the feed was filtered by another,
    the post left the list, and `left` has the page say so in its place."""
    referer = request.headers.get("referer", "")
    path = "/feed"
    if referer.startswith(str(request.base_url)):
        path = "/" + referer[len(str(request.base_url)) :].partition("#")[0]
    path = path if path.startswith("/feed") else "/feed"
    path, _mark, query = path.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "left"]
    shown = dict(params).get("sentiment", "")
    if sentiment is not None and shown and shown != sentiment:
        params.append(("left", str(pk)))
    if params:
        path = f"{path}?{urlencode(params)}"
    return RedirectResponse(f"{path}#post-{pk}", status_code=303)


@router.post("/feed/{pk}/review", tags=["pages"])
def review_post(
    pk: int, request: Request, user: Monitor, session: SessionDep, clock: ClockDep,
    verdict: Annotated[str, Form()],
) -> RedirectResponse:  # fmt: skip
    """Confirm a post as relevant, or dismiss it."""
    before, after = feed.review(session=session, clock=clock, pk=pk, by=user.name, verdict=verdict)
    record(session=session, clock=clock, actor=user.name, action=f"post.{verdict}",
           target=f"post:{pk}", before=before, after=after)  # fmt: skip
    return _back(request, pk)


@router.post("/feed/{pk}/tag", tags=["pages"])
def tag_post(
    pk: int, request: Request, user: Monitor, session: SessionDep, clock: ClockDep,
    tag: Annotated[str, Form()],
) -> RedirectResponse:  # fmt: skip
    """Add a tag to a post."""
    before, after = feed.tag(session=session, pk=pk, tag=tag)
    record(session=session, clock=clock, actor=user.name, action="post.tagged",
           target=f"post:{pk}", before=before, after=after)  # fmt: skip
    return _back(request, pk)


@router.post("/feed/{pk}/sentiment", tags=["pages"])
def correct_sentiment(
    pk: int, request: Request, user: Monitor, session: SessionDep, clock: ClockDep,
    label: Annotated[str, Form()],
) -> RedirectResponse:  # fmt: skip
    """Correct a post's sentiment (kept for the next sentiment model)."""
    correction = feed.correct_sentiment(
        session=session, clock=clock, pk=pk, by=user.name, label=label
    )
    record(session=session, clock=clock, actor=user.name, action="post.sentiment_corrected",
           target=f"post:{pk}", before=correction.predicted, after=correction.label)  # fmt: skip
    return _back(request, pk, sentiment=correction.label)
