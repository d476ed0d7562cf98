"""An event's extractive summary: two or three of its own sentences that name its keywords.

Kept incrementally in the stored event's `extra`: a bounded pool of candidate sentences
(`summary_pool`, at most `POOL` of them) grows with each batch's new original posts and is
re-ranked by the event's current keywords; the best `SENTENCES`, in the order they were
first said, are the summary (`summary`). Cost per batch: the new posts' sentences against
a dozen keywords, never the whole event.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from yuqing.core.textfold import fold
from yuqing.monitor.posts import Post

SUMMARY = "summary"
POOL_KEY = "summary_pool"
POOL = 12  # candidate sentences kept per event
SENTENCES = 3  # at most this many in the summary (two when a third adds no keyword)
MIN_CHARS, MAX_CHARS = 8, 160
# Sentence ends, Chinese and Latin; a repost chain ("//@name:") starts a new piece too.
_ENDS = "。！？!?；;.…～~ "
_SPLIT = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+|(?=//@)")
_NOISE = re.compile(
    r"(?:https?://|www\.)\S+|//|@[\w\-·]+:?|\[[^\[\]\s]{1,8}\]|#[^#\s]{1,30}#|\bRT\b:?"
)


# A Latin abbreviation's full stop ends no sentence ("Mingde No. 1 Middle School").
_ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:No|Nos|Mr|Mrs|Ms|Dr|St|Prof|Gov|Sen|Rep|Gen|Col|Lt|Jr|Sr|Inc|Co|Corp|Ltd|"
    r"vs|approx|U\.S|U\.K|e\.g|i\.e)\.$"
)


def _pieces(text: str) -> list[str]:
    pieces: list[str] = []
    for piece in _SPLIT.split(text[:4000]):
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def sentences(text: str) -> list[str]:
    """The readable sentences of a text (URLs, mentions, emoticons and hashtags removed)."""
    out: list[str] = []
    for piece in _pieces(text):
        cleaned = " ".join(_NOISE.sub(" ", piece).split()).strip(" ,，:：")
        if MIN_CHARS <= len(cleaned) <= MAX_CHARS:
            out.append(cleaned)
    return out


def score(sentence: str, keywords: Sequence[str], said: int = 1) -> float:
    """Keywords the sentence names (the event's heaviest count most), a little less for a
    long sentence, more for one said by several posts (reposts quoting it: central)."""
    folded = fold(sentence)
    hits = sum(1.0 / (1.0 + 0.25 * rank) for rank, word in enumerate(keywords) if word in folded)
    return hits / (1.0 + len(sentence) / 120.0) * (1.0 + 0.5 * math.log(max(1, said)))


def update(
    extra: Mapping[str, Any], posts: Iterable[Post], keywords: Sequence[str]
) -> dict[str, Any]:
    """`extra` with the summary pool and summary updated by `posts` (a new dict).

    Pool entries are `[sentence, first said (Unix seconds), posts that said it]`.
    """
    pool: dict[str, list[Any]] = {}
    for item in extra.get(POOL_KEY, []):
        if _valid(item):
            text, at, said = item[0], float(item[1]), int(item[2]) if len(item) > 2 else 1
            pool.setdefault(_key(text), [text, at, said])
    for post in posts:
        if post.duplicate_of is not None:
            continue  # a copy says nothing its original did not
        at = post.published_at.timestamp()
        text = post.text if not post.title else f"{post.title}{_title_end(post.title)}{post.text}"
        for key, sentence in {_key(s): s for s in sentences(text)}.items():
            entry = pool.get(key)
            if entry is None:
                pool[key] = [sentence, at, 1]
            else:
                entry[1] = min(entry[1], at)
                entry[2] += 1
    # Each sentence scored once (folding is most of the cost); ties: the earlier said.
    scored = sorted(
        ((score(text, keywords, said), at, text, said) for text, at, said in pool.values()),
        key=lambda item: (-item[0], item[1]),
    )
    kept = [[text, at, said] for _, at, text, said in scored[:POOL]]
    chosen = [(at, text) for points, at, text, _ in scored[:SENTENCES] if points > 0.0]
    if len(chosen) == SENTENCES and not _adds(chosen[-1][1], [t for _, t in chosen[:-1]], keywords):
        chosen = chosen[:-1]
    if not chosen:
        chosen = sorted((at, text) for text, at, _ in kept)[:2]
    return {**extra, POOL_KEY: kept, SUMMARY: [text for _, text in sorted(chosen)]}


def _title_end(title: str) -> str:
    # A headline ends as a sentence of its own script ("…hospital." not "…hospital。").
    if title[-1] in _ENDS:
        return "\n"
    return ". " if title[-1].isascii() else "。"


def summary_of(extra: Mapping[str, Any]) -> list[str]:
    """The stored summary sentences of an event (none before its first batch)."""
    value = extra.get(SUMMARY)
    return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []


def joined(summary: Sequence[str]) -> str:
    """The sentences as one paragraph: a sentence that lost its final mark (a title, a
    line break) gets one, so two never run together."""
    out = []
    for sentence in summary:
        if sentence and sentence[-1] not in _ENDS:
            sentence += "." if sentence[-1].isascii() else "。"
        out.append(sentence)
    return " ".join(out) if all(s.isascii() for s in out) else "".join(out)


def _adds(sentence: str, before: Sequence[str], keywords: Sequence[str]) -> bool:
    named = {w for text in before for w in keywords if w in fold(text)}
    return any(w in fold(sentence) and w not in named for w in keywords)


def _key(sentence: str) -> str:
    # The same sentence with or without its final mark, in either script, is one.
    return fold(sentence).rstrip(_ENDS)


def _valid(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) in (2, 3)
        and isinstance(item[0], str)
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in item[1:])
    )
