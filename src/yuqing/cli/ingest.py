"""`yuqing ingest`: posts from files or stdin through the live pipeline (CONTRACTS)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from yuqing.analysis.cluster_process import ClusterProcess
    from yuqing.monitor.parallel import FrontPool
    from yuqing.monitor.pipeline import Pipeline
    from yuqing.monitor.readers import Record
    from yuqing.monitor.schemas import IngestSummary


def ingest(
    files: list[Path] = typer.Argument(None, help="JSON Lines or .csv files; stdin when none."),
    source: str = typer.Option("", "--source", help="Source name for posts that name none."),
    strict: bool = typer.Option(
        False, "--strict", help="All or nothing: a rejected line is an error, nothing stored."
    ),
) -> None:
    """Run posts through the pipeline and store what is kept; prints a JSON summary."""
    _check_source_name(source)
    paths: list[Path | None] = list(files) if files else [None]
    workers = [_workers_for(path) for path in paths]
    # Worker processes start first: their start-up overlaps this process's own.
    with _cluster_process(max(workers)) as cluster, _front_pool(max(workers)) as pool:
        from yuqing.cli.context import alert_sender, app_context
        from yuqing.cli.jsonlines import dumps
        from yuqing.core.errors import InvalidInput
        from yuqing.core.gctune import tune_for_streaming
        from yuqing.core.i18n import ngettext
        from yuqing.worker.live import build_pipeline

        tune_for_streaming()
        ctx = app_context()
        with alert_sender(ctx) as send:
            # Restoring the clusterer and the copy table waits until the first input's
            # chunks are with the workers (a second or more on a well-filled store).
            pipeline = build_pipeline(
                engine=ctx.engine,
                clock=ctx.clock,
                settings=ctx.settings,
                send=send,
                defer_state=pool is not None,
                cluster_process=cluster,
            )
            inputs = [(p, pool if w > 1 else None) for p, w in zip(paths, workers, strict=True)]
            if strict:
                total = _ingest_strictly(pipeline, inputs, source)
            else:
                total = _ingest_all(pipeline, inputs, source)
    sys.stdout.write(dumps(total.to_json()) + "\n")
    if strict and total.rejected:
        raise InvalidInput(
            ngettext(
                "{n} rejected line with --strict: nothing was stored",
                "{n} rejected lines with --strict: nothing was stored",
                total.rejected,
            ).format(n=total.rejected)
        )


@contextmanager
def _cluster_process(workers: int) -> Iterator[ClusterProcess | None]:
    """For big inputs (as for worker processes), the events are clustered in a process of
    their own, overlapping the store (YUQING_CLUSTER_PROCESS=0: in the pipeline's own).
    Started first: forked before the worker pool's threads and any database connection."""
    import os

    if workers <= 1 or os.environ.get("YUQING_CLUSTER_PROCESS", "").strip() == "0":
        yield None
        return
    from yuqing.analysis.cluster_process import ClusterProcess

    with ClusterProcess(fork=True) as process:
        yield process


@contextmanager
def _front_pool(workers: int) -> Iterator[FrontPool | None]:
    if workers <= 1:
        yield None
        return
    from yuqing.analysis.steps import warm_front
    from yuqing.monitor.parallel import FrontPool

    # Nothing has opened the database yet: the workers can be forked.
    with FrontPool(workers, warmups=[warm_front], fork=True) as pool:
        yield pool


def _ingest_strictly(
    pipeline: Pipeline, inputs: list[tuple[Path | None, FrontPool | None]], source: str
) -> IngestSummary:
    """All or nothing: every input is read and checked before any of it is stored (stdin
    is kept in a temporary file for the second reading); with a rejected line, nothing
    is stored, no event changes and no alert is raised."""
    import shutil
    import tempfile

    with tempfile.TemporaryFile() as stdin:
        if any(_is_stdin(path) for path, _pool in inputs):
            shutil.copyfileobj(sys.stdin.buffer, stdin)
        checked = _ingest_all(pipeline, inputs, source, check_only=True, stdin=stdin)
        if checked.rejected:
            return checked
        return _ingest_all(pipeline, inputs, source, stdin=stdin)


def _ingest_all(
    pipeline: Pipeline,
    inputs: list[tuple[Path | None, FrontPool | None]],
    source: str,
    *,
    check_only: bool = False,
    stdin: IO[bytes] | None = None,
) -> IngestSummary:
    from yuqing.core.errors import InvalidInput
    from yuqing.monitor.pipeline import SourceDefaults
    from yuqing.monitor.readers import read_csv
    from yuqing.monitor.schemas import IngestSummary

    total = IngestSummary()
    for path, pool in inputs:
        suffix = f" ({path})" if len(inputs) > 1 else ""
        defaults = SourceDefaults(source=source)
        on_reject = functools.partial(_report_in, suffix=suffix)
        with _open(path, stdin) as opened:
            is_csv = path is not None and path.suffix.lower() == ".csv"
            stream = opened if is_csv else _as_utf8(opened)  # CSV reads UTF-16 itself
            array = _json_array(path, stream)
            if array is not None:
                summary = pipeline.run(
                    array, defaults=defaults, on_reject=on_reject, check_only=check_only
                )
            elif is_csv:
                try:
                    summary = pipeline.run(
                        read_csv(stream),
                        defaults=defaults,
                        on_reject=on_reject,
                        check_only=check_only,
                    )
                except InvalidInput as exc:  # the file as a whole (its header, its encoding)
                    raise InvalidInput(exc.message, where=str(path)) from None
            else:
                summary = pipeline.run_jsonl(
                    stream, defaults=defaults, on_reject=on_reject, workers=pool or 1,
                    check_only=check_only,
                )  # fmt: skip
            total.add(summary)
    return total


def _first_bytes(stream: IO[bytes], size: int) -> bytes | None:
    """The first `size` bytes of `stream`, left to be read again (rewound, or peeked on a
    pipe); None when it can be neither."""
    if stream.seekable():
        head = stream.read(size)
        stream.seek(0)
        return head
    if hasattr(stream, "peek"):
        return bytes(stream.peek(size)[:size])
    return None


def _as_utf8(stream: IO[bytes]) -> IO[bytes]:
    """`stream` itself, or its text in UTF-8 when it starts with a UTF-16 or UTF-32
    byte-order mark: what Windows PowerShell 5 writes for `tool > posts.jsonl`, whose
    every line was refused as "not UTF-8". A lone surrogate becomes U+FFFD, as anywhere."""
    import io

    from yuqing.monitor.readers import wide_encoding

    head = _first_bytes(stream, 4)
    if head is None:
        return stream
    wide = wide_encoding(head)
    if wide is None:
        return stream
    return io.BytesIO(stream.read().decode(wide, "replace").encode("utf-8"))


def _json_array(path: Path | None, stream: IO[bytes]) -> list[Record] | None:
    """The records of an input that is one JSON array (after refusing a workbook), or None
    to read it as it is named (JSON Lines or CSV). Only the first bytes are looked at
    (peeked on a pipe) unless they open an array."""
    import io

    from yuqing.core.errors import InvalidInput
    from yuqing.monitor.readers import read_json_array, read_jsonl, refuse_workbook

    seekable = stream.seekable()
    head = _first_bytes(stream, 64)
    if head is None:
        return None
    try:
        refuse_workbook(head)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, where=str(path or "-")) from None
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return None
    data = stream.read()
    records = read_json_array(data)
    if records is None and seekable:
        stream.seek(0)
    elif records is None:  # a pipe cannot be read again: its lines from what was read
        records = list(read_jsonl(io.BytesIO(data)))
    return records


def _is_stdin(path: Path | None) -> bool:
    return path is None or str(path) == "-"


@contextmanager
def _open(path: Path | None, stdin: IO[bytes] | None) -> Iterator[IO[bytes]]:
    """The input at `path`; stdin from its copy when one was made (read from the start)."""
    from yuqing.cli.jsonlines import open_input

    if stdin is not None and _is_stdin(path):
        stdin.seek(0)
        yield stdin
        return
    with open_input(path) as stream:
        yield stream


PARALLEL_BYTES = 8 * 1024 * 1024  # below this, starting worker processes costs more than it saves


def _workers_for(path: Path | None) -> int:
    """Worker processes for the stateless front: YUQING_WORKERS, else by input size."""
    import os

    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _
    from yuqing.monitor.parallel import default_workers

    raw = os.environ.get("YUQING_WORKERS", "").strip()
    if raw:
        if not raw.isdigit():
            raise InvalidInput(
                _("{name} must be a number, not {value!r}").format(name="YUQING_WORKERS", value=raw)
            )
        return int(raw)
    if (os.cpu_count() or 1) < 2:
        return 1
    # stdin's size is unknown: serial unless YUQING_WORKERS asks otherwise.
    big = path is not None and path.is_file() and path.stat().st_size >= PARALLEL_BYTES
    return default_workers() if big else 1


def _report_in(line: int, reason: str, *, suffix: str) -> None:
    from yuqing.cli.jsonlines import report

    report(line, reason + suffix)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


def _check_source_name(source: str) -> None:
    """`--source` names every post that names none: it must fit where a post's own does."""
    from yuqing.core.errors import InvalidInput
    from yuqing.core.i18n import _

    # 256: the limit of a post's `source` (docs/formats.md); controls: PostgreSQL refuses NUL.
    if len(source) > 256 or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in source):
        raise InvalidInput(_("--source must be at most 256 characters, without control characters"))
