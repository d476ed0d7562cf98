"""Writing kept posts in batches, and the keys that find posts already stored."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update

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
