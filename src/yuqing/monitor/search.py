"""Searching stored posts with the rule language (CONTRACTS `yuqing search`).

The bigram index narrows the candidates (db/search.py), then the exact rule decides,
so search and watches always agree on what matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

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
COMMON = 20_000


def _candidates(session: Session, rendered: str, common: int) -> tuple[TextClause, bool]:
    """The candidate subquery of a rendered index query, and whether it is selective."""
    candidates = text(index.candidate_sql(session.get_bind().dialect.name)).bindparams(q=rendered)
    sample = candidates.columns(column("pk", Integer)).subquery()
    probe = session.execute(
        select(func.count()).select_from(select(sample.c.pk).limit(common).subquery())
    ).scalar_one()
    return candidates, probe < common


if TYPE_CHECKING:
    _Light = Select[int, datetime, str]


def _base_query(
    session: Session,
    rule: Rule,
    *,
    watch: str | None,
    since: datetime | None,
    until: datetime | None,
    common: int,
) -> _Light:
    """Candidates newest first, with only what the rule needs to decide (not whole rows)."""
    dialect = session.get_bind().dialect.name
    stmt = select(StoredPost.pk, StoredPost.published_at, StoredPost.folded)
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


def _after(stmt: _Light, last: tuple[datetime, int]) -> _Light:
    """The page after `last` (keyset pagination on publication time, then pk)."""
    return stmt.where(
        or_(
            StoredPost.published_at < last[0],
            and_(StoredPost.published_at == last[0], StoredPost.pk < last[1]),
        )
    )


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
    size = max(PAGE, limit)
    found: list[int] = []
    last: tuple[datetime, int] | None = None
    while len(found) < limit:
        page = session.execute((stmt if last is None else _after(stmt, last)).limit(size)).all()
        found.extend(pk for pk, _, folded in page if rule.matches(folded))
        if len(page) < size:
            break
        last = (page[-1][1], page[-1][0])
    found = found[:limit]
    rows = {p.pk: p for p in session.scalars(select(StoredPost).where(StoredPost.pk.in_(found)))}
    return [rows[pk] for pk in found]
