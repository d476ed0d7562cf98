"""Types for request parameters and body fields that the store must be able to hold."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

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


# In a body's texts (statements, reviews, pasted from Windows) CR is text too.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def holds_control(value: object) -> bool:
    """Whether a body value (text, or lists and mappings of it, keys included) holds a
    character no stored text may hold: NUL, which PostgreSQL refuses, other C0 controls
    but tab, CR and LF, DEL, lone surrogates."""
    if isinstance(value, str):
        return _BODY_CONTROL.search(value) is not None
    if isinstance(value, list | tuple):
        return any(holds_control(v) for v in value)
    if isinstance(value, dict):
        return any(holds_control(k) or holds_control(v) for k, v in value.items())
    return False


# The longest text a body field takes: a statement, a fact sheet, a review (a post's
# text limit, YUQING_MAX_POST_BYTES, is as large). Lists of ids take at most MAX_ITEMS.
MAX_TEXT = 1_048_576
MAX_ITEMS = 1000


class BodyIn(BaseModel):
    """A request body of the incidents and reports API: an unknown key is refused with its
    name, no text is longer than `MAX_TEXT`, and no text holds a control character (a
    422 naming the field, never a 500 from PostgreSQL's refusal of NUL)."""

    model_config = ConfigDict(extra="forbid", str_max_length=MAX_TEXT)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control(cls, value: object) -> object:
        if holds_control(value):
            # pydantic words the rest of the problem in English; this part follows it.
            raise ValueError("must not contain control characters")
        return value


PlainStr = Annotated[str, AfterValidator(_printable)]
"""A string with no control characters: a 422 naming the field, never a 500 from the store."""
