"""Identifiers.

A post's id (CONTRACTS): the source's own id when given, otherwise derived from its URL,
otherwise from its content. Derived ids are stable across runs and machines, so
re-ingesting the same posts finds them again.
"""

from __future__ import annotations

import hashlib
import secrets


def digest(*parts: str, length: int = 20) -> str:
    """A short stable hex digest of the parts (NUL-joined, so ('ab','c') != ('a','bc'))."""
    data = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=max(8, (length + 1) // 2)).hexdigest()[:length]


def derived_post_id(*, url: str | None, content: str) -> str:
    """The public `id` of a post that came without one."""
    if url:
        return "u" + digest(url)
    return "c" + digest(content)


def new_token(nbytes: int = 24) -> str:
    """A random URL-safe token (API tokens, acknowledgement links)."""
    return secrets.token_urlsafe(nbytes)
