"""Repairs of outside values: what a record carries, made safe for every store and output.

CONTRACTS "Post": no value ever stops a run; it is repaired where its meaning is certain,
else its record is refused with a reason. The rules here:

- Text, wherever it is (fields, extra keys and values, nested at any depth): NUL and the
  other C0 control characters but tab, newline and carriage return are dropped (no store
  keeps NUL, and they carry no meaning in text); a lone surrogate becomes U+FFFD (it
  cannot be written as UTF-8; U+FFFD is Unicode's own "a character was here").
- Numbers in extra fields: NaN and ±Infinity have no JSON form (PostgreSQL refuses them)
  and become null; an integer beyond 64 bits becomes its digits as a string (SQLite
  would keep it as an inexact float, PostgreSQL exactly: as text it reads the same on
  both, every digit kept).
- Extra fields nested deeper than `MAX_DEPTH` levels, or holding more than the post size
  limit in text, are refused: nothing real looks like that.
- Counts (`parse_count`): see there.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Control characters or lone surrogates: one scan finds out whether there is work to do.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

MAX_DEPTH = 32  # levels of nesting in extra fields
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
MAX_COUNT = 2**62  # engagement counts are capped: they must fit the store's BIGINT

# "1,234", "3.5", "1.2万", "10万+" (WeChat's views), "3k", "2.1亿": as platforms show counts.
_COUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(万|w|亿|k|m)?\s*\+?", re.IGNORECASE)
_UNITS = {"万": 10**4, "w": 10**4, "亿": 10**8, "k": 10**3, "m": 10**6}


def clean_text(value: str) -> str:
    """Drop NUL and other control characters, lone surrogates become U+FFFD; keep newlines
    and tabs."""
    if _UNSAFE.search(value) is None:  # the common case: nothing to repair
        return value
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return _SURROGATE.sub("\ufffd", value)


def clean_json(value: Any, *, max_chars: int) -> Any:
    """`value` (parsed JSON) with every text repaired and non-finite numbers as null.

    Raises `InvalidInput` when it nests deeper than `MAX_DEPTH` or holds more than
    `max_chars` characters of text.
    """
    budget = [max_chars]
    return _clean(value, 0, budget)


def _clean(value: Any, depth: int, budget: list[int]) -> Any:
    kind = type(value)
    if kind is str:
        budget[0] -= len(value)
        if budget[0] < 0:
            raise InvalidInput(_("extra fields hold too much text"))
        return clean_text(value)
    if kind is int:
        return value if _INT64_MIN <= value <= _INT64_MAX else str(value)
    if kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if depth >= MAX_DEPTH:
        raise InvalidInput(
            _("extra fields nest deeper than {limit} levels").format(limit=MAX_DEPTH)
        )
    if isinstance(value, Mapping):
        return {
            _clean(str(k), depth + 1, budget): _clean(v, depth + 1, budget)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1, budget) for v in value]
    return value


def parse_count(value: Any) -> int | None:
    """A count of reposts, comments, likes or views; None when absent or empty.

    Whole numbers are taken as they are and fractions cut to whole ones; text may be
    written as platforms show it (`1,234`, `1.2万`, `10万+`, `3k`). A count beyond what the
    store holds (`1e400`, Infinity) is capped at `MAX_COUNT`: it means "very many".
    A negative count, NaN, a boolean or other text has no certain meaning: `ValueError`.
    """
    if type(value) is int:
        if value < 0:
            raise ValueError(value)
        return min(value, MAX_COUNT)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if math.isnan(value) or value < 0:
            raise ValueError(value)
        return MAX_COUNT if value >= MAX_COUNT else int(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if not text:
            return None
        match = _COUNT.fullmatch(text)
        if match is None:
            raise ValueError(value)
        number, unit = match.groups()
        amount = float(number.replace(",", "")) * _UNITS[unit.lower()] if unit else None
        if amount is not None:
            return parse_count(amount)
        return parse_count(int(number.replace(",", "").split(".")[0]))
    raise ValueError(value)
