"""The post: the unit of everything (CONTRACTS "Post").

`Post` is what flows through the pipeline steps. It keeps the original text (and HTML)
beside the folded text that rules, dedup and search read. Steps add their annotations
(`duplicate_of`, `watches`, …) in place; `to_json()` writes the CONTRACTS object back
with those fields added.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal

Platform = Literal[
    "news", "portal", "forum", "microblog", "wechat", "video", "qa", "board", "other"
]
MediaTier = Literal["central", "provincial", "municipal", "local", "self"]

PLATFORMS: tuple[str, ...] = (
    "news",
    "portal",
    "forum",
    "microblog",
    "wechat",
    "video",
    "qa",
    "board",
    "other",
)
# Highest first: the order in which an event's spread is read (PRODUCT §2).
MEDIA_TIERS: tuple[str, ...] = ("central", "provincial", "municipal", "local", "self")
ENGAGEMENT_KEYS: tuple[str, ...] = ("reposts", "comments", "likes", "views")

# The CONTRACTS fields; anything else a post carries is kept in `extra`.
KNOWN_FIELDS = frozenset(
    {
        "id",
        "url",
        "source",
        "platform",
        "media_tier",
        "title",
        "text",
        "author",
        "published_at",
        "lang",
        "engagement",
    }
)


@dataclass(slots=True)
class Post:
    id: str
    title: str
    text: str  # plain text (HTML turned into text)
    published_at: datetime  # aware UTC
    received_at: datetime  # aware UTC: when YuQing got it
    url: str | None = None
    source: str = ""
    platform: str | None = None
    media_tier: str | None = None
    author: str | None = None
    lang: str = "und"
    engagement: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    html: str | None = None  # the original when the text came as HTML
    folded: str = ""  # fold(title + "\n" + text): what rules and dedup read
    has_own_id: bool = False  # the source gave the id (else it was derived)
    line: int | None = None  # where it was read, for error messages
    # Annotations the steps add.
    duplicate_of: str | None = None
    watches: list[str] = field(default_factory=list)
    annotations: dict[str, Any] = field(default_factory=dict)
    # What stateless steps computed from the post for stateful ones (dedup sketch, event
    # words): worked out in the front's worker processes, read in the pipeline's own.
    # Not part of the post's JSON.
    derived: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple[type[Post], tuple[Any, ...]]:
        # Kept posts come back from the front's worker processes: the constructor, with
        # every field in order, unpickles far faster than a slots dataclass's state.
        return Post, _all_fields(self)

    def to_json(self) -> dict[str, Any]:
        """The CONTRACTS object of this post, with the annotations added so far."""
        out: dict[str, Any] = dict(self.extra)
        out["id"] = self.id
        if self.url is not None:
            out["url"] = self.url
        if self.source:
            out["source"] = self.source
        if self.platform is not None:
            out["platform"] = self.platform
        if self.media_tier is not None:
            out["media_tier"] = self.media_tier
        if self.title:
            out["title"] = self.title
        out["text"] = self.html if self.html is not None else self.text
        if self.author is not None:
            out["author"] = self.author
        out["published_at"] = self.published_at.isoformat()
        out["lang"] = self.lang
        if self.engagement:
            out["engagement"] = dict(self.engagement)
        out.update(self.annotations)
        return out


_all_fields = attrgetter(*(f.name for f in fields(Post)))


def reply_parent(post: Post) -> str | None:
    """The id or URL of the post `post` answers (CONTRACTS `reply_to`), if any: a numeric
    Weibo id counts, a post naming itself does not. The pipeline keeps a reply by it and
    the clusterer joins a reply to its parent's event by it."""
    parent = post.extra.get("reply_to")
    if isinstance(parent, int) and not isinstance(parent, bool):
        parent = str(parent)
    if isinstance(parent, str):
        parent = parent.strip()
        if parent and parent != post.id and parent != post.url:
            return parent
    return None
