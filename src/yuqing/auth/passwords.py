"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second choice).

A check against a name nobody has still runs one hash, so the time an answer takes does
not tell whether the name exists.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; a huge one would only cost us time


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a password anyone has")


def check_strength(password: str) -> None:
    """Refuse passwords too short (or absurdly long) with one clear line."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            _("a password needs at least {n} characters").format(n=MIN_LENGTH), where="password"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            _("a password has at most {n} characters").format(n=MAX_LENGTH), where="password"
        )


def hash_password(password: str) -> str:
    """The argon2id hash to store for `password` (after checking its strength)."""
    check_strength(password)
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`; a missing hash still costs one verification."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher().verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when `stored` was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(stored)
