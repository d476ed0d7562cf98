"""How stored posts are shown on the command line and as JSON."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from yuqing.core.i18n import _
from yuqing.monitor.models import StoredPost


def post_json(post: StoredPost) -> dict[str, Any]:
    """A stored post as a CONTRACTS post object plus its stored fields."""
    out: dict[str, Any] = dict(post.extra or {})
    out.update(
        {
            "id": post.post_id,
            "url": post.url,
            "source": post.source,
            "platform": post.platform,
            "media_tier": post.media_tier,
            "title": post.title,
            "text": post.text,
            "author": post.author,
            "published_at": post.published_at.isoformat(),
            "received_at": post.received_at.isoformat(),
            "lang": post.lang,
            "engagement": post.engagement,
            "watches": post.watches,
            "duplicate_of": post.duplicate_of,
            "copies": post.copies,
        }
    )
    out.update(post.annotations or {})
    return {k: v for k, v in out.items() if v is not None}


def post_line(post: StoredPost, timezone: str) -> str:
    """One line: local time, source, title or the start of the text."""
    when = post.published_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    head = post.title or post.text
    head = " ".join(head.split())[:80]
    copies = " " + _("(+{n} copies)").format(n=post.copies) if post.copies else ""
    return f"{when}\t{post.source or '-'}\t{head}{copies}\t{post.url or ''}"
