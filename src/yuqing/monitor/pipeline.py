"""The one pipeline: normalize → duplicates → match → keep/drop → dedup → steps → store.

`yuqing ingest`, `yuqing poll`, the push API and drills all run posts through
`Pipeline.run`. Records are processed in batches: one transaction a batch, so a batch is
stored whole or not at all, and a crash never leaves half a post behind.

Order, and why: duplicates already in the store are found first (cheap key lookups);
watches decide what is kept before the heavier steps, because big streams are cut down
early (ARCHITECTURE "Storage"); copies are found among kept posts, since dropped posts
only count in per-source statistics. Later issues plug classify and cluster in as
`Step`s that run on the kept posts of each batch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, Engine, select

from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.settings import Settings
from yuqing.db.engine import make_sessionmaker, session_scope
from yuqing.monitor import models, service, store
from yuqing.monitor.dedup import Deduplicator
from yuqing.monitor.normalize import parse_post
from yuqing.monitor.posts import Post
from yuqing.monitor.readers import Record
from yuqing.monitor.schemas import IngestSummary
from yuqing.monitor.watches import WatchMatcher

BATCH = 1000
WARM_ORIGINALS = 50_000  # recent originals whose signatures a new pipeline remembers
PK_CACHE = 200_000


class StepFn(Protocol):
    def __call__(self, posts: list[Post], *, now: datetime) -> None: ...


@dataclass(frozen=True)
class Step:
    """A named step over the kept posts of a batch (STYLE §4: `Step("dedup", fn)`)."""

    step_id: str
    fn: StepFn


@dataclass(frozen=True)
class SourceDefaults:
    """What a record inherits from where it came from."""

    source: str = ""
    platform: str | None = None
    media_tier: str | None = None
    keep_all: bool = False  # tips and pushes a person chose: kept even when no watch matches


@dataclass
class _SourceInfo:
    keep_all: bool
    platform: str | None
    media_tier: str | None
    seen: int = 0
    kept: int = 0


RejectFn = Callable[[int, str], None]


@dataclass
class Pipeline:
    """The live pipeline over one store."""

    engine: Engine
    clock: Clock
    settings: Settings
    steps: Sequence[Step] = ()
    _matcher: WatchMatcher = field(init=False)
    _has_watches: bool = field(init=False)
    _dedup: Deduplicator = field(init=False)
    _pks: OrderedDict[str, int] = field(init=False, default_factory=OrderedDict)
    _sources: dict[str, _SourceInfo] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.sessions = make_sessionmaker(self.engine)
        self.reload()

    def reload(self) -> None:
        """Read watches and sources from the store, and warm the copy detector."""
        with session_scope(self.sessions) as session:
            watches = service.load_watches(session=session)
            self._sources = {
                s.name: _SourceInfo(s.keep_all, s.platform, s.media_tier)
                for s in service.get_all_sources(session=session)
            }
            recent = session.execute(
                select(models.StoredPost.post_id, models.StoredPost.pk, models.StoredPost.dedup_sig)
                .where(models.StoredPost.duplicate_of_pk.is_(None))
                .order_by(models.StoredPost.pk.desc())
                .limit(WARM_ORIGINALS)
            ).all()
        self._matcher = WatchMatcher(watches)
        self._has_watches = bool(watches)
        self._dedup = Deduplicator()
        for post_id, pk, signature in reversed(recent):
            if signature is not None:
                self._dedup.remember(post_id, signature)
            self._remember_pk(post_id, pk)

    def _remember_pk(self, post_id: str, pk: int) -> None:
        if post_id not in self._pks:
            self._pks[post_id] = pk
            if len(self._pks) > PK_CACHE:
                self._pks.popitem(last=False)

    def run(
        self,
        records: Iterable[Record],
        *,
        defaults: SourceDefaults = SourceDefaults(),
        on_reject: RejectFn | None = None,
    ) -> IngestSummary:
        """Run records through the pipeline; returns the CONTRACTS summary."""
        summary = IngestSummary()
        batch: list[Post] = []
        for record in records:
            summary.read += 1
            post = self._parse(record, defaults, summary, on_reject)
            if post is None:
                continue
            batch.append(post)
            if len(batch) >= BATCH:
                self._run_batch(batch, summary, keep_all=defaults.keep_all)
                batch = []
        if batch:
            self._run_batch(batch, summary, keep_all=defaults.keep_all)
        self._save_source_counts()
        return summary

    def _parse(
        self,
        record: Record,
        defaults: SourceDefaults,
        summary: IngestSummary,
        on_reject: RejectFn | None,
    ) -> Post | None:
        try:
            if record.error is not None:
                raise InvalidInput(record.error)
            post = parse_post(
                record.obj,
                received_at=self.clock.now(),
                max_post_bytes=self.settings.max_post_bytes,
                source=defaults.source,
                platform=defaults.platform,
                media_tier=defaults.media_tier,
                line=record.line,
                timezone=self.settings.timezone,
            )
        except InvalidInput as exc:
            summary.rejected += 1
            if on_reject is not None:
                on_reject(record.line, exc.message)
            return None
        info = self._sources.get(post.source)
        if info is not None:
            post.platform = post.platform or info.platform
            post.media_tier = post.media_tier or info.media_tier
        summary.accepted += 1
        return post

    def _run_batch(self, batch: list[Post], summary: IngestSummary, *, keep_all: bool) -> None:
        keys = [store.keys_of(post) for post in batch]
        with self.engine.begin() as conn:
            known = store.stored_keys(conn, keys)
            kept: list[tuple[Post, store.Keys]] = []
            for post, key in zip(batch, keys, strict=True):
                if key.uid in known or (key.by_url and key.content_key in known):
                    summary.duplicates += 1
                    continue
                known.add(key.uid)
                if key.by_url:
                    known.add(key.content_key)
                post.watches = self._matcher.match(post.folded, source=post.source)
                if post.watches:
                    summary.matched += 1
                info = self._sources.get(post.source)
                if info is not None:
                    info.seen += 1
                keep_source = keep_all or (info is not None and info.keep_all)
                if post.watches or not self._has_watches or keep_source:
                    kept.append((post, key))
                    if info is not None:
                        info.kept += 1
            pending = [self._mark_copy(post, key) for post, key in kept]
            now = self.clock.now()
            for step in self.steps:
                step.fn([p.post for p in pending], now=now)
            # Originals first, so copies of a post in the same batch can link to it.
            originals = [p for p in pending if p.post.duplicate_of is None]
            copies = [p for p in pending if p.post.duplicate_of is not None]
            for item, pk in zip(originals, store.write_posts(conn, originals), strict=True):
                self._remember_pk(item.post.id, pk)
            self._link_copies(conn, copies)
            store.write_posts(conn, copies)
        summary.copies += len(copies)
        summary.stored += len(pending)

    def _mark_copy(self, post: Post, key: store.Keys) -> store.Pending:
        post.duplicate_of = self._dedup.check_and_add(post)
        signature = None if post.duplicate_of else self._dedup.signature(post)
        return store.Pending(post, key, None, signature)

    def _link_copies(self, conn: Connection, copies: list[store.Pending]) -> None:
        missing = [
            p.post.duplicate_of or "" for p in copies if p.post.duplicate_of not in self._pks
        ]
        found = store.original_pks(conn, missing) if missing else {}
        for pk_id, pk in found.items():
            self._remember_pk(pk_id, pk)
        for item in copies:
            item.original_pk = self._pks.get(item.post.duplicate_of or "")

    def _save_source_counts(self) -> None:
        touched = {name: info for name, info in self._sources.items() if info.seen}
        if not touched:
            return
        with session_scope(self.sessions) as session:
            for name, info in touched.items():
                row = service.get_source(session=session, name=name)
                if row is not None:
                    row.items_seen += info.seen
                    row.items_kept += info.kept
                info.seen = info.kept = 0
