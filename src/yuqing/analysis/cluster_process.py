"""The event clustering in a process of its own, so that it works on batch N+1 while the
pipeline's process stores batch N (its posts, event facts, alerts): on two cores the
clustering, most of the pipeline's serial work, no longer waits for the store, nor the
store for it.

`ClusterProcess` runs a `ClusterStep` in a child process and answers its calls in order
over one pipe. `RemoteClusterStep` stands for the step in the pipeline: the same methods
(`__call__`, merges and splits by hand, late replies, batches, checkpoints), plus `start`,
which hands a batch over and returns at once (`Pipeline` overlaps batches with it).

The child clusters exactly what the step in the pipeline's process would, in the same
order: the batches arrive in input order, the clusterer's batches nest (a batch begins
before the one before it is stored, and rolls back newest first), and a batch whose
posts claim late replies is stored before the next one starts (moving those replies
changes the events the next batch is compared with). The summaries event facts need
are taken right after each batch is clustered, as the step in the pipeline's process
would give them to that batch's facts.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection

from yuqing.analysis.events.model import EventSummary
from yuqing.analysis.events.tokenize import NAMES_KEY, WORDS_KEY
from yuqing.analysis.steps import ClusterStep, follow_merges, mark_selection_words
from yuqing.core.gctune import give_back_free_memory, tune_for_streaming
from yuqing.monitor.posts import Post

__all__ = ["ClusterProcess", "RemoteClusterStep"]

# What the clusterer reads of a post's `extra`: the rest stays in the pipeline's process.
_EXTRA_READ = ("reply_to", "duplicate_of")


class ClusterProcessError(RuntimeError):
    """The clustering process failed in a way that cannot travel back as its own error,
    or it ended."""


@dataclass
class _Reply:
    """One call's answer, read from the pipe in the order the calls were made."""

    value: Any = None
    error: BaseException | None = None
    done: bool = False
    awaited: bool = False  # someone will wait for it (its error is raised there)


@dataclass(frozen=True)
class _Clustered:
    """What the child answers for a batch: per post (event id, event ids or None), the
    late replies its parents claimed, the summaries of the events it touched, and the
    automatic merges it made (partition, kept, merged)."""

    events: list[tuple[str, list[str] | None]]
    adoptions: list[tuple[str, str, list[str]]]
    summaries: dict[str, EventSummary | None]
    merges: list[tuple[str, str, str]]


class ClusterProcess:
    """A child process holding the event clusterer, started at once."""

    def __init__(self, *, fork: bool = False) -> None:
        """`fork=True` only before the caller opens a database connection (as for
        `FrontPool`): the child then starts with this process's imports done."""
        from yuqing.monitor.parallel import mp_context

        context: Any = mp_context(fork)  # a fork or spawn context: it has `Process`
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, os.getpid()), name="yuqing-cluster", daemon=True
        )
        self._process.start()
        child.close()
        self._replies: deque[_Reply] = deque()
        self._broken = False

    # -- calls ---------------------------------------------------------------------------

    def send(self, op: str, *args: Any, awaited: bool = False) -> _Reply:
        """Ask the child; the answer is read by `wait` (calls are answered in order).
        `awaited`: the caller will wait for this very answer, and take its error."""
        if self._broken:
            raise ClusterProcessError(_ended())
        reply = _Reply(awaited=awaited)
        try:
            self._pipe.send((op, args))
        except (OSError, EOFError) as exc:
            self._broken = True
            raise ClusterProcessError(_ended()) from exc
        self._replies.append(reply)
        return reply

    def wait(self, reply: _Reply, *, earlier: bool = True) -> Any:
        """The answer of `reply`'s call (reading the answers of earlier calls first); an
        error of that call, or (with `earlier`) of an earlier call nobody will wait for,
        is raised."""
        failed: BaseException | None = None
        while not reply.done:
            first = self._replies.popleft()
            self._read(first)
            if first is not reply and first.error is not None and not first.awaited:
                failed = failed or first.error
        if failed is not None and earlier:
            raise failed
        if reply.error is not None:
            raise reply.error
        return reply.value

    def call(self, op: str, *args: Any) -> Any:
        return self.wait(self.send(op, *args))

    def stream(self, op: str, *args: Any) -> Iterator[bytes]:
        """The pieces a streaming call sends (a checkpoint), as they come."""
        reply = self.send(op, *args)
        while self._replies[0] is not reply:
            self.wait(self._replies[0])
        while True:
            kind, value = self._receive()
            if kind == "piece":
                yield value
                continue
            self._replies.popleft()
            reply.done = True
            if kind == "error":
                raise value
            return

    def _read(self, reply: _Reply) -> None:
        kind, value = self._receive()
        reply.done = True
        if kind == "error":
            reply.error = value
        else:
            reply.value = value

    def _receive(self) -> tuple[str, Any]:
        try:
            kind, value = self._pipe.recv()
        except (OSError, EOFError) as exc:
            self._broken = True
            raise ClusterProcessError(_ended()) from exc
        return kind, value

    def close(self) -> None:
        """End the child (after the calls already made)."""
        if self._process.is_alive() and not self._broken:
            with contextlib.suppress(OSError, EOFError):
                self._pipe.send(("close", ()))
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._pipe.close()
        self._broken = True

    def kill(self) -> None:
        """End the child at once (tests: a clustering process that dies mid-batch)."""
        self._process.kill()
        self._process.join()

    def __enter__(self) -> ClusterProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RemoteClusterStep:
    """`ClusterStep`, run by a `ClusterProcess`: what the live pipeline plugs in when
    it overlaps batches. Its attributes are those of `ClusterStep` the pipeline reads."""

    step_id = "cluster"

    def __init__(self, process: ClusterProcess) -> None:
        self.process = process
        self.organizations: Callable[[], Mapping[str, str]] = dict
        self.selection_words: Callable[[], Mapping[str, frozenset[str]]] = dict
        self.splits_seen = 0
        self.merges_seen: set[tuple[str, str]] = set()
        # Of the batch whose store phase comes next: the late replies its parents
        # claimed, and the summaries of its events as clustering left them.
        self.adoptions: list[tuple[str, str, list[str]]] = []
        self.merges: list[tuple[str, str, str]] = []
        self._summaries: dict[str, EventSummary | None] = {}

    def start(self, posts: list[Post], *, now: datetime) -> Callable[[], bool]:
        """Hand the batch's posts over; the callable returned waits for their events and
        sets them on the posts, and says whether the next batch may be clustered before
        this one is stored (not when its parents claimed late replies)."""
        mark_selection_words(posts, self.selection_words())  # here: the child has none
        slim = [_slim(p) for p in posts]
        reply = self.process.send("cluster", slim, now, dict(self.organizations()), awaited=True)

        def finish() -> bool:
            clustered: _Clustered = self.process.wait(reply)
            for post, (event_id, event_ids) in zip(posts, clustered.events, strict=True):
                post.annotations["event_id"] = event_id
                if event_ids is not None:
                    post.annotations["event_ids"] = event_ids
            self.adoptions = clustered.adoptions
            self.merges = clustered.merges
            self._summaries = clustered.summaries
            return not clustered.adoptions

        return finish

    def __call__(self, posts: list[Post], *, now: datetime) -> None:
        self.start(posts, now=now)()

    def summary(self, event_id: str) -> EventSummary | None:
        """The event's summary for the facts of the batch being stored: as clustering
        that batch left it (an event the batch's posts name), else as it is now (an
        event a person merged others into meanwhile)."""
        if event_id in self._summaries:
            return self._summaries[event_id]
        # The next batch's clustering may answer first: its error is that batch's, raised
        # when the pipeline reads its events (`awaited`), not this batch's.
        summary: EventSummary | None = self.process.call("summary", event_id)
        return summary

    def adopt_late_replies(
        self, conn: Connection, stored: list[tuple[Post, int]], *, now: datetime
    ) -> None:
        """As `ClusterStep.adopt_late_replies`, the moves made in the child."""
        from yuqing.analysis.late_replies import adopt_replies

        adoptions, self.adoptions = self.adoptions, []
        for partition, event_id, reply_ids in adoptions:
            moved = adopt_replies(
                conn, partition=partition, event_id=event_id, reply_ids=reply_ids, now=now
            )
            if moved:
                self.process.call("move_posts", [_slim(p) for p in moved], event_id, partition)

    def follow_merges(
        self, conn: Connection, stored: list[tuple[Post, int]], *, now: datetime
    ) -> None:
        """As `ClusterStep.follow_merges`: the merges the child made in this batch."""

        merges, self.merges = self.merges, []
        follow_merges(conn, merges, now=now)

    def merge(self, keep: str, other: str) -> None:
        self.process.call("merge", keep, other)

    def split(self, event_id: str, posts: list[Post], *, new_id: str, partition: str) -> None:
        self.process.call("split", event_id, [_slim(p) for p in posts], new_id, partition)

    # A batch's transaction: nested in the child when batches overlap.
    def begin(self) -> None:
        self.adoptions = []
        self.merges = []
        self.process.send("begin")

    def commit(self) -> None:
        self.process.send("commit")

    def rollback(self) -> None:
        # The newest batch is forgotten in the child; `adoptions` and the summaries stay:
        # they are those of the batch whose store comes next, which may be an older one
        # (its store is about to begin, the next batch's clustering is only redone after
        # it). They are replaced when the next batch's events are read, before its store.
        # Called while another error goes up: only the rollback's own error counts, and
        # a child that has ended has no batch left to forget (later calls say it ended).
        with contextlib.suppress(ClusterProcessError):
            self.process.wait(self.process.send("rollback"), earlier=False)

    def snapshot(self) -> Iterator[bytes]:
        return self.process.stream("snapshot")

    def restore(self, parts: Iterable[bytes]) -> None:
        self.process.call("restore", list(parts))
        self.splits_seen = 0
        self.merges_seen = set()

    def close(self) -> None:
        self.process.close()


def _slim(post: Post) -> Post:
    """The fields of `post` the clusterer reads: what crosses the pipe (a post's HTML,
    engagement, sentiment and dedup sketch stay here)."""
    extra = {key: post.extra[key] for key in _EXTRA_READ if key in post.extra}
    derived = {key: post.derived[key] for key in (WORDS_KEY, NAMES_KEY) if key in post.derived}
    return Post(
        id=post.id,
        title=post.title,
        text=post.text,
        published_at=post.published_at,
        received_at=post.received_at,
        url=post.url,
        extra=extra,
        folded=post.folded,
        duplicate_of=post.duplicate_of,
        watches=post.watches,
        derived=derived,
    )


# -- the child -----------------------------------------------------------------------------


def _serve(pipe: Pipe, parent: int) -> None:
    from yuqing.monitor.parallel import end_with_parent, name_process

    end_with_parent(parent)
    name_process("yuqing-cluster")
    tune_for_streaming()
    step = ClusterStep()
    # The calls are read off the pipe by a thread of their own, so that the pipeline can
    # hand over the next batch while this one is clustered: a batch is megabytes, more
    # than the pipe holds, and the pipeline would otherwise wait in `send` until this
    # process is done (or, while it waits, this process in sending its answer).
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_read_calls, args=(pipe, inbox), daemon=True).start()
    handlers: dict[str, Callable[..., Any]] = {
        "cluster": lambda posts, now, orgs: _cluster(step, posts, now, orgs),
        "summary": lambda event_id: step.clusterer.summary(event_id),
        "move_posts": lambda posts, event_id, partition: step.clusterer.move_posts(
            posts, event_id, partition=partition
        ),
        "merge": step.merge,
        "split": lambda event_id, posts, new_id, partition: step.split(
            event_id, posts, new_id=new_id, partition=partition
        ),
        "begin": step.begin,
        "commit": lambda: _commit(step),
        "rollback": step.rollback,
        "restore": step.restore,
    }
    while True:
        call = inbox.get()
        if call is None:
            return  # the pipeline's end of the pipe is closed
        op, args = pickle.loads(call)  # noqa: S301 - the pipeline's own calls
        if op == "close":
            return
        try:
            if op == "snapshot":
                for piece in step.snapshot():
                    pipe.send(("piece", piece))
                pipe.send(("ok", None))
                continue
            pipe.send(("ok", handlers[op](*args)))
        except Exception as exc:  # every error goes back to the caller
            pipe.send(("error", _portable(exc)))


def _read_calls(pipe: Pipe, inbox: queue.SimpleQueue[bytes | None]) -> None:
    """Move the calls from the pipe to `inbox` as they come (`None` when it closes)."""
    while True:
        try:
            inbox.put(pipe.recv_bytes())
        except (EOFError, OSError):
            inbox.put(None)
            return


def _cluster(
    step: ClusterStep, posts: list[Post], now: datetime, organizations: dict[str, str]
) -> _Clustered:
    step.organizations = lambda: organizations
    step.adoptions = []
    step.merges = []
    step(posts, now=now)
    events = [(p.annotations["event_id"], p.annotations.get("event_ids")) for p in posts]
    touched = dict.fromkeys(eid for first, more in events for eid in (more or (first,)))
    summaries = {eid: step.clusterer.summary(eid) for eid in touched}
    adoptions, step.adoptions = step.adoptions, []
    merges, step.merges = step.merges, []
    return _Clustered(events, adoptions, summaries, merges)


def _commit(step: ClusterStep) -> None:
    step.commit()
    # What the batch allocated is free again (as the pipeline does after each batch).
    give_back_free_memory()


def _ended() -> str:
    """The one line a user reads when the clustering process is gone (killed, out of
    memory): the batches stored before it stay stored."""
    from yuqing.core.i18n import _

    return _("the clustering process has ended; the posts stored before it are kept")


def _portable(exc: Exception) -> BaseException:
    """`exc` if it survives pickling, else an error carrying its traceback."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes
    except Exception:  # any failure to travel
        text = "".join(traceback.format_exception(exc))
        return ClusterProcessError(f"clustering failed:\n{text}")
    return exc
