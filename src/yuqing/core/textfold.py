"""Text folding for matching and de-duplication.

Folded text is what rules, dedup and search see: full-width and half-width forms are one
(NFKC), Traditional Chinese becomes Simplified (OpenCC's t2s table, character by
character), Latin letters are lower case. The original text is always kept beside it.

Character-level conversion is deliberate: it is a `str.translate` in C, keeps positions
one to one with the NFKC text, and is what matching needs (phrase-level variants such as
乾隆 are rare in monitoring keywords).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CJK Unified Ideographs, Extension A and the compatibility block: the code points where
# t2s differs character by character.
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    import opencc

    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi)]
    # One character a line, so OpenCC converts each alone (no phrase rules across them).
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC keeps lines
        raise RuntimeError("OpenCC changed the number of lines")
    return {ord(a): b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


@lru_cache(maxsize=1)
def _traditional() -> re.Pattern[str]:
    # One character class of every convertible character: a C-speed `search` tells
    # whether a text needs the (per-character, slower) translation at all.
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_t2s_table())) + "]")


def to_simplified(text: str) -> str:
    """Traditional → Simplified, character by character."""
    if _traditional().search(text) is None:
        return text  # most posts are Simplified already
    return text.translate(_t2s_table())


def fold(text: str) -> str:
    """The folded form of `text`: NFKC width folding, Traditional → Simplified, lower case."""
    if text.isascii():
        return text.lower()
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


_SPACE_RUN = re.compile(r"\s+")


def squash_spaces(text: str) -> str:
    """Collapse runs of white space to one space and trim the ends."""
    return _SPACE_RUN.sub(" ", text).strip()
