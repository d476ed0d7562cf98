"""The live event, its public summary and the result of assigning one post."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import mul
from typing import Any

from yuqing.analysis.events.vectorize import Vector, top_terms

TITLE_CHARS = 80
_TITLE_NOISE = re.compile(r"(?:https?://|www\.)\S+|@[\w\-·]+:?|\bRT\b:?")


@dataclass(frozen=True, slots=True)
class Assignment:
    """Which event a post joined, whether it opened it, and how close it was."""

    event_id: str
    is_new: bool
    similarity: float
    # "new", "similar", "copy" (dedup said so), "reply" (its `reply_to` parent's event),
    # "repeat" (same words)
    reason: str
    # The event this post's placement merged into `event_id` (its runner-up, close to
    # it: `ClusterConfig.merge_threshold`), whose earlier posts the store moves over.
    merged: str | None = None


@dataclass(frozen=True, slots=True)
class EventSummary:
    """What the store keeps of an event: title, keywords, first post, time span, size."""

    event_id: str
    partition: str
    title: str
    keywords: list[str]
    first_post_id: str
    first_at: datetime
    last_at: datetime
    size: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {
            "event_id": self.event_id,
            "partition": self.partition,
            "title": self.title,
            "keywords": list(self.keywords),
            "first_post_id": self.first_post_id,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "size": self.size,
        }


@dataclass(slots=True)
class Event:
    """A live event: its centroid (sum of unit TF-IDF vectors) and its facts."""

    id: str
    partition: str
    seq: int  # creation order: breaks similarity ties deterministically
    title: str
    first_post_id: str
    first_at: datetime
    last_at: datetime
    size: int = 0
    centroid: Vector = field(default_factory=dict)
    norm: float = 0.0
    indexed: list[str] = field(default_factory=list)  # words under which the index finds it
    heat: float = 0.0  # posts joined, each decayed by its age as of last_at (half-lives)
    watches: set[str] = field(default_factory=set)  # the watches its posts matched
    # The sum of the longer vectors of its posts with a headline (news reports, notices,
    # forum threads): the story in the wording of reports, which a later report shares
    # more than it shares the crowd's wording that fills the centroid. Empty for most.
    articles: Vector = field(default_factory=dict)
    articles_norm: float = 0.0
    # What the post that opened it says: the background idf of its Chinese words, summed
    # (`ClusterConfig.generic_opening`); -1 when not measured (no Chinese word).
    opening: float = -1.0

    def add(self, vec: Vector, *, max_terms: int) -> None:
        """Add one post's vector; keep the centroid to its heaviest words."""
        self.centroid, self.norm = _added(self.centroid, vec, max_terms)

    def subtract(self, vec: Vector) -> None:
        """Take one post's vector out again (a manual split)."""
        self.norm = _subtracted(self.centroid, vec)

    def add_article(self, vec: Vector, *, max_terms: int) -> None:
        """Add the longer vector of a post with a headline (`articles`)."""
        self.articles, self.articles_norm = _added(self.articles, vec, max_terms)

    def subtract_article(self, vec: Vector) -> None:
        """Take a post with a headline out of `articles` again (a split or a move)."""
        self.articles_norm = _subtracted(self.articles, vec)

    def paces(self, now: datetime, prior_seconds: float) -> float:
        """How long it has been idle at `now`, in its own mean gaps between posts (the
        time before its first post counted as one gap of `prior_seconds`)."""
        idle = (now - self.last_at).total_seconds()
        if idle <= 0.0:
            return 0.0
        span = (self.last_at - self.first_at).total_seconds()
        return idle * max(self.size, 1) / max(span + prior_seconds, 1.0)

    def cosine(self, vec: Vector) -> float:
        """Cosine similarity of a unit vector with the centroid."""
        if self.norm <= 0.0:
            return 0.0
        # map() over C-level callables: about twice as fast as a generator expression,
        # and this is the innermost loop of clustering.
        shared = map(self.centroid.get, vec.keys(), repeat(0.0))
        dot: float = sum(map(mul, vec.values(), shared))
        return dot / self.norm

    def article_cosine(self, vec: Vector) -> float:
        """Cosine similarity of a unit vector with `articles` (0 when it has none)."""
        if self.articles_norm <= 0.0:
            return 0.0
        shared = map(self.articles.get, vec.keys(), repeat(0.0))
        dot: float = sum(map(mul, vec.values(), shared))
        return dot / self.articles_norm

    def summary(self, keywords: int = 8) -> EventSummary:
        """The public facts of this event."""
        return EventSummary(
            event_id=self.id,
            partition=self.partition,
            title=self.title,
            keywords=[w for w in top_terms(self.centroid, keywords * 2) if not w.startswith("_")][
                :keywords
            ],
            first_post_id=self.first_post_id,
            first_at=self.first_at,
            last_at=self.last_at,
            size=self.size,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (floats round-trip exactly through `json`)."""
        return {
            "id": self.id,
            "partition": self.partition,
            "seq": self.seq,
            "title": self.title,
            "first_post_id": self.first_post_id,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "size": self.size,
            "centroid": self.centroid,
            "norm": self.norm,
            "indexed": self.indexed,
            "heat": self.heat,
            "watches": sorted(self.watches),
            "articles": self.articles,
            "opening": self.opening,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any], *, shared: Callable[[str], str] = str) -> Event:
        """Rebuild from `to_json()`; `shared` gives the one string to keep for a word or
        an id (`OnlineClusterer.restore`)."""
        articles = {shared(str(k)): float(v) for k, v in obj.get("articles", {}).items()}
        return cls(
            id=shared(str(obj["id"])),
            partition=str(obj["partition"]),
            seq=int(obj["seq"]),
            title=str(obj["title"]),
            first_post_id=str(obj["first_post_id"]),
            first_at=datetime.fromisoformat(obj["first_at"]),
            last_at=datetime.fromisoformat(obj["last_at"]),
            size=int(obj["size"]),
            centroid={shared(str(k)): float(v) for k, v in obj["centroid"].items()},
            norm=float(obj["norm"]),
            indexed=[shared(str(w)) for w in obj["indexed"]],
            heat=float(obj.get("heat", 1.0)),
            watches={str(w) for w in obj.get("watches", ())},
            # Snapshots from before `articles` have none: the event then starts without.
            articles=articles,
            articles_norm=math.sqrt(sum(v * v for v in articles.values())),
            opening=float(obj.get("opening", -1.0)),
        )


def _added(c: Vector, vec: Vector, max_terms: int) -> tuple[Vector, float]:
    """`c` plus `vec`, kept to its `max_terms` heaviest words, and its norm."""
    for w, v in vec.items():
        c[w] = c.get(w, 0.0) + v
    # Prune only well past the cap, so the sort runs once every few posts.
    if len(c) > max_terms + max_terms // 2:
        keep = top_terms(c, max_terms)
        c = {w: c[w] for w in keep}
    values = c.values()
    return c, math.sqrt(sum(map(mul, values, values)))


def _subtracted(c: Vector, vec: Vector) -> float:
    """Take `vec` out of `c` in place; the new norm."""
    for w, v in vec.items():
        if w in c:
            left = c[w] - v
            if left > 1e-9:
                c[w] = left
            else:
                del c[w]
    values = c.values()
    return math.sqrt(sum(map(mul, values, values)))


def make_title(title: str, text: str) -> str:
    """A short readable title: the post's own title, else the start of its text."""
    raw = title.strip() or text
    cleaned = " ".join(_TITLE_NOISE.sub(" ", raw[: TITLE_CHARS * 4]).split())
    if not cleaned:
        cleaned = " ".join(raw[: TITLE_CHARS * 4].split())
    if len(cleaned) > TITLE_CHARS:
        cleaned = cleaned[: TITLE_CHARS - 1] + "…"
    return cleaned
