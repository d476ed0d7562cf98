"""Which rules a post can match: one automaton over each rule's rarest required clause.

A rule like `(市一院 | 第一人民医院) & (纠纷 | 冲突) & -招聘` can only match a post that holds
one of 市一院 / 第一人民医院, so those two terms alone are its *trigger*: the automaton is
built over triggers only, not every term. Common words (纠纷, 事故) recur in posts and
across rules; left out of the automaton, they no longer flood each scan with hits, and
the automaton itself is smaller and faster to walk. Each pattern maps to the tuple of
rules it wakes, so a scan's hits become the woken set in one C-level union.

A hit only wakes a rule; the rule's own test then decides (`direct`), so a trigger may
over-approximate freely (a Latin term hit inside a longer word, say) but never miss.
Rules with no required term (`-广告`) are woken for every post.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter

from ahocorasick_rs import AhoCorasick

from yuqing.monitor.rules.evaluate import TermTable, trigger_of
from yuqing.monitor.rules.nodes import Node, terms_of

_first = itemgetter(0)


def watch_counts(nodes: Sequence[Node], table: TermTable) -> list[int]:
    """For each term id of `table` (filled here), how many of `nodes` use the term."""
    per_node = [{table.id(term) for term in terms_of(node)} for node in nodes]
    used = [0] * len(table.texts)
    for ids in per_node:
        for tid in ids:
            used[tid] += 1
    return used


class Triggers:
    """Maps a folded post to the indexes of the rules it may match."""

    def __init__(
        self, nodes: Sequence[Node], table: TermTable, cost: Callable[[int], float]
    ) -> None:
        wakes: dict[int, list[int]] = {}
        always: list[int] = []
        for index, node in enumerate(nodes):
            trigger = trigger_of(node, table, cost)
            if trigger is None:
                always.append(index)
                continue
            for tid in trigger:
                wakes.setdefault(tid, []).append(index)
        self.always = frozenset(always)
        self.terms = frozenset(wakes)  # the trigger term ids, for tuning and tests
        self._wakes = [tuple(indexes) for indexes in wakes.values()]
        self._automaton: AhoCorasick | None = None
        if wakes:
            # ahocorasick_rs (Rust), measured on bench/match.py: walking a few thousand CJK
            # triggers costs about two thirds of pyahocorasick's over UTF-8 bytes, the
            # walk being most of the matching time. Its default picks the automaton kind.
            self._automaton = AhoCorasick([table.texts[tid] for tid in wakes])

    def woken(self, folded: str) -> frozenset[int]:
        """Indexes of the rules a post wakes (a superset of those it matches)."""
        if self._automaton is None:
            return self.always
        # Overlapping: a trigger inside another must still wake its rules.
        hits = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        return self.always.union(*map(self._wakes.__getitem__, map(_first, hits)))
