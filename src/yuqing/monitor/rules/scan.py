"""One Aho-Corasick scan of a post for every term of every rule.

The automaton runs over UTF-8 bytes (held in a latin-1 `str`, one character a byte), not
over characters: pyahocorasick finds a trie node's child by a linear search, and a root
with one child per distinct CJK character (hundreds) costs on every character; over bytes
no node has more than a few dozen children. UTF-8 is self-synchronizing, so a term's
bytes can only match where a character starts: no false hits across characters.

The scan stays in C (`set(map(...))` over the hits). The rarer work goes through
`str.find` on the folded text, only for the terms that need it: the word-boundary check
of Latin terms (`art` not in `party`) when one was hit, and positions for NEAR only when
a NEAR is actually evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter
from typing import Any

import ahocorasick

from yuqing.monitor.rules.evaluate import Positions, TermTable
from yuqing.monitor.rules.nodes import is_word_char

_second = itemgetter(1)


def as_bytes(text: str) -> str:
    """The UTF-8 bytes of `text`, one latin-1 character a byte."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def occurrences(text: str, term: str, *, left: bool, right: bool) -> Iterator[int]:
    """Start positions of `term` in `text` (overlapping ones too) that pass the boundary rule."""
    size, length = len(term), len(text)
    i = text.find(term)
    while i >= 0:
        if not (left and i > 0 and is_word_char(text[i - 1])) and not (
            right and i + size < length and is_word_char(text[i + size])
        ):
            yield i
        i = text.find(term, i + 1)


class _NoPositions:
    __slots__ = ()

    def get(self, tid: int, /) -> list[int] | None:
        return None


_NO_POSITIONS = _NoPositions()


class _LazyPositions:
    """Positions computed on first use: most NEAR tests are cut short before they need them."""

    __slots__ = ("_cache", "_scanner", "_text")

    def __init__(self, text: str, scanner: Scanner) -> None:
        self._text = text
        self._scanner = scanner
        self._cache: dict[int, list[int]] = {}

    def get(self, tid: int, /) -> list[int] | None:
        found = self._cache.get(tid)
        if found is None:
            found = self._cache[tid] = list(self._scanner.occurrences(self._text, tid))
        return found or None


class Scanner:
    """Finds the terms of a `TermTable` in folded text with one Aho-Corasick automaton."""

    def __init__(self, table: TermTable) -> None:
        self._texts = list(table.texts)
        self._left = [is_word_char(text[0]) for text in self._texts]
        self._right = [is_word_char(text[-1]) for text in self._texts]
        self._bounded = frozenset(
            i for i, t in enumerate(self._texts) if is_word_char(t[0]) or is_word_char(t[-1])
        )
        self._positional = frozenset(table.positional)
        self._automaton: Any = None
        if self._texts:
            encoded = [as_bytes(text) for text in self._texts]
            self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            # Children are searched in insertion order: CJK first, as posts mostly are.
            for i in sorted(range(len(encoded)), key=lambda i: encoded[i].isascii()):
                self._automaton.add_word(encoded[i], i)
            self._automaton.make_automaton()

    def occurrences(self, text: str, tid: int) -> Iterator[int]:
        """Valid start positions of term `tid` in folded `text`."""
        return occurrences(text, self._texts[tid], left=self._left[tid], right=self._right[tid])

    def scan(self, text: str) -> tuple[set[int], Positions]:
        """Ids of the terms in folded `text`, and a lookup of their positions for NEAR."""
        if self._automaton is None:
            return set(), _NO_POSITIONS
        found = set(map(_second, self._automaton.iter(as_bytes(text))))
        bounded = found & self._bounded
        for tid in bounded:
            # The automaton saw the letters; keep the term only if some hit stands alone.
            if next(self.occurrences(text, tid), None) is None:
                found.discard(tid)
        if found.isdisjoint(self._positional):
            return found, _NO_POSITIONS
        return found, _LazyPositions(text, self)
