"""The keys that find a post already stored (CONTRACTS: same id, or same URL and text).

Kept apart from `store` so that the stateless front, which works them out in worker
processes, does not import SQLAlchemy: every worker would pay for it at start.
"""

from __future__ import annotations

from dataclasses import dataclass

from yuqing.core.ids import digest
from yuqing.monitor.posts import Post


@dataclass(slots=True)
class Keys:
    """A post's store keys: `uid` is unique; `content_key` is "same URL and text"."""

    uid: str
    content_key: str
    by_url: bool

    def __reduce__(self) -> tuple[type[Keys], tuple[str, str, bool]]:
        # Workers send one per record: the constructor unpickles several times faster
        # than a slots dataclass's default field-by-field state.
        return Keys, (self.uid, self.content_key, self.by_url)


def keys_of(post: Post) -> Keys:
    """Store keys of a post (CONTRACTS: same id, or same URL and text, is a duplicate)."""
    if post.url:
        content_key = digest(post.url, post.folded, length=32)
    elif post.has_own_id:
        # Only URL content keys are looked up; an id-only post needs no second hash.
        return Keys(uid="i" + digest(post.source, post.id, length=32), content_key="", by_url=False)
    else:
        content_key = digest("\x01" + post.source, post.folded, length=32)
    uid = "i" + digest(post.source, post.id, length=32) if post.has_own_id else "k" + content_key
    return Keys(uid=uid, content_key=content_key, by_url=post.url is not None)
