"""The one pipeline: normalize → match → duplicates → keep/drop → copies → steps → store.

`yuqing ingest`, `yuqing poll`, the push API and drills all run posts through a
`Pipeline`. Records are processed in batches: one transaction a batch, so a batch is
stored whole or not at all, and a crash never leaves half a post behind.

The stateless front (normalize, keys, watch matching: `monitor/prepare.py`) runs in
this process or, for big inputs, in worker processes (`monitor/parallel.py`); the
stateful rest runs here, in input order. Watches decide what is kept before the heavier
steps, because big streams are cut down early (ARCHITECTURE "Storage"); copies are
looked for among kept posts, since dropped posts only count in per-source statistics.
Later issues plug classify and cluster in as `Step`s over the kept posts of each batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from yuqing.core.clock import Clock
from yuqing.core.gctune import give_back_free_memory
from yuqing.core.settings import Settings
from yuqing.core.undo import UndoLog
from yuqing.db import checkpoints
from yuqing.db.engine import make_sessionmaker, session_scope
from yuqing.monitor import models, service, store
from yuqing.monitor.dedup import Deduplicator
from yuqing.monitor.keys import Keys
from yuqing.monitor.posts import Post, reply_parent
from yuqing.monitor.prepare import (
    Enricher,
    Prepared,
    Preparer,
    Rejected,
    SourceDefaults,
    SourceInfo,
)
from yuqing.monitor.readers import Record, read_jsonl
from yuqing.monitor.schemas import IngestSummary
from yuqing.monitor.watches import who_and_where

if TYPE_CHECKING:
    from yuqing.monitor.parallel import FrontPool

__all__ = ["AfterStore", "Checkpointed", "Pipeline", "SourceDefaults", "Step", "Transactional"]

FRONT_CHUNK = 500  # records prepared together (enrichers see the kept ones at once)
BATCH = 4000  # records a transaction: fewer commits, still a fraction of a second each
NO_DEFAULTS = SourceDefaults()
TRIM_AFTER = 1000  # records in a batch after which freed memory goes back to the system
WARM_ORIGINALS = 50_000  # recent originals whose signatures a new pipeline remembers


class StepFn(Protocol):
    def __call__(self, posts: list[Post], *, now: datetime) -> None: ...


@runtime_checkable
class Overlapping(Protocol):
    """A step that works on a batch elsewhere (another process) while the pipeline
    stores the batch before it: `start` hands the batch's posts over and returns at
    once; the callable it returns waits for the step's work, sets it on the posts, and
    says whether the next batch may start before this one is stored.

    Such a step is also `Transactional`, and its batches nest: the next batch begins
    before this one commits; commit keeps the oldest open batch, rollback forgets the
    newest."""

    def start(self, posts: list[Post], *, now: datetime) -> Callable[[], bool]: ...


@dataclass(frozen=True)
class Step:
    """A named step over the kept posts of a batch (STYLE §4: `Step("dedup", fn)`)."""

    step_id: str
    fn: StepFn


class StoredFn(Protocol):
    def __call__(
        self, conn: Connection, stored: list[tuple[Post, int]], *, now: datetime
    ) -> None: ...


class GrownFn(Protocol):
    def __call__(self, conn: Connection, grown: list[store.Grown], *, now: datetime) -> None: ...


@dataclass(frozen=True)
class AfterStore:
    """A named step that runs on the posts just written, with their keys, in the same
    transaction (event facts need the stored posts' keys). `grown`, when given, runs
    right after it on the posts stored before whose engagement grew (seen again)."""

    step_id: str
    fn: StoredFn
    grown: GrownFn | None = None


class Checkpointed(Protocol):
    """What a stateful step offers so that a restarted pipeline resumes where it stopped."""

    step_id: str

    def snapshot(self) -> Iterable[bytes]:
        """The state in pieces, made as they are read (the store writes each as it comes)."""

    def restore(self, parts: Iterable[bytes]) -> None:
        """Replace the state with the one whose pieces `snapshot` gave."""


class Transactional(Protocol):
    """A step that keeps memory across batches (events, alerts raised): what it learns
    from a batch follows the batch's transaction, so a batch that is not stored leaves
    no trace in it."""

    def begin(self) -> None:
        """Before the batch."""

    def commit(self) -> None:
        """The batch is stored: keep what it changed."""

    def rollback(self) -> None:
        """The batch's transaction failed: put the memory back as it was at `begin`."""


RejectFn = Callable[[int, str], None]


@dataclass
class Pipeline:
    """The live pipeline over one store."""

    engine: Engine
    clock: Clock
    settings: Settings
    steps: Sequence[Step] = ()
    enrichers: Sequence[Enricher] = ()  # stateless: run with the front (maybe in workers)
    after_store: Sequence[AfterStore] = ()
    # Called after each batch is committed (e.g. send the alerts it raised right away).
    after_commit: Sequence[Callable[[], None]] = ()
    stateful: Sequence[Checkpointed] = ()
    transactional: Sequence[Transactional] = ()
    # Called in `reload` with a session: steps read what people changed meanwhile.
    reload_hooks: Sequence[Callable[[Session], None]] = ()
    # Called at the end of `reload`, its transaction committed (not when the state loads).
    after_reload: Sequence[Callable[[], None]] = ()
    checkpoint_every: float = 60.0  # seconds of clock time between checkpoints
    # Read only the front (watches, sources) when built, and restore the rest (checkpoints,
    # the decisions people made since, the copy table) just before the first batch: a run
    # with worker processes hands them their first chunks before that wait, not after.
    defer_state: bool = False
    _preparer: Preparer = field(init=False)
    organizations: dict[str, str] = field(init=False, default_factory=dict)  # watch → org
    # Watch → the folded terms of its `subject` and `region` groups (who and where).
    selection_terms: dict[str, list[str]] = field(init=False, default_factory=dict)
    # watch → the department its events are routed to (only watches that route)
    departments: dict[str, str] = field(init=False, default_factory=dict)
    _dedup: Deduplicator = field(init=False)
    # Per configured source: [seen, kept] since the counts were last saved.
    _counts: dict[str, list[int]] = field(init=False, default_factory=dict)
    _undo: UndoLog | None = field(init=False, default=None)  # the open batch's

    def __post_init__(self) -> None:
        self.sessions = make_sessionmaker(self.engine)
        self._saved_at: float | None = None
        self._loaded = False
        with session_scope(self.sessions) as session:
            self._read_front(session)
        if not self.defer_state:
            self._load_state()

    def _load_state(self) -> None:
        """Restore the stateful steps, apply what people decided since, warm the copies."""
        if self._loaded:
            return
        self._loaded = True
        # Restore first: the reload hooks then apply the decisions people made since the
        # checkpoint (merges, splits) to the restored state, not to one it replaces.
        with session_scope(self.sessions) as session:
            for step in self.stateful:
                parts = checkpoints.load_parts(session=session, step_id=step.step_id)
                if parts is not None:
                    step.restore(parts)
            for hook in self.reload_hooks:
                hook(session)
        self._warm_copies()

    def checkpoint(self, *, force: bool = False) -> None:
        """Save the state of stateful steps (at most every `checkpoint_every` seconds)."""
        if not self._loaded:
            return  # nothing restored, nothing learnt: the stored checkpoint stays
        now = self.clock.monotonic()
        if not self.stateful or (
            not force
            and self._saved_at is not None
            and now - self._saved_at < self.checkpoint_every
        ):
            return
        at = self.clock.now()
        with session_scope(self.sessions) as session:
            for step in self.stateful:
                checkpoints.save_parts(
                    session=session, step_id=step.step_id, parts=step.snapshot(), at=at
                )
        self._saved_at = now
        give_back_free_memory()  # the copies of the state made for the store (tens of MB)

    def reload(self) -> None:
        """Read watches, sources (and what the steps' hooks read) from the store again."""
        self._load_state()
        with session_scope(self.sessions) as session:
            self._read_front(session)
            for hook in self.reload_hooks:
                hook(session)
        for after in self.after_reload:
            after()

    def _read_front(self, session: Session) -> None:
        watches = service.load_watches(session=session)
        sources = {
            s.name: SourceInfo(s.keep_all, s.platform, s.media_tier)
            for s in service.get_all_sources(session=session)
        }
        self._preparer = Preparer(
            settings=self.settings, watches=watches, sources=sources, enrichers=self.enrichers
        )
        self.organizations = {w.name: w.organization for w in watches}
        self.selection_terms = {w.name: who_and_where(w) for w in watches}
        self.departments = {w.name: w.department for w in watches if w.department}

    def _warm_copies(self) -> None:
        """Remember the newest stored originals, so copies are found across restarts."""
        with session_scope(self.sessions) as session:
            recent = session.execute(
                select(models.StoredPost.post_id, models.StoredPost.dedup_sig)
                .where(models.StoredPost.duplicate_of_pk.is_(None))
                .order_by(models.StoredPost.pk.desc())
                .limit(WARM_ORIGINALS)
            ).all()
        self._dedup = Deduplicator()
        for post_id, signature in reversed(recent):
            if signature is not None:
                self._dedup.remember(post_id, signature)

    def run(
        self,
        records: Iterable[Record],
        *,
        defaults: SourceDefaults = NO_DEFAULTS,
        on_reject: RejectFn | None = None,
        check_only: bool = False,
    ) -> IngestSummary:
        """Run records through the pipeline; returns the CONTRACTS summary.

        With `check_only`, only the front runs (normalize, keys, watches): rejected
        records are reported and counted, nothing is stored and no state changes.
        """
        items = self._prepare_serially(records, defaults)
        if check_only:
            return _count(items, on_reject)
        self._load_state()
        return self._consume(items, on_reject)

    def _prepare_serially(
        self, records: Iterable[Record], defaults: SourceDefaults
    ) -> Iterator[Prepared | Rejected]:
        chunk: list[Record] = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= FRONT_CHUNK:
                yield from self._preparer.prepare_many(
                    chunk, defaults=defaults, received_at=self.clock.now()
                )
                chunk = []
        if chunk:
            yield from self._preparer.prepare_many(
                chunk, defaults=defaults, received_at=self.clock.now()
            )

    def run_jsonl(
        self,
        stream: IO[bytes],
        *,
        defaults: SourceDefaults = NO_DEFAULTS,
        on_reject: RejectFn | None = None,
        workers: int | FrontPool = 1,
        check_only: bool = False,
    ) -> IngestSummary:
        """Run a JSON Lines byte stream; with a `FrontPool`, or `workers` > 1, the front
        runs in worker processes. `check_only` as in `run`."""
        if isinstance(workers, int):
            if workers <= 1:
                return self.run(
                    read_jsonl(stream), defaults=defaults, on_reject=on_reject,
                    check_only=check_only,
                )  # fmt: skip
            from yuqing.monitor.parallel import FrontPool

            with FrontPool(workers) as pool:
                return self.run_jsonl(
                    stream, defaults=defaults, on_reject=on_reject, workers=pool,
                    check_only=check_only,
                )  # fmt: skip
        # The pool starts on its first chunks at once; the state is restored meanwhile.
        items = workers.prepare(
            stream, preparer=self._preparer, defaults=defaults, now=self._times()
        )
        if check_only:
            return _count(items, on_reject)
        self._load_state()
        return self._consume(items, on_reject)

    def _times(self) -> Iterator[datetime]:
        while True:
            yield self.clock.now()

    def _consume(
        self, items: Iterable[Prepared | Rejected], on_reject: RejectFn | None
    ) -> IngestSummary:
        summary = IngestSummary()
        overlap = self._overlaps()
        staged: _Staged | None = None  # overlapping: the batch waiting to be stored
        batch: list[Prepared] = []
        try:
            for item in _accepted(items, summary, on_reject):
                batch.append(item)
                if len(batch) >= BATCH:
                    if overlap:
                        # `_advance` stores or forgets the batch before, whatever happens.
                        previous, staged = staged, None
                        staged = self._advance(batch, summary, previous)
                    else:
                        self._run_batch(batch, summary)
                    batch = []
            if batch:
                if overlap:
                    previous, staged = staged, None
                    staged = self._advance(batch, summary, previous)
                else:
                    self._run_batch(batch, summary)
        finally:
            # Stored as it would have been without the overlap, whatever stopped the
            # input: the batches before the one that failed are kept.
            if staged is not None:
                self._finish_or_forget(staged, summary)
        self._save_source_counts()
        self.checkpoint()
        return summary

    def _run_batch(self, batch: list[Prepared], summary: IngestSummary) -> None:
        # One transaction a batch, and what the steps learn from it goes with it: a batch
        # that is not stored leaves no copy link, event, title or alert behind.
        self._begin()
        try:
            copies, stored = self._store_batch(batch, summary)
        except BaseException:
            self._rollback()
            raise
        self._commit()
        for hook in self.after_commit:
            hook()
        summary.copies += copies
        summary.stored += stored
        if len(batch) >= TRIM_AFTER:
            # What the batch allocated is free again: give it back to the system, or the C
            # heap keeps it and a long stream's RSS grows by a third (`give_back_free_memory`).
            give_back_free_memory()

    def _begin(self) -> None:
        self._undo = UndoLog()
        counts = {name: list(seen_kept) for name, seen_kept in self._counts.items()}
        self._undo.add(lambda: setattr(self, "_counts", counts))
        self._dedup.begin()
        for step in self.transactional:
            step.begin()

    def _commit(self) -> None:
        self._undo = None
        self._dedup.commit()
        for step in self.transactional:
            step.commit()

    def _rollback(self) -> None:
        if self._undo is not None:
            self._undo.rollback()
            self._undo = None
        self._dedup.rollback()
        for step in self.transactional:
            step.rollback()

    def _store_batch(self, batch: list[Prepared], summary: IngestSummary) -> tuple[int, int]:
        """Store a batch in one transaction; returns (copies, stored)."""
        with self.engine.begin() as conn:
            seen: list[store.Seen] = []
            pending = self._select(conn, batch, summary, seen=seen)
            now = self.clock.now()
            for step in self.steps:
                step.fn([p.post for p in pending], now=now)
            return self._write(conn, pending, now, seen)

    def _select(
        self,
        conn: Connection,
        batch: list[Prepared],
        summary: IngestSummary,
        previous: _Staged | None = None,
        *,
        seen: list[store.Seen],
    ) -> list[store.Pending]:
        """The batch's posts to store: kept (or replies to kept posts), not stored
        before, each marked as an original or a copy. `previous`: a batch staged but not
        stored yet, whose posts count as stored.

        A kept record of a post stored before (or earlier in the input) with higher
        counts or another text updates it (`store.Seen`, added to `seen`: written with
        the batch) and counts as `updated`; one that brings nothing is a duplicate."""
        sources = self._preparer.sources
        self._keep_replies(conn, batch, previous)
        keys = [item.keys for item in batch]
        known = store.stored_keys(conn, keys)
        # The stored posts repeated here, read only when there are some.
        found = store.seen_posts(
            conn,
            [k.uid for k in keys if k.uid in known],
            [k.content_key for k in keys if k.by_url and k.uid not in known
             and k.content_key in known],
        ) if known else {}  # fmt: skip
        earlier: dict[str, store.Pending] = {}  # key → a post of `previous` or this batch
        if previous is not None:
            for item_ in previous.pending:
                for ref in item_.store_keys():
                    earlier.setdefault(ref, item_)
            # What `previous` will write of the posts it updates is where these start.
            for before in previous.seen:
                again = before.again()
                for ref in again.keys:
                    found[ref] = again
        dropped: set[str] = set()  # keys of dropped records (a repeat is a duplicate)
        twins: dict[int, store.Seen] = {}  # id of a post not written yet → its Seen
        updated: dict[int, store.Seen] = {}  # id → the Seens records brought news to
        pending: list[store.Pending] = []
        for item in batch:
            key = item.keys
            uid, url_key = key.uid, key.content_key if key.by_url else ""
            # Plain lookups: this runs for every record, and most are new.
            target = found.get(uid) or found.get(url_key) if found else None
            twin = None if target else earlier.get(uid) or earlier.get(url_key)
            if twin is not None:
                target = twins.get(id(twin))
                if target is None:
                    target = twins[id(twin)] = store.Seen.of_pending(twin)
            if target is not None or uid in dropped or url_key in dropped:
                if item.post is not None and target is not None and target.see(item.post):
                    summary.updated += 1
                    updated[id(target)] = target
                else:
                    summary.duplicates += 1
                continue
            summary.matched += item.matched
            if item.source in sources:
                counts = self._counts.setdefault(item.source, [0, 0])
                counts[0] += 1
                counts[1] += item.post is not None
            if item.post is not None:
                marked = self._mark_copy(item.post, key)
                pending.append(marked)
                earlier[uid] = marked
                if url_key:
                    earlier[url_key] = marked
            else:
                dropped.add(uid)
                if url_key:
                    dropped.add(url_key)
        seen += (s for s in updated.values() if s.grown or s.edits)
        return pending

    def _write(
        self,
        conn: Connection,
        pending: list[store.Pending],
        now: datetime,
        seen: Sequence[store.Seen] = (),
    ) -> tuple[int, int]:
        """Write the selected posts and what the posts `seen` again brought, and run the
        after-store steps; (copies, stored)."""
        # Originals first, so copies of a post in the same batch can link to it.
        originals = [p for p in pending if p.post.duplicate_of is None]
        copies = [p for p in pending if p.post.duplicate_of is not None]
        written = list(zip(originals, store.write_posts(conn, originals), strict=True))
        self._link_copies(conn, copies)
        written += zip(copies, store.write_posts(conn, copies), strict=True)
        stored = [(item_.post, pk) for item_, pk in written]
        grown = store.update_seen(conn, seen) if seen else []
        for after in self.after_store:
            after.fn(conn, stored, now=now)
            if grown and after.grown is not None:
                after.grown(conn, grown, now=now)
        return len(copies), len(pending)

    # -- overlapping batches: a step works on batch N+1 while batch N is stored ----------

    def _overlaps(self) -> bool:
        return bool(self.steps) and all(isinstance(step.fn, Overlapping) for step in self.steps)

    def _nested(self) -> list[Transactional]:
        """Transactional steps whose batches nest (they begin when a batch is staged)."""
        return [step for step in self.transactional if isinstance(step, Overlapping)]

    def _late(self) -> list[Transactional]:
        """The other transactional steps: they begin when a batch is written."""
        return [step for step in self.transactional if not isinstance(step, Overlapping)]

    def _advance(
        self, batch: list[Prepared], summary: IngestSummary, previous: _Staged | None
    ) -> _Staged:
        """Stage `batch`, then store `previous` while the steps work on `batch`; returns the
        staged batch (stored by the next call, or by `_consume` at the end).

        `batch` is handed to the steps before `previous`'s results are read: a step in
        another process gets it while it still works on `previous`, and goes on with it
        at once instead of waiting for the pipeline to select it. Each batch is still
        stored in one transaction, in input order, with the events of a run without
        overlap; when a batch is not stored, neither is the one staged after it, and the
        memory of both is put back (newest first)."""
        try:
            staged = self._stage(batch, summary, previous)
        except BaseException:
            if previous is not None:
                self._finish_or_forget(previous, summary)  # as it would have been stored
            raise
        if previous is not None:
            try:
                self._store_before(previous, staged, summary)
            except BaseException:
                staged.settle()
                self._forget(staged)
                self._forget(previous)
                raise
        return staged

    def _store_before(self, previous: _Staged, staged: _Staged, summary: IngestSummary) -> None:
        """Store `previous` while `staged` is worked on. When `previous` says the next
        batch must wait for its store (its parents claimed late replies, which moves
        them between events), the steps forget their work on `staged` and do it again
        after the store, as a run without overlap would."""
        previous.settle(strict=True)
        if previous.may_overlap:
            self._finish(previous, summary)
            return
        # Its results are dropped unread (reading them would set them on its posts and
        # replace what the steps keep of `previous` for its store).
        staged.waits = []
        for step in reversed(self._nested()):
            step.rollback()
        staged.begun = False
        self._finish(previous, summary)
        for step in self._nested():
            step.begin()
        staged.begun = True
        staged.reopen()
        self._hand_over(staged)

    def _hand_over(self, staged: _Staged) -> None:
        """Start the steps on the staged batch's posts (its nested batches are begun)."""
        posts = [p.post for p in staged.pending]
        assert staged.now is not None
        for each in self.steps:
            fn = each.fn
            assert isinstance(fn, Overlapping)
            staged.waits.append(fn.start(posts, now=staged.now))

    def _stage(
        self, batch: list[Prepared], summary: IngestSummary, previous: _Staged | None
    ) -> _Staged:
        """Select the batch's posts (reading the store, `previous` counting as stored) and
        start the steps on them."""
        staged = _Staged({name: list(seen_kept) for name, seen_kept in self._counts.items()})
        self._dedup.begin()
        for step in self._nested():
            step.begin()
        staged.begun = True
        try:
            with self.engine.connect() as conn:
                staged.pending = self._select(conn, batch, summary, previous, seen=staged.seen)
            staged.now = self.clock.now()
            self._hand_over(staged)
        except BaseException:
            staged.settle()
            self._forget(staged)
            raise
        return staged

    def _finish(self, staged: _Staged, summary: IngestSummary) -> None:
        """Write a staged batch in one transaction and keep what its steps learnt."""
        late = self._late()
        for step in late:
            step.begin()
        try:
            with self.engine.begin() as conn:
                assert staged.now is not None
                copies, stored = self._write(conn, staged.pending, staged.now, staged.seen)
        except BaseException:
            for step in late:
                step.rollback()
            raise
        self._dedup.commit()
        for step in (*self._nested(), *late):
            step.commit()
        for hook in self.after_commit:
            hook()
        summary.copies += copies
        summary.stored += stored
        if len(staged.pending) >= TRIM_AFTER:
            give_back_free_memory()

    def _finish_or_forget(self, staged: _Staged, summary: IngestSummary) -> None:
        try:
            staged.settle(strict=True)
            self._finish(staged, summary)
        except BaseException:
            self._forget(staged)
            raise

    def _forget(self, staged: _Staged) -> None:
        """Put the memory back as it was before the newest staged batch."""
        self._counts = staged.counts
        self._dedup.rollback()
        if staged.begun:  # not when its steps' batches were already forgotten (a redo)
            staged.begun = False
            for step in reversed(self._nested()):
                step.rollback()

    def _keep_replies(
        self, conn: Connection, batch: list[Prepared], previous: _Staged | None = None
    ) -> None:
        """Keep the batch's replies that no watch kept for their words but whose parent
        is kept: stored before (named by its id), or kept earlier in this batch (by id or
        URL). A comment under a watched post is part of its thread ("顶一下" names nothing
        of the story). It takes its parent's watches, so it counts where the parent does
        and its event is the parent's; its sentiment is still its own."""
        replies = [item for item in batch if item.post is None and item.reply is not None]
        if not replies:
            return
        parents = [reply_parent(item.reply) or "" for item in replies if item.reply is not None]
        stored = store.watches_of_posts(conn, parents)
        if previous is not None:
            previous.add_watches(stored, parents)
        in_batch: dict[str, list[str]] = {}
        kept: list[Post] = []
        for item in batch:
            post = item.post
            if post is None and item.reply is not None:
                parent = reply_parent(item.reply) or ""
                watches = in_batch[parent] if parent in in_batch else stored.get(parent)
                if watches is None:
                    continue  # its parent was dropped, or is not here yet
                post = item.post = item.reply
                post.watches = list(watches)
                kept.append(post)
            if post is not None:
                for ref in (post.id, post.url):
                    if ref:
                        in_batch[ref] = post.watches
        if kept:
            self._preparer.finish(kept)

    def _mark_copy(self, post: Post, key: Keys) -> store.Pending:
        post.duplicate_of = self._dedup.check_and_add(post)
        signature = None if post.duplicate_of else self._dedup.signature(post)
        return store.Pending(post, key, None, signature)

    def _link_copies(self, conn: Connection, copies: list[store.Pending]) -> None:
        # Asked of the store (indexed, one statement a batch), not kept in memory: copies
        # are few, and a table of the last 200,000 originals' keys cost 29 MB.
        if not copies:
            return
        pks = store.original_pks(conn, [p.post.duplicate_of or "" for p in copies])
        for item in copies:
            item.original_pk = pks.get(item.post.duplicate_of or "")

    def _save_source_counts(self) -> None:
        if not self._counts:
            return
        with session_scope(self.sessions) as session:
            for name, (seen, kept) in self._counts.items():
                row = service.get_source(session=session, name=name)
                if row is not None:
                    row.items_seen += seen
                    row.items_kept += kept
        self._counts.clear()


@dataclass
class _Staged:
    """A batch selected and handed to the steps, not stored yet (overlapping batches)."""

    counts: dict[str, list[int]]  # the per-source counts before it: put back if forgotten
    pending: list[store.Pending] = field(default_factory=list)
    seen: list[store.Seen] = field(default_factory=list)  # posts it updates (seen again)
    now: datetime | None = None  # the steps' and after-store steps' time
    waits: list[Callable[[], bool]] = field(default_factory=list)  # the steps' results
    may_overlap: bool = True  # the next batch may be staged before this one is stored
    begun: bool = False  # its batches in the nested steps are open
    _settled: bool = False

    def reopen(self) -> None:
        """The steps start on it again (their earlier results were dropped)."""
        self.waits = []
        self._settled = False
        self.may_overlap = True

    def settle(self, *, strict: bool = False) -> None:
        """Wait for the steps' work on the batch; its errors are raised with `strict`,
        else dropped (the batch is being forgotten for another error)."""
        if self._settled:
            return
        self._settled = True
        failed: BaseException | None = None
        for wait in self.waits:
            try:
                self.may_overlap &= wait()
            except BaseException as exc:
                failed = failed or exc
        if strict and failed is not None:
            raise failed

    def add_watches(self, stored: dict[str, list[str]], post_ids: list[str]) -> None:
        """Add its posts among `post_ids` to `stored` (post id → watches) as
        `store.watches_of_posts` will give them once it is stored."""
        wanted = set(post_ids)
        for item in self.pending:
            post = item.post
            if post.id in wanted:
                watches = stored.setdefault(post.id, [])
                watches += (w for w in dict.fromkeys(post.watches) if w not in watches)


def _count(items: Iterable[Prepared | Rejected], on_reject: RejectFn | None) -> IngestSummary:
    """The summary of the front alone: what would be read, rejected, matched."""
    summary = IngestSummary()
    for item in _accepted(items, summary, on_reject):
        summary.matched += item.matched
    return summary


def _accepted(
    items: Iterable[Prepared | Rejected], summary: IngestSummary, on_reject: RejectFn | None
) -> Iterator[Prepared]:
    """The accepted items; every item read is counted, and the rejected are reported."""
    for item in items:
        summary.read += 1
        if isinstance(item, Rejected):
            summary.rejected += 1
            if on_reject is not None:
                on_reject(item.line, item.reason)
            continue
        summary.accepted += 1
        yield item
