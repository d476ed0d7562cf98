"""TF-IDF vectors with an online, decaying document-frequency estimate.

Vectors are sparse dicts word → weight with unit length. Document frequencies are learnt
from the stream itself (no corpus ships with the package) and decay, so a word that is
everywhere this week counts little this week, and memory stays bounded: rare words fade
out of the table.
"""

from __future__ import annotations

import math

# Counter's counting loop (C in CPython, Python elsewhere), without Counter's overhead.
from collections import _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, repeat
from operator import itemgetter, mul
from typing import Any

Vector = dict[str, float]
# What `DocumentFrequency.begin` saves: n_docs, since_decay, the table, its words' old counts.
_Saved = tuple[float, int, dict[str, float], dict[str, "float | None"]]


class DocumentFrequency:
    """Online document frequencies with exponential forgetting and a bounded table."""

    def __init__(
        self, *, half_life_docs: float = 20_000.0, max_terms: int = 200_000, min_docs: float = 50.0
    ) -> None:
        self.half_life_docs = half_life_docs
        self.max_terms = max_terms
        # Until the stream has this many documents, idf is damped towards 1: the first
        # posts would otherwise see every word as rare.
        self.min_docs = min_docs
        self.n_docs = 0.0
        self.df: dict[str, float] = {}
        self._since_decay = 0
        # While a batch is open: (n_docs, since_decay, the table, its words' old counts).
        self._batch: _Saved | None = None
        # Batches begun before the open one and not committed yet, oldest first: a
        # pipeline that overlaps batches opens the next before the last is stored.
        self._outer: list[_Saved] = []
        # Background prior (`use_prior`): Chinese word → expected count in `prior_docs`
        # ordinary posts, added to the stream's counts. Shipped, never learnt or saved.
        self.prior: dict[str, float] | None = None
        self.prior_docs = 0.0
        # Taken off a Chinese word's idf in its weight (`use_prior`; 1: the plain idf).
        self.prior_offset = 0.0
        # `background_idf` of each prior word and of a word the prior lacks, worked out
        # once (`chinese_background_idfs`): the prior never changes while it is used.
        self._prior_idf: tuple[dict[str, float], float] | None = None

    def use_prior(self, counts: dict[str, float], docs: float, *, offset: float = 0.0) -> None:
        """Count `docs` background posts with these word counts beside the stream's
        (Chinese words only: see `events/background.py`). A Chinese word's weight in a
        vector then takes `offset` off its idf (1: the plain ln(N / df), without the
        smoothed idf's floor of 1); `idf` and `background_idf` are unchanged."""
        self.prior, self.prior_docs = (counts, docs) if docs > 0 else (None, 0.0)
        self.prior_offset = offset if docs > 0 else 0.0
        self._prior_idf = None

    def begin(self) -> None:
        """Start a batch: `rollback` forgets the documents learnt from here on. A batch
        may begin while earlier ones are open (nested): each keeps its own old counts."""
        if self._batch is not None:
            self._outer.append(self._batch)
        self._batch = (self.n_docs, self._since_decay, self.df, {})

    def commit(self) -> None:
        """Keep what the oldest open batch learnt."""
        if self._outer:
            del self._outer[0]
        else:
            self._batch = None

    def rollback(self) -> None:
        """Forget what the newest open batch learnt: the counts are those of when it began."""
        if self._batch is None:
            return
        self.n_docs, self._since_decay, self.df, old = self._batch
        self._batch = self._outer.pop() if self._outer else None
        # A decay during the batch made a new table: the old one only needs its counts back.
        for word, count in old.items():
            if count is None:
                del self.df[word]
            else:
                self.df[word] = count

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency of `word` (≥ 1)."""
        n = max(self.n_docs, self.min_docs)
        return math.log((n + 1.0) / (self.df.get(word, 0.0) + 1.0)) + 1.0

    def background_idf(self, word: str) -> float:
        """How rare `word` is in ordinary posts (`use_prior`): ln((K + 1) / (count + 1)) + 1
        for a Chinese word, whatever this stream says; the stream's idf for other words."""
        prior = self.prior
        if prior is None or not "\u3400" <= word[-1] <= "\u9fff":
            return self.idf(word)
        return math.log((self.prior_docs + 1.0) / (prior.get(word, 0.0) + 1.0)) + 1.0

    def chinese_background_idfs(self, words: Iterable[str]) -> Iterator[float]:
        """`background_idf` of each of `words`, all of them Chinese words: the same
        floats, read from a table instead of a call and a logarithm per word (an event's
        `opening` sums them for every new event)."""
        prior = self.prior
        if prior is None:
            return map(self.idf, words)
        if self._prior_idf is None:
            top = self.prior_docs + 1.0
            table = {w: math.log(top / (c + 1.0)) + 1.0 for w, c in prior.items()}
            self._prior_idf = (table, math.log(top / (0.0 + 1.0)) + 1.0)
        table, unseen = self._prior_idf
        return map(table.get, words, repeat(unseen))

    def learn(self, words: Iterable[str]) -> None:
        """Count one document's distinct words."""
        self.n_docs += 1.0
        df = self.df
        distinct = set(words)
        batch = self._batch
        if batch is not None and batch[2] is df:
            old, get = batch[3], df.get
            for w in distinct:
                if w not in old:
                    old[w] = get(w)
        for w in distinct:
            df[w] = df.get(w, 0.0) + 1.0
        self._since_decay += 1
        # Decay in steps, not per document: one pass over the table every 1,000 posts.
        if self._since_decay >= 1000 or len(df) > self.max_terms:
            self._decay()

    def _decay(self) -> None:
        factor = 0.5 ** (self._since_decay / self.half_life_docs)
        self._since_decay = 0
        self.n_docs *= factor
        kept = {w: c * factor for w, c in self.df.items() if c * factor >= 0.5}
        if len(kept) > self.max_terms:
            # What heapq.nlargest returns (as its documentation says), by one C sort: 0.4
            # instead of 5 s for 150,000 of 200,000 words.
            ranked = sorted(kept.items(), key=_weight, reverse=True)
            kept = dict(ranked[: self.max_terms * 3 // 4])
        self.df = kept

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe state."""
        return {"n_docs": self.n_docs, "df": self.df, "since_decay": self._since_decay}

    def load_json(self, state: dict[str, Any], *, shared: Callable[[str], str] = str) -> None:
        """Restore a state from `to_json()` (`shared`: as in `Event.from_json`)."""
        self.n_docs = float(state["n_docs"])
        self.df = {shared(str(k)): float(v) for k, v in state["df"].items()}
        self._since_decay = int(state["since_decay"])


# The weight of a (word, weight) item: a C-level key, called for every item of a vector.
_weight = itemgetter(1)


def word_counts(words: Iterable[str]) -> dict[str, int]:
    """How often each word occurs, in the order words first occur (as `Counter`)."""
    counts: dict[str, int] = {}
    # Counter's own C counting loop, into a plain dict: Counter(words) costs an ABC
    # check and a Python-level update on every post.
    _count_elements(counts, words)
    return counts


def tfidf(words: list[str], df: DocumentFrequency, *, max_terms: int = 40) -> Vector:
    """Unit-length TF-IDF vector of `words`, keeping the `max_terms` heaviest."""
    return tfidf_of_counts(word_counts(words), df, max_terms=max_terms)


def tfidf_of_counts(
    counts: dict[str, int], df: DocumentFrequency, *, max_terms: int = 40
) -> Vector:
    """`tfidf` of a document given as `word_counts` (each word once, first occurrence
    first: ties among the heaviest keep that order)."""
    if not counts:
        return {}
    if df.prior is not None:
        return _tfidf_with_prior(counts, df, df.prior, max_terms=max_terms)
    # DocumentFrequency.idf inlined: this runs for every post, on every word.
    log, table = math.log, df.df
    base = log(max(df.n_docs, df.min_docs) + 1.0) + 1.0
    vec = {
        w: (1.0 + log(c) if c > 1 else 1.0) * (base - log(table.get(w, 0.0) + 1.0))
        for w, c in counts.items()
    }
    if len(vec) > max_terms:
        # What heapq.nlargest returns (ties keep their first occurrence), by one C sort.
        vec = dict(sorted(vec.items(), key=_weight, reverse=True)[:max_terms])
    values = vec.values()
    norm = math.sqrt(sum(map(mul, values, values)))
    return {w: v / norm for w, v in vec.items()}


def _tfidf_with_prior(
    counts: dict[str, int], df: DocumentFrequency, prior: dict[str, float], *, max_terms: int
) -> Vector:
    """`tfidf` where Chinese words also count `df.prior_docs` background posts: idf =
    log((n + K + 1) / (df + prior + 1)) + 1 − `df.prior_offset` (with the offset 1, the
    plain idf: a word in nearly every post of the stream and of the background weighs
    nearly nothing, not 1). Other scripts keep the stream's idf alone."""
    log, table = math.log, df.df
    n = max(df.n_docs, df.min_docs)
    base = log(n + 1.0) + 1.0
    with_prior = log(n + df.prior_docs + 1.0) + 1.0 - df.prior_offset
    # One comprehension (no Python loop body): this runs for every post, on every word.
    # "\u3400" <= last character <= "\u9fff": a Chinese word (`background.is_cjk_word`).
    vec = {
        w: (1.0 + log(c) if c > 1 else 1.0)
        * (
            with_prior - log(table.get(w, 0.0) + prior.get(w, 0.0) + 1.0)
            if "\u3400" <= w[-1] <= "\u9fff"
            else base - log(table.get(w, 0.0) + 1.0)
        )
        for w, c in counts.items()
    }
    if len(vec) > max_terms:
        vec = dict(sorted(vec.items(), key=_weight, reverse=True)[:max_terms])
    values = vec.values()
    norm = math.sqrt(sum(map(mul, values, values)))
    if norm <= 0.0:
        return {}  # only words in every post (plain idf 0): nothing to tell stories apart
    return {w: v / norm for w, v in vec.items() if v > 0.0}


def top_terms(vec: Vector, k: int) -> list[str]:
    """The `k` heaviest words of `vec`, heaviest first (ties by word, for determinism)."""
    # Two C-level sorts and no Python loop: by word, then stably by weight (a reverse
    # sort keeps equal keys in their order). Ties are common: words seen equally often
    # get equal weights.
    if 0 < k * 2 <= len(vec):
        # Only the words as heavy as the k-th heaviest weight can be among the first k:
        # sorting those alone (after one sort of the floats, cheaper than one of the
        # words) gives the same list, about a third faster for a centroid's few keywords.
        kth = sorted(vec.values(), reverse=True)[k - 1]
        words = list(compress(vec, map(kth.__le__, vec.values())))
        words.sort()
    else:
        words = sorted(vec)
    words.sort(key=vec.__getitem__, reverse=True)
    return words[:k]


def cosine_without(vec: Vector, weights: Vector, norm: float, left_out: frozenset[str]) -> float:
    """The cosine of `vec` with `weights` (whose length is `norm`) as if neither had the
    words `left_out` (either may be a sum of vectors, not of unit length)."""
    kept = {word: weight for word, weight in vec.items() if word not in left_out}
    return cosine_of_kept(kept, weights, norm, left_out)


def cosine_of_kept(kept: Vector, weights: Vector, norm: float, left_out: frozenset[str]) -> float:
    """`cosine_without` for a vector whose words `left_out` are already out (`kept`): a
    post compared with many events leaves them out once."""
    get = weights.get
    values = kept.values()
    length = sum(map(mul, values, values))
    dot: float = sum(map(mul, values, map(get, kept.keys(), repeat(0.0))))
    rest = norm * norm - sum(get(word, 0.0) ** 2 for word in left_out)
    if length <= 0.0 or rest <= 1e-12:
        return 0.0
    return dot / math.sqrt(length * rest)
