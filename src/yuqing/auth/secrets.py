"""Random secrets and how they are kept: session ids, CSRF and API tokens.

Session ids and API tokens are 256 random bits. They are kept as their SHA-256, not
with argon2: a password is guessable and needs a slow, salted hash; a 256-bit random
value cannot be guessed at any hashing speed, and a plain digest can be looked up by an
index in one query on every request. Someone who reads the store still cannot sign in.
"""

from __future__ import annotations

import hashlib
import secrets

SECRET_BYTES = 32


def new_secret() -> str:
    """A new random URL-safe secret of 256 bits."""
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """The hex SHA-256 a secret is stored and looked up as."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets."""
    return secrets.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )
