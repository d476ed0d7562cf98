"""An event's extractive summary: two or three of its own sentences that name its keywords.

Kept incrementally in the stored event's `extra`: a bounded pool of candidate sentences
(`summary_pool`, at most `POOL` of them) grows with each batch's new original posts and is
re-ranked by the event's current keywords; the best `SENTENCES`, in the order they were
first said, are the summary (`summary`). Cost per batch: the new posts' sentences against
a dozen keywords, never the whole event.
"""

from __future__ import annotations

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
_SPLIT = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+|(?=//@)")
_NOISE = re.compile(
    r"(?:https?://|www\.)\S+|//|@[\w\-·]+:?|\[[^\[\]\s]{1,8}\]|#[^#\s]{1,30}#|\bRT\b:?"
)


def sentences(text: str) -> list[str]:
    """The readable sentences of a text (URLs, mentions, emoticons and hashtags removed)."""
    out: list[str] = []
    for piece in _SPLIT.split(text[:4000]):
        cleaned = " ".join(_NOISE.sub(" ", piece).split()).strip(" ,，:：")
        if MIN_CHARS <= len(cleaned) <= MAX_CHARS:
            out.append(cleaned)
    return out


def score(sentence: str, keywords: Sequence[str]) -> float:
    """Keywords the sentence names, the event's heaviest counting most, per its length."""
    folded = fold(sentence)
    hits = sum(1.0 / (1.0 + 0.25 * rank) for rank, word in enumerate(keywords) if word in folded)
    return hits / (1.0 + len(sentence) / 80.0)


def update(
    extra: Mapping[str, Any], posts: Iterable[Post], keywords: Sequence[str]
) -> dict[str, Any]:
    """`extra` with the summary pool and summary updated by `posts` (a new dict)."""
    pool: list[list[Any]] = [list(item) for item in extra.get(POOL_KEY, []) if _valid(item)]
    seen = {fold(text) for text, _ in pool}
    for post in posts:
        if post.duplicate_of is not None:
            continue  # a copy says nothing its original did not
        at = post.published_at.timestamp()
        for sentence in sentences(post.text if not post.title else f"{post.title}。{post.text}"):
            key = fold(sentence)
            if key not in seen:
                seen.add(key)
                pool.append([sentence, at])
    ranked = sorted(pool, key=lambda item: (-score(item[0], keywords), item[1]))
    pool = ranked[:POOL]
    chosen = [item for item in pool[:SENTENCES] if score(item[0], keywords) > 0.0]
    if len(chosen) == SENTENCES and not _adds(chosen[-1][0], chosen[:-1], keywords):
        chosen = chosen[:-1]
    if not chosen:
        chosen = sorted(pool, key=lambda item: item[1])[:2]
    summary = [text for text, _ in sorted(chosen, key=lambda item: item[1])]
    return {**extra, POOL_KEY: pool, SUMMARY: summary}


def summary_of(extra: Mapping[str, Any]) -> list[str]:
    """The stored summary sentences of an event (none before its first batch)."""
    value = extra.get(SUMMARY)
    return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []


def _adds(sentence: str, before: Sequence[list[Any]], keywords: Sequence[str]) -> bool:
    named = {w for text, _ in before for w in keywords if w in fold(text)}
    return any(w in fold(sentence) and w not in named for w in keywords)


def _valid(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], int | float)
    )
