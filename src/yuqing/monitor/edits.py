"""A stored post's edits as people and clients read them: how many, when the last one was
received, and the latest title and text, cut as the first text is where it is shown.

The stored `latest` also holds the keys of the texts seen (`store.text_key`): those are
the store's own and are never shown. A `latest` that is not what the store writes (a
row changed by hand) shows as no latest version rather than failing the page.
"""

from __future__ import annotations

from typing import Any

from yuqing.analysis.sentiment.model import LABELS
from yuqing.monitor.models import StoredPost


def edits_of(post: StoredPost, *, shown: int) -> dict[str, Any]:
    """`edits` (0 when never edited), `edited_at` (ISO text or None) and `latest`
    ({"title", "text", "sentiment"} with the text's first `shown` characters, or None).
    `sentiment` is the label the latest version was classified with as it came (None for
    an edit stored before labels were kept); the post's own label stays its first
    text's, as its events count it."""
    latest = post.latest if isinstance(post.latest, dict) else None
    return {
        "edits": post.edits or 0,
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "latest": {
            "title": _text(latest.get("title")),
            "text": _text(latest.get("text"))[:shown],
            "sentiment": _label(latest.get("sentiment")),
        }
        if latest is not None and post.edits
        else None,
    }


def _label(value: object) -> str | None:
    return value if isinstance(value, str) and value in LABELS else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
