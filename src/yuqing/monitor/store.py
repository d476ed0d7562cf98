"""Writing kept posts in batches, and the keys that find posts already stored."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, update

from yuqing.core.ids import digest
from yuqing.db import search
from yuqing.monitor.keys import Keys
from yuqing.monitor.models import PostWatch, StoredPost
from yuqing.monitor.posts import Post


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing(conn: Connection, column: str, values: Sequence[str]) -> set[str]:
    """The `values` present in posts.`column` (uid or content_key), in one statement.

    The list travels as one JSON or array parameter instead of an expanding IN: one
    statement a batch, not one compilation per few hundred keys.
    """
    if not values:
        return set()
    if conn.dialect.name == "sqlite":
        sql = f"SELECT {column} FROM posts WHERE {column} IN (SELECT value FROM json_each(?))"  # noqa: S608 - column is one of two names
        return {row[0] for row in conn.exec_driver_sql(sql, (json.dumps(list(values)),))}
    sql = f"SELECT {column} FROM posts WHERE {column} = ANY(%(v)s)"  # noqa: S608
    return {row[0] for row in conn.exec_driver_sql(sql, {"v": list(values)})}


def stored_keys(conn: Connection, keys: Sequence[Keys]) -> set[str]:
    """The uids and URL content keys among `keys` that the store has already."""
    found = _existing(conn, "uid", [k.uid for k in keys])
    found |= _existing(conn, "content_key", [k.content_key for k in keys if k.by_url])
    return found


def original_pks(conn: Connection, post_ids: Sequence[str]) -> dict[str, int]:
    """pk of the first stored original (no copy) with each public id."""
    out: dict[str, int] = {}
    for chunk in _chunks(list(dict.fromkeys(post_ids))):
        rows = conn.execute(
            select(StoredPost.post_id, StoredPost.pk)
            .where(StoredPost.post_id.in_(chunk), StoredPost.duplicate_of.is_(None))
            .order_by(StoredPost.pk.desc())
        )
        for post_id, pk in rows:
            out[post_id] = pk  # descending order: the first stored wins
    return out


def watches_of_posts(conn: Connection, post_ids: Sequence[str]) -> dict[str, list[str]]:
    """For each stored post among `post_ids` (public ids, indexed), the watches it
    matched (none for a post its source keeps whatever it says)."""
    out: dict[str, list[str]] = {}
    for chunk in _chunks(list(dict.fromkeys(post_ids))):
        rows = conn.execute(
            select(StoredPost.post_id, PostWatch.watch)
            .outerjoin(PostWatch, PostWatch.post_pk == StoredPost.pk)
            .where(StoredPost.post_id.in_(chunk))
        )
        for post_id, watch in rows:
            watches = out.setdefault(post_id, [])
            if watch is not None and watch not in watches:
                watches.append(watch)
    return out


def _row(
    post: Post, keys: Keys, *, original_pk: int | None, signature: bytes | None
) -> dict[str, object]:
    sentiment = post.annotations.get("sentiment")
    return {
        "sentiment_label": sentiment["label"] if sentiment else None,
        "sentiment_score": sentiment["score"] if sentiment else None,
        "uid": keys.uid,
        "post_id": post.id,
        "source": post.source,
        "url": post.url,
        "title": post.title,
        "text": post.text,
        "html": post.html,
        "folded": post.folded,
        "author": post.author,
        "lang": post.lang,
        "platform": post.platform,
        "media_tier": post.media_tier,
        "published_at": post.published_at,
        "received_at": post.received_at,
        "engagement": post.engagement,
        "extra": post.extra,
        "content_key": keys.content_key or keys.uid,
        "duplicate_of_pk": original_pk,
        "duplicate_of": post.duplicate_of,
        "copies": 0,
        "dedup_sig": signature,
        "watches": post.watches,
        "annotations": post.annotations,
    }


@dataclass(slots=True)
class Pending:
    """A post ready to be written with what the pipeline learned of it."""

    post: Post
    keys: Keys
    original_pk: int | None
    signature: bytes | None
    pk: int | None = None  # once written

    def store_keys(self) -> list[str]:
        """The keys it is found by once stored (its uid, and its URL content key)."""
        return [self.keys.uid, self.keys.content_key] if self.keys.by_url else [self.keys.uid]


def text_key(post: Post) -> str:
    """What a post says, as a key: a key not seen before for the same post is an edit
    (its folded title and text: a change of case, width or script is none)."""
    return digest(post.folded, length=32)


TEXTS_KEPT = 50  # keys of the edits seen of a post (a retry of any of them is no edit)


@dataclass(slots=True)
class Seen:
    """A post already stored, or about to be (earlier in the input), read again: what is
    stored of it and what the records that repeat it brought since (`see`)."""

    keys: list[str]  # its store keys
    stored: dict[str, int]  # its engagement as stored (or as it will be written)
    folded: str  # its first text, folded (what it said when stored)
    texts: list[str]  # the keys of the edits seen of it, first to last (`text_key`)
    pk: int | None = None  # None: not written yet (`pending` will be)
    pending: Pending | None = None
    engagement: dict[str, int] = field(default_factory=dict)  # the highest counts seen
    edits: int = 0  # edits seen since it was read
    edited_at: datetime | None = None
    latest: dict[str, Any] | None = None  # the last edit's title and text, the keys seen

    def __post_init__(self) -> None:
        if not self.engagement:
            self.engagement = dict(self.stored)

    @classmethod
    def of_pending(cls, pending: Pending) -> Seen:
        post = pending.post
        return cls(pending.store_keys(), dict(post.engagement), post.folded, [],
                   pending=pending)  # fmt: skip

    def again(self) -> Seen:
        """It as a later batch starts from: what this one will have written."""
        return Seen(self.keys, dict(self.engagement), self.folded, list(self.texts),
                    self.pk, self.pending)  # fmt: skip

    def see(self, post: Post) -> bool:
        """Take what a record of the post brings: higher counts (a count is never
        lowered: a source that lost one is no reason to shrink), another text (an edit).
        A text seen before of the post (a retry, a file read again, the first text
        again) is no edit. Returns whether it brought anything."""
        news = False
        for name, count in post.engagement.items():
            if count > self.engagement.get(name, 0):
                self.engagement[name] = count
                news = True
        if post.folded == self.folded:
            return news  # the common case: no hash
        key = text_key(post)
        if key not in self.texts:
            self.texts = [*self.texts, key][-TEXTS_KEPT:]
            self.edits += 1
            self.edited_at = post.received_at
            sentiment = post.annotations.get("sentiment")
            self.latest = {"title": post.title, "text": post.text, "seen": self.texts,
                           "sentiment": sentiment["label"] if sentiment else None}  # fmt: skip
            news = True
        return news

    @property
    def grown(self) -> bool:
        return self.engagement != self.stored

    def target(self) -> int:
        pk = self.pk if self.pending is None else self.pending.pk
        if pk is None:
            raise RuntimeError("a post seen again is updated after it is written")
        return pk


@dataclass(frozen=True, slots=True)
class Grown:
    """A stored post whose engagement grew: event facts grow by the difference."""

    pk: int
    before: dict[str, int]
    after: dict[str, int]


def seen_posts(
    conn: Connection, uids: Sequence[str], content_keys: Sequence[str]
) -> dict[str, Seen]:
    """The stored posts with these uids or URL content keys, each under its keys: what a
    record that repeats one may update. Only asked for those `stored_keys` found; read
    as `_existing` reads keys (one statement a column, the driver's plain values: a file
    ingested again reads a row for each of its records)."""
    rows: dict[int, tuple[Any, ...]] = {}
    for column, values in (("uid", uids), ("content_key", content_keys)):
        if not values:
            continue
        wanted = "pk, uid, content_key, engagement, folded, latest"
        if conn.dialect.name == "sqlite":
            sql = f"SELECT {wanted} FROM posts WHERE {column} IN (SELECT value FROM json_each(?))"  # noqa: S608 - column is one of two names
            found = conn.exec_driver_sql(sql, (json.dumps(list(values)),))
        else:
            sql = f"SELECT {wanted} FROM posts WHERE {column} = ANY(%(v)s)"  # noqa: S608
            found = conn.exec_driver_sql(sql, {"v": list(values)})
        for row in found:
            rows[row[0]] = tuple(row)
    out: dict[str, Seen] = {}
    for pk in sorted(rows, reverse=True):  # the first stored wins a shared content key
        _, uid, content_key, engagement, folded, latest = rows[pk]
        latest = _json(latest)
        texts = latest.get("seen") if isinstance(latest, dict) else None
        seen = Seen(
            [uid, content_key],
            dict(_json(engagement) or {}),
            folded,
            [str(t) for t in texts] if texts else [],
            pk=pk,
        )
        out[uid] = out[content_key] = seen
    return out


def _json(value: Any) -> Any:
    """A JSON column's value as the driver gives it: text (SQLite) or decoded (psycopg)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def next_change(conn: Connection) -> int:
    """The number of a change to stored posts about to be written (`StoredPost.changed`):
    higher than every number taken before. PostgreSQL's writers run side by side and take
    it from a sequence (migration 0017); SQLite's are serialized (BEGIN IMMEDIATE) and
    take the highest plus one, one read of the index."""
    if conn.dialect.name == "postgresql":
        return int(conn.scalar(text("SELECT nextval('post_changes')")) or 0)
    return int(conn.scalar(select(func.max(StoredPost.changed))) or 0) + 1


def update_seen(conn: Connection, seen: Sequence[Seen]) -> list[Grown]:
    """Write what the posts seen again brought (higher counts, edits), under one change
    number (the live feed sends their rows again); returns those whose engagement grew."""
    table = cast(Table, StoredPost.__table__)
    grown = [s for s in seen if s.grown]
    if not grown and not any(s.edits for s in seen):
        return []
    change = next_change(conn)
    if grown:
        conn.execute(
            update(table)
            .where(table.c.pk == bindparam("spk"))
            .values(engagement=bindparam("eng"), changed=change),
            [{"spk": s.target(), "eng": s.engagement} for s in grown],
        )
    edited = [s for s in seen if s.edits]
    if edited:
        conn.execute(
            update(table)
            .where(table.c.pk == bindparam("spk"))
            .values(
                edits=table.c.edits + bindparam("n"),
                edited_at=bindparam("at"),
                latest=bindparam("last"),
                changed=change,
            ),
            [
                {"spk": s.target(), "n": s.edits, "at": s.edited_at, "last": s.latest}
                for s in edited
            ],
        )
    return [Grown(s.target(), s.stored, dict(s.engagement)) for s in grown]


def write_posts(conn: Connection, pending: Sequence[Pending]) -> list[int]:
    """Insert the posts, their watch links, search tokens and copy counts; returns pks."""
    if not pending:
        return []
    rows = [_row(p.post, p.keys, original_pk=p.original_pk, signature=p.signature) for p in pending]
    table = cast(Table, StoredPost.__table__)
    # RETURNING the unique uid beside the pk lets the driver batch the rows into
    # multi-row INSERTs; asking for parameter order instead makes SQLite go row by row.
    result = conn.execute(insert(table).returning(table.c.uid, table.c.pk), rows)
    pk_of: dict[str, int] = dict(result.all())
    pks = [pk_of[p.keys.uid] for p in pending]
    for p, pk in zip(pending, pks, strict=True):
        p.pk = pk
    links = [
        {"post_pk": pk, "watch": name}
        for pk, p in zip(pks, pending, strict=True)
        for name in dict.fromkeys(p.post.watches)
    ]
    if links:
        conn.execute(insert(cast(Table, PostWatch.__table__)), links)
    search.index_texts(
        conn,
        [
            (pk, p.post.derived.get(search.INDEX_TEXT_KEY) or search.index_text(p.post.folded))
            for pk, p in zip(pks, pending, strict=True)
        ],
    )
    copies: dict[int, int] = {}
    for p in pending:
        if p.original_pk is not None:
            copies[p.original_pk] = copies.get(p.original_pk, 0) + 1
    if copies:
        table = cast(Table, StoredPost.__table__)
        conn.execute(
            update(table)
            .where(table.c.pk == bindparam("opk"))
            .values(copies=table.c.copies + bindparam("n")),
            [{"opk": pk, "n": n} for pk, n in copies.items()],
        )
    return pks


def post_from_row(row: StoredPost) -> Post:
    """A stored post as the pipeline's `Post` (what facts and the clusterer read again)."""
    sentiment = (
        {"sentiment": {"label": row.sentiment_label, "score": row.sentiment_score}}
        if row.sentiment_label
        else {}
    )
    return Post(
        id=row.post_id,
        title=row.title,
        text=row.text,
        published_at=row.published_at,
        received_at=row.received_at,
        url=row.url,
        source=row.source,
        platform=row.platform,
        media_tier=row.media_tier,
        lang=row.lang,
        engagement=dict(row.engagement or {}),
        folded=row.folded,
        duplicate_of=row.duplicate_of,
        annotations=sentiment,
    )
