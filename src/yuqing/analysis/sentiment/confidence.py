"""Which posts' sentiment counts in an event's tone (negative and positive counts).

A post's `sentiment` annotation carries a calibrated `confidence` (the probability that
its label is right, docs/sentiment.md). With YUQING_SENTIMENT_MIN_CONFIDENCE set, a post
below it counts as neither negative nor positive: its event's negative share then leaves
uncertain posts out of the negative side. A post without a confidence (classified by an
older model, or read back from the store, which keeps label and score only) counts.

Kept apart from model.py so the event facts need not import numpy.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def counted_label(sentiment: Mapping[str, Any] | None, min_confidence: float) -> str | None:
    """The label a post adds to its events' tone, or None (no label, or too uncertain)."""
    if not sentiment:
        return None
    label = sentiment.get("label")
    confidence = sentiment.get("confidence")
    if min_confidence > 0 and isinstance(confidence, int | float) and confidence < min_confidence:
        return None
    return label if isinstance(label, str) else None


@lru_cache(maxsize=1)
def default_min_confidence() -> float:
    """YUQING_SENTIMENT_MIN_CONFIDENCE of this process (read once)."""
    from yuqing.core.settings import load_settings

    return load_settings().sentiment_min_confidence
