"""A local JSON Lines or CSV file (a drop folder), read on from where the last poll stopped.

The cursor keeps the byte offset after the last complete line taken, so a line still
being written is read next time, whole. A file that shrank or whose first bytes
changed was replaced: it is read again from the start.
A file holding one JSON array (as tools save a `.json` file) is read whole whenever it
changes, and its items after those already taken are new.
Options: `path` (else the URL, `file://` allowed), `format` ("jsonl" or "csv"; else by
the name's suffix), `max_items`.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

from yuqing.core.errors import InvalidInput, SourceUnavailable
from yuqing.core.i18n import _
from yuqing.monitor.connectors.base import Cursor, Fetched, SourceSpec, item_key
from yuqing.monitor.csvcolumns import check_columns, column_fields
from yuqing.monitor.readers import (
    csv_delimiter,
    csv_encoding,
    csv_object,
    decode_mixed_line,
    read_json_array,
    separator_line,
    wide_encoding,
    without_trailing_commas,
)

if TYPE_CHECKING:
    from yuqing.monitor.fetching import SafeClient

_HEAD_BYTES = 256  # enough to tell a replaced file from a grown one


def source_path(spec: SourceSpec) -> Path:
    """The file a spec names (option `path`, else its URL)."""
    raw = spec.option_str("path") or spec.url
    return Path(raw.removeprefix("file://")).expanduser()


def _head_digest(handle: IO[bytes], offset: int) -> str:
    # Only bytes already read count: a grown file keeps them, a replaced one does not.
    handle.seek(0)
    return hashlib.sha256(handle.read(min(offset, _HEAD_BYTES))).hexdigest()[:16]


def _file_encoding(handle: IO[bytes], path: Path) -> str:
    handle.seek(0)
    head = handle.read(64 * 1024)
    wide = wide_encoding(head)
    if wide is not None:
        # Read line by line from an offset, a line end is one byte: UTF-16 has two.
        raise SourceUnavailable(
            _("a {encoding} file cannot be followed as it grows; save it as UTF-8").format(
                encoding=wide.upper()
            ),
            source=str(path),
        )
    encoding = csv_encoding(head)
    return "utf-8-sig" if encoding == "utf-8" else encoding


_ARRAY_LIMIT = 64 * 1024 * 1024  # bytes of a JSON-array file read whole at each change


def _holds_array(handle: IO[bytes]) -> bool:
    """Whether a file is one JSON array: it opens with `[`, and is not JSON Lines whose
    first line happens to be an array (a line that is JSON on its own, more lines after)."""
    handle.seek(0)
    first = handle.readline(_ARRAY_LIMIT)
    if not first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return False
    try:
        json.loads(first.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return True  # "[" opening a pretty-printed array, its items on the lines after
    return not handle.read(4096).strip()


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


class _Lines:
    """Complete lines from an offset; `offset` is always just after the last one given."""

    def __init__(
        self,
        handle: IO[bytes],
        offset: int,
        encoding: str = "utf-8-sig",
        on_bad: Callable[[int, str], None] | None = None,
    ) -> None:
        handle.seek(offset)
        self.handle = handle
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.offset = offset
        self.number = 0
        self.on_bad = on_bad

    def __iter__(self) -> Iterator[str]:
        while True:
            raw = self.handle.readline()
            if not raw.endswith(b"\n"):
                return  # end of file, or a line still being written
            self.offset += len(raw)
            self.number += 1
            # A GBK line appended to a UTF-8 file (or the reverse) is read in its own
            # encoding, as by `yuqing ingest`; a line neither is skipped with a warning,
            # never stored with its characters replaced.
            try:
                text = decode_mixed_line(raw, self.encoding, mixed=False)
            except UnicodeDecodeError as exc:
                if self.on_bad is not None:
                    reason = _("cannot decode this line as {encoding} (byte {n})").format(
                        encoding=exc.encoding.upper(), n=exc.start + 1
                    )
                    self.on_bad(self.number, reason)
                yield "\n"  # a blank line: skipped by both readers
                continue
            yield text.removeprefix("\ufeff")


class FileConnector:
    """JSON Lines or CSV files on local disk, resumable by byte offset."""

    kind: ClassVar[str] = "file"

    def fetch(
        self, spec: SourceSpec, *, cursor: Cursor | None, http: SafeClient, now: datetime
    ) -> Fetched:
        """Read the lines added since the last poll."""
        cursor = cursor or Cursor()
        path = source_path(spec)
        fmt = spec.option_str("format") or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
        warnings: list[str] = []
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise SourceUnavailable(
                _("cannot read: {error}").format(error=exc.strerror), source=str(path)
            ) from None
        with handle:
            size = path.stat().st_size
            if fmt != "csv" and (cursor.extra.get("array") or _holds_array(handle)):
                return self._follow_array(handle, size, cursor, spec, path)
            offset = int(cursor.extra.get("offset", 0))
            line = int(cursor.extra.get("line", 0))
            header = cursor.extra.get("header")
            if offset > size or (
                offset and cursor.extra.get("head") != _head_digest(handle, offset)
            ):
                reason = _("file was replaced; reading it from the start")
                warnings.append(f"{path}: {reason}")
                offset, line, header = 0, 0, None
                cursor = replace(cursor, extra={})
            encoding = "utf-8-sig"
            if fmt == "csv":
                # Decided once, from the file's head, as for `yuqing ingest` (a GBK export
                # from Excel in China, a Windows-1252 one elsewhere), and kept.
                encoding = str(cursor.extra.get("encoding") or "") or _file_encoding(handle, path)
                kept = {"encoding": encoding}
            else:
                kept = {}
            first_line = line

            def on_bad(number: int, reason: str) -> None:
                warnings.append(f"{path}:{first_line + number}: {reason}")

            lines = _Lines(handle, offset, encoding, on_bad)
            if fmt == "csv":
                items, header = self._read_csv(
                    lines,
                    header,
                    spec,
                    path,
                    line,
                    warnings,
                    str(cursor.extra.get("delimiter", ",")),
                )
                if header is not None:
                    kept["delimiter"] = header[0]
                    header = header[1]
            else:
                items = self._read_jsonl(lines, spec, path, line, warnings)
            head = _head_digest(handle, lines.offset)
        extra = {
            **cursor.extra,
            **kept,
            "offset": lines.offset,
            "line": line + lines.number,
            "head": head,
        }
        if header is not None:
            extra["header"] = header
        return self._fetched(cursor, items, extra, warnings)

    @staticmethod
    def _fetched(
        cursor: Cursor, items: list[dict[str, Any]], extra: dict[str, Any], warnings: list[str]
    ) -> Fetched:
        new_cursor = cursor.advanced(
            (item_key(item) for item in items),
            published=(
                str(item["published_at"])
                for item in items
                if isinstance(item.get("published_at"), str)
            ),
            extra=extra,
        )
        return Fetched(items=items, cursor=new_cursor, warnings=warnings)

    def _follow_array(
        self, handle: IO[bytes], size: int, cursor: Cursor, spec: SourceSpec, path: Path
    ) -> Fetched:
        """A file holding one JSON array (as tools save a `.json` file): it is rewritten
        whole as it grows, so it is read whole when its size changed (or when the last poll
        stopped at `max_items`), and the items after those already taken are new. A first
        item that changed means another file: it is read again from the start."""
        warnings: list[str] = []
        state = cursor.extra
        taken = int(state.get("array_items", 0))
        if state.get("array_done") and state.get("array_size") == size:
            return self._fetched(cursor, [], dict(state), warnings)
        if size > _ARRAY_LIMIT:
            raise SourceUnavailable(
                _("a JSON array of {size} MB is too large to follow; write JSON Lines").format(
                    size=size // (1024 * 1024)
                ),
                source=str(path),
            )
        handle.seek(0)
        records = read_json_array(handle.read(size))
        if records is None:
            reason = _("the JSON array is not complete (still being written?); read next time")
            warnings.append(f"{path}: {reason}")
            return self._fetched(cursor, [], {**state, "array_done": False}, warnings)
        first = _digest(records[0].obj) if records else ""
        if taken and first != state.get("array_first"):
            reason = _("file was replaced; reading it from the start")
            warnings.append(f"{path}: {reason}")
            taken = 0
        items: list[dict[str, Any]] = []
        for record in records[taken:]:
            self._take(record.obj, items, warnings, f"{path}: [{record.line}]")
            taken = record.line
            if len(items) >= spec.max_items:
                break
        extra = {"array": True, "array_items": taken, "array_size": size, "array_first": first}
        extra["array_done"] = taken >= len(records)
        return self._fetched(cursor, items, extra, warnings)

    def _read_csv(
        self,
        lines: _Lines,
        header: Any,
        spec: SourceSpec,
        path: Path,
        first_line: int,
        warnings: list[str],
        delimiter: str,
    ) -> tuple[list[dict[str, Any]], tuple[str, list[str]] | None]:
        """Records up to `max_items`, and the delimiter and header row (read once, kept).

        Columns and cells as for `yuqing ingest` (`readers.csv_object`): the usual
        column names (`标题`, `正文`, `点赞数` …), counts as platforms write them; a row
        that is not a post is a warning naming its line.
        """
        items: list[dict[str, Any]] = []
        rows = iter(lines)
        if not isinstance(header, list):
            first = next(rows, None)
            named = separator_line(first) if first is not None else None
            if named is not None:  # Excel's `sep=;` line; the header follows
                first = next(rows, None)
            if first is None:
                return items, None
            delimiter = named or csv_delimiter(first)
            header = next(csv.reader([first], delimiter=delimiter))
        if not header:
            return items, None
        header = [str(name) for name in header]
        fields = column_fields(header)
        try:
            check_columns(fields)
        except InvalidInput as exc:
            raise SourceUnavailable(exc.message, source=str(path)) from None
        for row in csv.reader(rows, delimiter=delimiter):
            if not row or row == header:
                continue  # a blank line; the header again, where exports were joined
            where = f"{path}:{first_line + lines.number}"
            try:
                record = csv_object(fields, row, header)
            except InvalidInput as exc:
                warnings.append(f"{where}: {exc.message}")
                continue
            self._take(record, items, warnings, where)
            if len(items) >= spec.max_items:
                break
        return items, (delimiter, header)

    def _read_jsonl(
        self, lines: _Lines, spec: SourceSpec, path: Path, first_line: int, warnings: list[str]
    ) -> list[dict[str, Any]]:
        """Records up to `max_items`; bad lines become warnings naming the line."""
        items: list[dict[str, Any]] = []
        for text in lines:
            where = f"{path}:{first_line + lines.number}"
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except (ValueError, RecursionError) as exc:
                record = without_trailing_commas(text)  # `{"a": 1,}`: nothing follows
                if record is None:
                    reason = _("not valid JSON: {error}").format(error=exc)
                    warnings.append(f"{where}: {reason}")
                    continue
            self._take(record, items, warnings, where)
            if len(items) >= spec.max_items:
                break
        return items

    @staticmethod
    def _take(record: Any, items: list[dict[str, Any]], warnings: list[str], where: str) -> None:
        if not isinstance(record, dict):
            reason = _("not a JSON object; skipped")
            warnings.append(f"{where}: {reason}")
        elif not record.get("text") and not record.get("title"):
            reason = _("has neither text nor title; skipped")
            warnings.append(f"{where}: {reason}")
        else:
            items.append(record)
