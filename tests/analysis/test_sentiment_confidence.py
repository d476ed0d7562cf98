"""The confidence threshold of an event's tone (YUQING_SENTIMENT_MIN_CONFIDENCE)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from yuqing.analysis import facts
from yuqing.analysis.sentiment import confidence
from yuqing.analysis.sentiment.confidence import counted_label
from yuqing.core.errors import InvalidInput
from yuqing.core.settings import load_settings
from yuqing.monitor.posts import Post

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_uncertain_posts_count_as_neither_side() -> None:
    sure = {"label": "negative", "score": -0.8, "confidence": 0.9}
    unsure = {"label": "negative", "score": -0.1, "confidence": 0.45}
    old = {"label": "negative", "score": -0.5}  # read back from the store: no confidence
    assert counted_label(sure, 0.6) == "negative"
    assert counted_label(unsure, 0.6) is None
    assert counted_label(unsure, 0.0) == "negative"
    assert counted_label(old, 0.6) == "negative"
    assert counted_label(None, 0.6) is None


def test_setting_is_a_share(tmp_path: object) -> None:
    home = {"YUQING_HOME": str(tmp_path)}
    assert load_settings(home).sentiment_min_confidence == 0.0
    got = load_settings({**home, "YUQING_SENTIMENT_MIN_CONFIDENCE": "0.6"})
    assert got.sentiment_min_confidence == 0.6
    for bad in ("1.5", "high", "-0.1"):
        with pytest.raises(InvalidInput, match="YUQING_SENTIMENT_MIN_CONFIDENCE"):
            load_settings({**home, "YUQING_SENTIMENT_MIN_CONFIDENCE": bad})


@pytest.fixture
def threshold(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[None]:
    monkeypatch.setenv("YUQING_HOME", str(tmp_path))
    monkeypatch.setenv("YUQING_SENTIMENT_MIN_CONFIDENCE", "0.6")
    confidence.default_min_confidence.cache_clear()
    yield
    confidence.default_min_confidence.cache_clear()


def _post(i: int, label: str, conf: float) -> tuple[Post, int]:
    sentiment = {"label": label, "score": 0.0, "confidence": conf}
    post = Post(id=f"p{i}", title="", text="x", published_at=NOW, received_at=NOW,
                source="weibo", annotations={"sentiment": sentiment, "event_id": "ev"})  # fmt: skip
    return post, i


@pytest.mark.usefixtures("threshold")
def test_event_negative_share_leaves_out_uncertain_posts() -> None:
    posts = [_post(1, "negative", 0.9), _post(2, "negative", 0.5), _post(3, "positive", 0.4),
             _post(4, "neutral", 0.8)]  # fmt: skip
    event = facts._new_event("ev", posts, NOW, partition="")
    facts._apply(event, posts, NOW, known=facts._Known())
    assert (event.posts, event.negative, event.positive) == (4, 1, 0)
