"""Searching stored posts with the rule language (CONTRACTS `yuqing search`).

The bigram index narrows the candidates (db/search.py), then the exact rule decides,
so search and watches always agree on what matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, Select, TextClause, and_, column, func, or_, select, text
from sqlalchemy.orm import Session

from yuqing.db import search as index
from yuqing.monitor.models import PostWatch, StoredPost
from yuqing.monitor.rules import Rule, nodes

PAGE = 200


def index_query(node: nodes.Node) -> index.Query | None:
    """What the index can require of a post matching `node`; None when it cannot narrow."""
    if isinstance(node, nodes.Term):
        return index.Term(node.text)
    if isinstance(node, nodes.Near):
        return index.AllOf((index.Term(node.a.text), index.Term(node.b.text)))
    if isinstance(node, nodes.Not):
        return None  # the index cannot say what a post lacks
    parts = [index_query(item) for item in node.items]
    if isinstance(node, nodes.And):
        kept = tuple(p for p in parts if p is not None)
        return index.AllOf(kept) if kept else None
    if not parts or any(p is None for p in parts):
        return None
    return index.AnyOf(tuple(p for p in parts if p is not None))


# Above this many index candidates a term is common: walking the newest posts and
# checking the rule finds a page of results sooner than sorting every candidate by time.
COMMON = 3000


def _candidates(session: Session, rendered: str, common: int) -> tuple[TextClause, bool]:
    """The candidate subquery of a rendered index query, and whether it is selective."""
    candidates = text(index.candidate_sql(session.get_bind().dialect.name)).bindparams(q=rendered)
    sample = candidates.columns(column("pk", Integer)).subquery()
    probe = session.execute(
        select(func.count()).select_from(select(sample.c.pk).limit(common).subquery())
    ).scalar_one()
    return candidates, probe < common


def _base_query(
    session: Session,
    rule: Rule,
    *,
    watch: str | None,
    since: datetime | None,
    until: datetime | None,
    common: int,
) -> Select[StoredPost]:
    dialect = session.get_bind().dialect.name
    stmt = select(StoredPost)
    query = index_query(rule.node)
    rendered = index.render(query, dialect) if query is not None else None
    if rendered is not None:
        candidates, selective = _candidates(session, rendered, common)
        if selective:
            stmt = stmt.where(StoredPost.pk.in_(candidates.columns(column("pk", Integer))))
    if watch is not None:
        stmt = stmt.where(
            StoredPost.pk.in_(select(PostWatch.post_pk).where(PostWatch.watch == watch))
        )
    if since is not None:
        stmt = stmt.where(StoredPost.published_at >= since)
    if until is not None:
        stmt = stmt.where(StoredPost.published_at < until)
    return stmt.order_by(StoredPost.published_at.desc(), StoredPost.pk.desc())


def search_posts(
    *,
    session: Session,
    rule: Rule,
    watch: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
    common: int = COMMON,
) -> Sequence[StoredPost]:
    """Stored posts matching `rule`, newest first (by publication time)."""
    stmt = _base_query(session, rule, watch=watch, since=since, until=until, common=common)
    found: list[StoredPost] = []
    last: tuple[datetime, int] | None = None
    while len(found) < limit:
        page_stmt = stmt
        if last is not None:
            page_stmt = stmt.where(
                or_(
                    StoredPost.published_at < last[0],
                    and_(StoredPost.published_at == last[0], StoredPost.pk < last[1]),
                )
            )
        page = session.scalars(page_stmt.limit(max(PAGE, limit))).all()
        for post in page:
            if rule.matches(post.folded):
                found.append(post)
                if len(found) >= limit:
                    break
        if len(page) < max(PAGE, limit):
            break
        last = (page[-1].published_at, page[-1].pk)
    return found
