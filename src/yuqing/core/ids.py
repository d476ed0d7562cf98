"""Identifiers.

A post's id (CONTRACTS): the source's own id when given, otherwise derived from its URL,
otherwise from its content. Derived ids are stable across runs and machines, so
re-ingesting the same posts finds them again.
"""

from __future__ import annotations

import hashlib
import secrets


def digest(*parts: str, length: int = 20) -> str:
    """A short stable hex digest of the parts (NUL-separated, so ('ab','c') != ('a','bc'))."""
    h = hashlib.blake2b(digest_size=max(8, (length + 1) // 2))
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:length]


def post_uid(*, source: str, own_id: str | None, url: str | None, content: str) -> str:
    """The store's key of a post: unique per source and own id, URL or content."""
    if own_id:
        return "i" + digest(source, own_id)
    if url:
        return "u" + digest(url)
    return "c" + digest(source, content)


def derived_post_id(*, url: str | None, content: str) -> str:
    """The public `id` of a post that came without one."""
    if url:
        return "u" + digest(url)
    return "c" + digest(content)


def new_token(nbytes: int = 24) -> str:
    """A random URL-safe token (API tokens, acknowledgement links)."""
    return secrets.token_urlsafe(nbytes)
