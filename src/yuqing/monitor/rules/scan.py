"""One Aho-Corasick scan of a post for every term of every rule.

The automaton is ahocorasick_rs (Rust), the one `WatchMatcher`'s triggers use too: on
bench/match.py's posts and the 5,643 terms of its 2,000 watches, a full scan costs 14 µs
a post against 19.5 µs for pyahocorasick over UTF-8 bytes, with the same hits.

The scan stays in C (`set(map(...))` over the hits). The rarer work goes through
`str.find` on the folded text, only for the terms that need it: the word-boundary check
of Latin terms (`art` not in `party`) when one was hit, and positions for NEAR only when
a NEAR is actually evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter

from ahocorasick_rs import AhoCorasick

from yuqing.monitor.rules.evaluate import Positions, TermTable
from yuqing.monitor.rules.nodes import is_word_char

_first = itemgetter(0)


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
        self._automaton = AhoCorasick(self._texts) if self._texts else None

    def occurrences(self, text: str, tid: int) -> Iterator[int]:
        """Valid start positions of term `tid` in folded `text`."""
        return occurrences(text, self._texts[tid], left=self._left[tid], right=self._right[tid])

    def scan(self, text: str) -> tuple[set[int], Positions]:
        """Ids of the terms in folded `text`, and a lookup of their positions for NEAR."""
        if self._automaton is None:
            return set(), _NO_POSITIONS
        # Overlapping: a term inside another (or overlapping it) is found as well.
        found = set(map(_first, self._automaton.find_matches_as_indexes(text, overlapping=True)))
        bounded = found & self._bounded
        for tid in bounded:
            # The automaton saw the letters; keep the term only if some hit stands alone.
            if next(self.occurrences(text, tid), None) is None:
                found.discard(tid)
        if found.isdisjoint(self._positional):
            return found, _NO_POSITIONS
        return found, _LazyPositions(text, self)
