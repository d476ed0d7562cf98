"""The bigram search index (ARCHITECTURE "Storage").

Folded text is indexed as overlapping CJK character bigrams plus Latin/digit words:
trigram indexes cannot find the many two-character Chinese words. Each CJK run also
ends with its last character alone, so a one-character query (a prefix query on the
tokens) finds characters at the end of a run too. SQLite keeps the tokens in a
contentless FTS5 table, PostgreSQL as a `tsvector` with a GIN index; both answer the
same candidate queries, which the caller verifies against the exact rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for annotations: the front's worker processes compute `index_text` without
    # loading SQLAlchemy.
    from sqlalchemy import Connection

# Where the front leaves a kept post's `index_text` (`Post.derived`), so the pipeline's
# own process, the busy one, only writes it.
INDEX_TEXT_KEY = "search_tokens"

# Ideographs, kana and hangul are indexed as bigrams; other letters and digits as words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_PIECE = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def tokens(folded: str) -> list[str]:
    """Index tokens of folded text, in text order."""
    out: list[str] = []
    for piece in _PIECE.findall(folded):
        if _CJK_RUN.fullmatch(piece):
            out.extend(piece[i : i + 2] for i in range(len(piece) - 1))
            out.append(piece[-1])
        else:
            out.append(piece)
    return out


@dataclass(frozen=True)
class Term:
    """A literal (folded) the matching posts must contain."""

    value: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Query, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Query, ...]


# None means "cannot be narrowed by the index" (e.g. a rule that is only NOT).
Query = Term | AllOf | AnyOf


def _term_tokens(value: str) -> list[tuple[str, bool]]:
    """(token, is_prefix) pairs that every text containing `value` has in its index."""
    out: list[tuple[str, bool]] = []
    for piece in _PIECE.findall(value):
        if _CJK_RUN.fullmatch(piece):
            if len(piece) == 1:
                out.append((piece, True))
            else:
                out.extend((piece[i : i + 2], False) for i in range(len(piece) - 1))
        else:
            # A word piece at either end of the term may continue in the text
            # (the term "cov" inside "covid" only when the rule allows it): prefix.
            out.append((piece, True))
    return out


def _fts_token(token: str, prefix: bool) -> str:
    quoted = '"' + token.replace('"', '""') + '"'
    return quoted + "*" if prefix else quoted


def _pg_token(token: str, prefix: bool) -> str:
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + ":*" if prefix else quoted


def render(query: Query, dialect: str) -> str | None:
    """The FTS5 MATCH string or the tsquery text for `query`; None when it matches all."""
    fmt = _fts_token if dialect == "sqlite" else _pg_token
    and_op, or_op = (" AND ", " OR ") if dialect == "sqlite" else (" & ", " | ")
    if isinstance(query, Term):
        toks = _term_tokens(query.value)
        if not toks:
            return None
        return "(" + and_op.join(fmt(t, p) for t, p in toks) + ")"
    parts = [render(part, dialect) for part in query.parts]
    if isinstance(query, AllOf):
        kept = [p for p in parts if p is not None]
        return "(" + and_op.join(kept) + ")" if kept else None
    if any(p is None for p in parts) or not parts:
        return None
    return "(" + or_op.join(p for p in parts if p is not None) + ")"


def index_text(folded: str) -> str:
    """The index tokens of folded text, space-separated (no token holds white space)."""
    return " ".join(tokens(folded))


def index_posts(conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
    """Add (post pk, folded text) pairs to the index, in one statement."""
    index_texts(conn, [(pk, index_text(folded)) for pk, folded in rows])


def index_texts(conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
    """Add (post pk, `index_text`) pairs to the index, in one statement."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO post_search(rowid, tokens) VALUES (?, ?)", list(rows))
    else:
        from sqlalchemy import text

        conn.execute(
            text("INSERT INTO post_search(post_pk, vector) VALUES (:pk, array_to_tsvector(:t))"),
            [{"pk": pk, "t": sorted(set(joined.split()))} for pk, joined in rows],
        )


def candidate_sql(dialect: str) -> str:
    """SQL selecting candidate post pks for one rendered query (`:q`)."""
    if dialect == "sqlite":
        return "SELECT rowid AS pk FROM post_search WHERE post_search MATCH :q"
    return "SELECT post_pk AS pk FROM post_search WHERE vector @@ CAST(:q AS tsquery)"


def rebuild(conn: Connection, rows: Iterable[tuple[int, str]]) -> None:
    """Drop and refill the index from (pk, folded) rows (after a restore or an upgrade)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO post_search(post_search) VALUES ('delete-all')")
    else:
        conn.exec_driver_sql("DELETE FROM post_search")
    batch: list[tuple[int, str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 2000:
            index_posts(conn, batch)
            batch = []
    index_posts(conn, batch)
