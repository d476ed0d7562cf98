"""Types for request parameters and body fields that the store must be able to hold."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, Field

MAX_ID = 2**63 - 1  # the store's BIGINT: a larger id cannot exist, and PostgreSQL refuses it

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""A row id in a route's path: 1 to 2⁶³−1, else a 422 naming it (never a 500 from the store)."""

StoreId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row id in a request body, checked the same way."""

# NUL, which PostgreSQL refuses in text, the other C0 controls but tab and newline, DEL,
# and lone surrogates, which no encoding can write.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def has_control(value: str) -> bool:
    """Whether `value` holds a character no name or label has (NUL, controls, surrogates)."""
    return _CONTROL.search(value) is not None


def without_control(value: str) -> str:
    """`value` with those characters dropped."""
    return _CONTROL.sub("", value)


def _printable(value: str) -> str:
    if has_control(value):
        # pydantic words the rest of the problem in English; this part follows it.
        raise ValueError("must not contain control characters")
    return value


PlainStr = Annotated[str, AfterValidator(_printable)]
"""A string with no control characters: a 422 naming the field, never a 500 from the store."""
