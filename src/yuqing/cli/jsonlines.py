"""Reading and writing JSON Lines of posts for the stream commands and `ingest`.

Each line is parsed on its own: a bad line is reported as `LINE N: reason` on stderr and
skipped, and the rest of the input is still read (CONTRACTS).
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from yuqing.core.clock import Clock, SystemClock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.core.settings import load_settings
from yuqing.monitor.posts import Post

BATCH = 512


def report(line: int, reason: str, *, err: IO[str] | None = None) -> None:
    """Print one rejected line as CONTRACTS asks: `LINE N: reason`."""
    print(f"LINE {line}: {reason}", file=err or sys.stderr)


@contextmanager
def open_input(path: Path | None) -> Iterator[IO[bytes]]:
    if path is None or str(path) == "-":
        yield sys.stdin.buffer
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {path}: {error}").format(path=path, error=exc.strerror)
        ) from None
    with handle:
        yield handle


@contextmanager
def open_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None or str(path) == "-":
        yield sys.stdout
        return
    try:
        handle = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            _("cannot write {path}: {error}").format(path=path, error=exc.strerror)
        ) from None
    with handle:
        yield handle


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


def run_stream(
    annotate: Callable[[list[Post]], None],
    *,
    input_path: Path | None,
    output_path: Path | None,
    clock: Clock | None = None,
    ready: Callable[[Post], bool] | None = None,
    finish: Callable[[], None] | None = None,
) -> int:
    """Read posts, let `annotate` add fields to each batch, write the originals back with them.

    With `ready`, a line is written only once `ready(post)` (a post whose annotation waits
    on later lines), and every line after it waits too, so the order stays the input's;
    at the end of the input `finish()` completes the rest. Returns the number of rejected
    lines. Posts are written in input order, each as it
    came with the repairs ingest makes (`monitor/repair.py`: text without NUL, lone
    surrogates as U+FFFD, NaN and Infinity as null), so the output is always valid UTF-8
    JSON.
    """
    # Here, not at the top: every command imports this module (stream commands register
    # at start), and normalization's imports cost `yuqing --help` a fifth of its time.
    from yuqing.monitor.normalize import parse_post
    from yuqing.monitor.readers import read_jsonl
    from yuqing.monitor.repair import clean_json

    settings = load_settings()
    clock = clock or SystemClock()
    rejected = 0
    with open_input(input_path) as src, open_output(output_path) as out:
        batch: list[tuple[dict[str, Any], Post]] = []
        unwritten: deque[tuple[dict[str, Any], Post]] = deque()

        def write_ready(*, all_of_them: bool = False) -> None:
            while unwritten and (all_of_them or ready is None or ready(unwritten[0][1])):
                original, post = unwritten.popleft()
                out.write(dumps({**original, **post.annotations}))
                out.write("\n")

        def flush() -> None:
            annotate([post for _original, post in batch])
            unwritten.extend(batch)
            batch.clear()
            write_ready()

        for record in read_jsonl(src):
            if record.error is not None:
                report(record.line, record.error)
                rejected += 1
                continue
            try:
                post = parse_post(
                    record.obj,
                    received_at=clock.now(),
                    max_post_bytes=settings.max_post_bytes,
                    line=record.line,
                    timezone=settings.timezone,
                )
            except InvalidInput as exc:
                report(record.line, str(exc))
                rejected += 1
                continue
            # Checked by `parse_post` already: no limit on its size is left to apply.
            batch.append((clean_json(record.obj, max_chars=sys.maxsize), post))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        if finish is not None:
            finish()
        write_ready(all_of_them=True)
        out.flush()
    return rejected


def iter_batches(items: Iterable[Post], size: int = BATCH) -> Iterator[list[Post]]:
    batch: list[Post] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
