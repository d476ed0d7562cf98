"""The stateless front in worker processes, for big inputs on machines with cores to spare.

ARCHITECTURE: stateless steps scale out freely; stateful ones (duplicates, copies,
events, storage) stay in one place, in input order. Workers get chunks of raw JSON Lines
(bytes, so the parent does not even parse JSON), prepare them with the same `Preparer`
as the serial path, and send back `Prepared`/`Rejected` items in order; dropped posts
come back as keys only, which keeps the traffic small. At most two chunks per worker are
in flight, so memory stays bounded however large the input.

Workers end when the process that started them dies, even by SIGKILL: forked workers
share the task queue's pipe with each other, so none of them would ever see it close,
and each would stay (about 155 MB) for good. On Linux the kernel signals them
(`PR_SET_PDEATHSIG`); everywhere, a thread in each worker watches its parent's pid.

A `FrontPool` can be started before the caller builds its pipeline: the workers' own
start (imports, the sentiment model, the word list) then overlaps the caller's instead
of following it. The preparer travels with the tasks as pickled bytes, unpickled once
per worker and kept while it stays the same.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import IO

from yuqing.core.clock import SystemClock
from yuqing.monitor.prepare import Prepared, Preparer, Rejected, SourceDefaults
from yuqing.monitor.readers import read_jsonl

WORKER_NICENESS = 10  # added to the workers' niceness: see `_yield_to_parent`
CHUNK = 2000  # lines a task: large enough that pickling overhead stays small
PARENT_CHECK_S = 1.0  # how often a worker's watchdog looks for its parent
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PR_SET_NAME = 15

_preparers: dict[str, Preparer] = {}  # in a worker: the preparer of the current run


def _start_worker(parent: int) -> None:
    """A worker's initializer: end with the parent, then yield the CPU to it."""
    end_with_parent(parent)
    name_process("yuqing-front")
    _yield_to_parent()


def name_process(name: str) -> None:
    """Name this process as `ps` and /proc/PID/comm show it (Linux; 15 bytes at most):
    an operator, or `bench/ingest.py`, tells the pipeline's helpers apart."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)


def end_with_parent(parent: int) -> None:
    if sys.platform == "linux":
        # The kernel kills this process when the thread that started it ends; the pool
        # starts its workers from the thread that submits the first task (the caller's).
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before we asked to follow it
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="yuqing-parent-watch", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    # Orphans are adopted by another process: a changed parent pid means ours is gone.
    clock = SystemClock()
    while os.getppid() == parent:
        clock.sleep(PARENT_CHECK_S)
    os._exit(1)


def _yield_to_parent() -> None:
    # The pipeline's own process is the critical path: its steps run one post after the
    # other, while the workers only need to stay a few chunks ahead of it. Lower priority
    # workers leave it a core of its own (on two cores: 10.7 s instead of 12.3 s for
    # `bench/ingest.py`) and yield to whatever else the machine runs.
    if hasattr(os, "nice"):
        # A sandbox may forbid it: then the workers run at the usual priority, as before.
        with contextlib.suppress(OSError):
            os.nice(WORKER_NICENESS)


def _warm(warmups: Sequence[Callable[[], None]]) -> None:
    for warmup in warmups:
        warmup()


def _prepare_chunk(
    token: str,
    preparer_blob: bytes,
    lines: list[bytes],
    first_line: int,
    defaults: SourceDefaults,
    received_at: datetime,
) -> list[Prepared | Rejected]:
    preparer = _preparers.get(token)
    if preparer is None:
        # A new run (other watches or sources): compile its watches once in this worker.
        _preparers.clear()
        preparer = _preparers[token] = pickle.loads(preparer_blob)  # noqa: S301 - from our own parent process
    records = read_jsonl(io.BytesIO(b"".join(lines)), start=first_line)
    return preparer.prepare_many(records, defaults=defaults, received_at=received_at)


def default_workers() -> int:
    """Worker processes worth starting here: one per core beyond the first, at least 2."""
    return max(2, min(8, (os.cpu_count() or 1)))


class FrontPool:
    """Worker processes for the stateless front, started at once."""

    def __init__(
        self, workers: int, *, warmups: Sequence[Callable[[], None]] = (), fork: bool = False
    ) -> None:
        """`fork=True` when the caller has opened no database connection yet: workers then
        start as copies of this process, with its imports done, instead of importing it
        all again (about half a second of CPU each)."""
        self.workers = workers
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=mp_context(fork),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        # The executor starts a process per task while none is idle: one warm-up task per
        # worker starts them all now, and each loads what its first chunk would.
        for _ in range(workers):
            self._pool.submit(_warm, tuple(warmups))

    def prepare(
        self,
        stream: IO[bytes],
        *,
        preparer: Preparer,
        defaults: SourceDefaults,
        now: Iterable[datetime],
    ) -> Iterator[Prepared | Rejected]:
        """Prepared items of a JSON Lines stream, in input order.

        The first chunks are handed out before this returns: the workers start on them
        while the caller gets ready to read the results.
        """
        blob = pickle.dumps(preparer)
        token = hashlib.blake2b(blob, digest_size=16).hexdigest()
        clock = iter(now)
        chunks = _chunks(stream)
        pending: deque[Future[list[Prepared | Rejected]]] = deque()

        def submit_next() -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            first, lines = chunk
            pending.append(
                self._pool.submit(_prepare_chunk, token, blob, lines, first, defaults, next(clock))
            )
            return True

        while len(pending) < 2 * self.workers and submit_next():
            pass

        def results() -> Iterator[Prepared | Rejected]:
            # At most two chunks per worker in flight: one more for each one read.
            while pending:
                done = pending.popleft()
                submit_next()
                yield from done.result()

        return results()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> FrontPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def mp_context(fork: bool) -> BaseContext:
    # Spawn unless asked and safe: a forked worker inherits the parent's pooled database
    # connections (a PostgreSQL socket closed in a child is closed for the parent), and
    # forking a process that runs threads can copy a lock some thread holds. Fork is
    # only the Linux default; macOS frameworks do not survive it.
    if fork and sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _chunks(stream: IO[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    first, lines = 1, list[bytes]()
    for number, raw in enumerate(stream, start=1):
        if not lines:
            first = number
        lines.append(raw)
        if len(lines) >= CHUNK:
            yield first, lines
            lines = []
    if lines:
        yield first, lines
