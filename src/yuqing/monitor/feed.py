"""What the live feed reads and writes: kept posts with filters, newer than a pk or
changed since a change number, and a monitor's review of a post (confirmed or dismissed,
tags, a sentiment correction: each a change the open feeds show)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from yuqing.alerts.models import LevelDecision
from yuqing.analysis.models import EventPost, SentimentCorrection
from yuqing.analysis.sentiment.model import LABELS
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput, NotFound
from yuqing.core.i18n import N_, _
from yuqing.monitor.models import PostWatch, StoredPost
from yuqing.monitor.posts import MEDIA_TIERS
from yuqing.monitor.store import next_change

# The sentiments as the feed names them (translated where shown).
SENTIMENT_NAMES = {
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "positive": N_("positive"),
    "unknown": N_("unknown"),
}
SHOWN = 50
REVIEWS = ("confirmed", "dismissed")
MAX_TAG = 40


@dataclass(frozen=True)
class FeedFilter:
    """The feed's filters; empty strings mean "any"."""

    watch: str = ""
    source: str = ""
    tier: str = ""
    sentiment: str = ""
    level: str = ""

    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def _filtered(stmt: Select[Any], f: FeedFilter, *, per_row: bool = False) -> Select[Any]:
    """`stmt` with the filters. `per_row`: the watch and the level are looked up for each
    post the rest selects (an index read each), rather than listing their posts first:
    for the few posts changed since a stream's last look, not every post of a watch."""
    if f.watch:
        of_watch = select(PostWatch.post_pk).where(PostWatch.watch == f.watch)
        stmt = stmt.where(
            of_watch.where(PostWatch.post_pk == StoredPost.pk).exists()
            if per_row
            else StoredPost.pk.in_(of_watch)
        )
    if f.source:
        # `|| ''` keeps SQLite off the index of sources (every post of a source) per row.
        source = StoredPost.source + "" if per_row else StoredPost.source
        stmt = stmt.where(source == f.source)
    if f.tier:
        if f.tier not in MEDIA_TIERS:
            raise InvalidInput(_("unknown media tier {tier!r}").format(tier=f.tier))
        stmt = stmt.where(StoredPost.media_tier == f.tier)
    if f.sentiment:
        stmt = stmt.where(StoredPost.sentiment_label == f.sentiment)
    if f.level:
        in_level = (
            select(EventPost.post_pk)
            .join(LevelDecision, LevelDecision.event_id == EventPost.event_id)
            .where(
                LevelDecision.status != "superseded",
                (LevelDecision.level == f.level)
                | (
                    (LevelDecision.status == "proposed") & (LevelDecision.proposed_level == f.level)
                ),
            )
        )
        stmt = stmt.where(
            in_level.where(EventPost.post_pk == StoredPost.pk).exists()
            if per_row
            else StoredPost.pk.in_(in_level)
        )
    return stmt


def latest(
    *, session: Session, f: FeedFilter, after: int = 0, limit: int = SHOWN
) -> list[StoredPost]:
    """Kept posts newest first (by arrival); only those after pk `after` when given."""
    stmt = _filtered(select(StoredPost), f)
    if after:
        stmt = stmt.where(StoredPost.pk > after)
    return list(session.scalars(stmt.order_by(StoredPost.pk.desc()).limit(limit)).all())


def arrived(*, session: Session, f: FeedFilter, after: int, limit: int) -> list[StoredPost]:
    """The first `limit` kept posts after pk `after`, oldest first (what a stream sends
    next: the rest stay for its next look)."""
    stmt = _filtered(select(StoredPost), f).where(StoredPost.pk > after)
    return list(session.scalars(stmt.order_by(StoredPost.pk).limit(limit)).all())


def changed(
    *, session: Session, f: FeedFilter, since: int, upto: int, oldest: int = 0, limit: int
) -> list[StoredPost]:
    """Posts from pk `oldest` to `upto` changed after change number `since`, in the order
    they changed (the first `limit`): a stream's rows to send again. Reads the index of
    `changed` from `since` on (few rows a look), never the posts' range of pks: `pk + 0`
    keeps SQLite's planner off the primary key, whose range grows while a feed is open."""
    in_range = (StoredPost.pk + 0).between(oldest, upto)
    stmt = _filtered(select(StoredPost), f, per_row=True)
    stmt = stmt.where(StoredPost.changed > since, in_range)
    return list(session.scalars(stmt.order_by(StoredPost.changed).limit(limit)).all())


def newest_pk(*, session: Session) -> int:
    """The newest kept post's pk (0 in an empty store): one read of the primary key."""
    return session.scalar(select(func.max(StoredPost.pk))) or 0


def newest_change(*, session: Session) -> int:
    """The highest change number of a post (0 when none changed): one read of its index."""
    return session.scalar(select(func.max(StoredPost.changed))) or 0


def newest(*, session: Session) -> tuple[int, int]:
    """(the newest post's pk, the highest change number): what the feed's poller watches,
    one statement reading the end of two indexes."""
    row = session.execute(
        select(
            select(func.max(StoredPost.pk)).scalar_subquery(),
            select(func.max(StoredPost.changed)).scalar_subquery(),
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def sources(*, session: Session) -> list[str]:
    return [s for s in session.scalars(select(StoredPost.source).distinct().limit(200)) if s]


def watches(*, session: Session) -> list[str]:
    return list(session.scalars(select(PostWatch.watch).distinct().limit(200)))


def _post(session: Session, pk: int) -> StoredPost:
    post = session.get(StoredPost, pk)
    if post is None:
        raise NotFound(_("no post {pk}").format(pk=pk))
    return post


def review(*, session: Session, clock: Clock, pk: int, by: str, verdict: str) -> tuple[Any, Any]:
    """Confirm or dismiss a post; gives (before, after) for the audit trail."""
    if verdict not in REVIEWS:
        raise InvalidInput(
            _("a review is confirmed or dismissed, not {verdict!r}").format(verdict=verdict)
        )
    post = _post(session, pk)
    before = post.annotations.get("review")
    after = {"verdict": verdict, "by": by, "at": clock.now().isoformat()}
    post.annotations = {**post.annotations, "review": after}
    post.changed = next_change(session.connection())
    return before, after


def tag(*, session: Session, pk: int, tag: str) -> tuple[list[str], list[str]]:
    """Add a tag to a post; gives the tags before and after."""
    cleaned = " ".join(tag.split())
    if not cleaned or len(cleaned) > MAX_TAG:
        raise InvalidInput(_("a tag has 1 to {n} characters").format(n=MAX_TAG))
    post = _post(session, pk)
    before = list(post.annotations.get("tags", []))
    after = before if cleaned in before else [*before, cleaned]
    post.annotations = {**post.annotations, "tags": after}
    post.changed = next_change(session.connection())
    return before, after


def correct_sentiment(
    *, session: Session, clock: Clock, pk: int, by: str, label: str
) -> SentimentCorrection:
    """Store a person's sentiment for a post (a row training reads) and show it from now on."""
    if label not in LABELS:
        raise InvalidInput(
            _("sentiment must be one of {labels}, not {label!r}").format(
                labels=", ".join(LABELS), label=label
            )
        )
    post = _post(session, pk)
    correction = SentimentCorrection(
        post_pk=post.pk, text=f"{post.title}\n{post.text}".strip(), predicted=post.sentiment_label,
        label=label, corrected_by=by, corrected_at=clock.now(),
    )  # fmt: skip
    session.add(correction)
    post.sentiment_label = label
    post.changed = next_change(session.connection())
    session.flush()
    return correction
