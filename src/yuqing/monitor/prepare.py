"""The stateless front of the pipeline: normalize, store keys and watch matching.

These steps need nothing but the record, the settings, the watches and the sources'
defaults, so they run the same in the pipeline's own process and in worker processes
(`monitor/parallel.py`). A dropped post travels on without its body: the stateful part
only needs its keys (is it already stored?) and its source (statistics).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.db.search import INDEX_TEXT_KEY, index_text
from yuqing.monitor.dedup import Deduplicator
from yuqing.monitor.keys import Keys, keys_of
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post, reply_parent
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import Watch, WatchMatcher, parse_watch, watch_spec


@dataclass(frozen=True)
class SourceDefaults:
    """What a record inherits from where it came from."""

    source: str = ""
    platform: str | None = None
    media_tier: str | None = None
    keep_all: bool = False  # tips and pushes a person chose: kept even when no watch matches


@dataclass(frozen=True)
class SourceInfo:
    """A configured source as the front needs it."""

    keep_all: bool
    platform: str | None
    media_tier: str | None


@dataclass(slots=True)
class Prepared:
    """One accepted record: its keys, whether it matched, and the post if it is kept."""

    line: int
    keys: Keys
    source: str
    matched: bool
    post: Post | None  # None: dropped (no watch matched, source does not keep all)
    # A post dropped for its words that answers another (`reply_to`): the pipeline keeps
    # it after all when the post it answers is kept (`Pipeline._keep_replies`).
    reply: Post | None = None

    def __reduce__(self) -> tuple[type[Prepared], tuple[Any, ...]]:
        # Sent back by the workers for every record (see `Keys.__reduce__`).
        return Prepared, (self.line, self.keys, self.source, self.matched, self.post, self.reply)


@dataclass(slots=True)
class Rejected:
    line: int
    reason: str


class Enricher(Protocol):
    """A stateless step over kept posts (e.g. sentiment): it may run in worker processes."""

    def enrich(self, posts: list[Post]) -> None: ...


class Preparer:
    """Turns records into `Prepared` or `Rejected`; holds no state that changes."""

    def __init__(
        self,
        *,
        settings: Settings,
        watches: list[Watch],
        sources: dict[str, SourceInfo],
        enrichers: Sequence[Enricher] = (),
    ) -> None:
        self.settings = settings
        self.watches = watches
        self.sources = sources
        self.enrichers = list(enrichers)
        self._matcher = WatchMatcher(watches)
        self._has_watches = bool(watches)

    def prepare_many(
        self, records: Iterable[Record], *, defaults: SourceDefaults, received_at: datetime
    ) -> list[Prepared | Rejected]:
        """Prepare a chunk of records, then run the enrichers once over its kept posts."""
        items = [self.prepare(r, defaults=defaults, received_at=received_at) for r in records]
        kept = [i.post for i in items if isinstance(i, Prepared) and i.post is not None]
        if kept:
            self.finish(kept)
        return items

    def finish(self, kept: list[Post]) -> None:
        """What a kept post needs before the pipeline stores it: its dedup sketch, its
        search tokens, and what the enrichers add (sentiment)."""
        # The dedup sketch depends on the post alone: worked out here, so only the
        # decision (which needs every earlier post) is left to the pipeline's process.
        # So do the search index's tokens: that process only writes them.
        for post in kept:
            Deduplicator.sketch(post)
            post.derived[INDEX_TEXT_KEY] = index_text(post.folded)
        for enricher in self.enrichers:
            enricher.enrich(kept)

    def __getstate__(self) -> dict[str, Any]:
        # Compiled rules do not pickle: a worker process compiles the watches again.
        return {
            "settings": self.settings,
            "watches": [
                watch_spec(
                    name=w.name,
                    rule=w.expr,
                    groups=w.groups,
                    sources=w.sources,
                    organization=w.organization,
                )
                for w in self.watches
            ],
            "sources": self.sources,
            "enrichers": self.enrichers,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        watches = [
            parse_watch(spec, where=_("watch {name!r}").format(name=spec["name"]))
            for spec in state["watches"]
        ]
        self.__init__(  # type: ignore[misc]
            settings=state["settings"],
            watches=watches,
            sources=state["sources"],
            enrichers=state["enrichers"],
        )

    def prepare(
        self, record: Record, *, defaults: SourceDefaults, received_at: datetime
    ) -> Prepared | Rejected:
        """Normalize, key and match one record."""
        try:
            if record.error is not None:
                raise InvalidInput(record.error)
            post = parse_post(
                record.obj,
                received_at=received_at,
                max_post_bytes=self.settings.max_post_bytes,
                source=defaults.source,
                platform=defaults.platform,
                media_tier=defaults.media_tier,
                line=record.line,
                timezone=self.settings.timezone,
            )
        except InvalidInput as exc:
            return Rejected(record.line, exc.message)
        except (ValueError, OverflowError, TypeError, RecursionError) as exc:
            # CONTRACTS "Post": no value ever stops a run. Normalizing refuses every bad
            # value it knows with its own reason; one it does not know costs its record
            # only, named by Python's own wording.
            reason = _("cannot read this post: {kind}: {error}").format(
                kind=type(exc).__name__, error=str(exc)[:200]
            )
            return Rejected(record.line, reason)
        info = self.sources.get(post.source)
        if info is not None:
            post.platform = post.platform or info.platform
            post.media_tier = post.media_tier or info.media_tier
        post.watches = self._matcher.match(post.folded, source=post.source)
        keep = (
            bool(post.watches)
            or not self._has_watches
            or defaults.keep_all
            or (info is not None and info.keep_all)
        )
        return Prepared(
            line=record.line,
            keys=keys_of(post),
            source=post.source,
            matched=bool(post.watches),
            post=post if keep else None,
            reply=post if not keep and reply_parent(post) else None,
        )
