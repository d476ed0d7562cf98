"""The stateless front in worker processes, for big inputs on machines with cores to spare.

ARCHITECTURE: stateless steps scale out freely; stateful ones (duplicates, copies,
events, storage) stay in one place, in input order. Workers get chunks of raw JSON Lines
(bytes, so the parent does not even parse JSON), prepare them with the same `Preparer`
as the serial path, and send back `Prepared`/`Rejected` items in order; dropped posts
come back as keys only, which keeps the traffic small. At most two chunks per worker are
in flight, so memory stays bounded however large the input.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import IO

from yuqing.monitor.prepare import Prepared, Preparer, Rejected, SourceDefaults
from yuqing.monitor.readers import read_jsonl

CHUNK = 2000  # lines a task: large enough that pickling overhead stays small

_preparer: Preparer | None = None


def _init(preparer: Preparer) -> None:
    global _preparer  # one preparer per worker process
    _preparer = preparer


def _prepare_chunk(
    lines: list[bytes], first_line: int, defaults: SourceDefaults, received_at: datetime
) -> list[Prepared | Rejected]:
    assert _preparer is not None
    records = read_jsonl(io.BytesIO(b"".join(lines)), start=first_line)
    return _preparer.prepare_many(records, defaults=defaults, received_at=received_at)


def default_workers() -> int:
    """Worker processes worth starting here: one per core beyond the first, at least 2."""
    return max(2, min(8, (os.cpu_count() or 1)))


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


def prepare_parallel(
    stream: IO[bytes],
    *,
    preparer: Preparer,
    defaults: SourceDefaults,
    now: Iterable[datetime],
    workers: int,
) -> Iterator[Prepared | Rejected]:
    """Prepared items of a JSON Lines stream, in input order, computed by `workers`."""
    # Spawn, not fork: a forked worker would inherit the parent's pooled database
    # connections, and a PostgreSQL socket closed in a child is closed for the parent too.
    context = multiprocessing.get_context("spawn")
    clock = iter(now)
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init, initargs=(preparer,)
    ) as pool:
        pending: deque[Future[list[Prepared | Rejected]]] = deque()
        for first, lines in _chunks(stream):
            pending.append(pool.submit(_prepare_chunk, lines, first, defaults, next(clock)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
