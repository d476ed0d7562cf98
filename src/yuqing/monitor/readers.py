"""Reading records from files: JSON Lines and CSV (CONTRACTS `yuqing ingest`).

Each record is parsed on its own and carries its line number; a bad line becomes a
`Record` with an error, and reading goes on.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.monitor.posts import ENGAGEMENT_KEYS
from yuqing.monitor.repair import parse_count


@dataclass(slots=True)
class Record:
    """One record of input: its line number and either the object or why it was refused."""

    line: int
    obj: Any = None
    error: str | None = None


def decode_line(raw: bytes) -> str:
    """UTF-8 text of one line; invalid bytes are an error naming the byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("invalid UTF-8 at byte {n}").format(n=exc.start + 1)) from None


# orjson reads an integer beyond 64 bits (20 digits or more) as an inexact float, where
# `json` keeps every digit: such a line takes the standard path.
_LONG_INTEGER = re.compile(rb"\d{20}")


def fast_json(raw: bytes) -> bool:
    """Whether orjson reads `raw` as `json` would (when it reads it at all)."""
    return _LONG_INTEGER.search(raw) is None


def read_jsonl(stream: IO[bytes], *, start: int = 1) -> Iterator[Record]:
    """Parsed JSON objects of a JSON Lines byte stream, one `Record` a non-blank line."""
    for number, raw in enumerate(stream, start=start):
        if not raw.strip():
            continue
        # orjson parses valid UTF-8 JSON about twice as fast as `json`; anything it refuses
        # (bad UTF-8, a BOM, NaN, lone surrogates) takes the standard path, which accepts
        # what `json` accepts and words the error the same way as before.
        if fast_json(raw):
            try:
                yield Record(number, obj=orjson.loads(raw))
                continue
            except orjson.JSONDecodeError:
                pass
        try:
            text = decode_line(raw)
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield Record(number, obj=json.loads(text))
        except InvalidInput as exc:
            yield Record(number, error=exc.message)
        except (ValueError, RecursionError) as exc:
            # TRANSLATORS: {error} is Python's own wording, in English.
            yield Record(number, error=_("not valid JSON: {error}").format(error=exc))


def _decode_csv(stream: IO[bytes]) -> IO[str]:
    """Text of a CSV byte stream: UTF-8 (with or without BOM), else GB18030 (Excel in China)."""
    head = stream.read(64 * 1024)
    try:
        head.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 64 KiB boundary is still UTF-8.
        encoding = "utf-8-sig" if exc.start >= len(head) - 3 else "gb18030"
    rest = stream.read()
    return io.TextIOWrapper(io.BytesIO(head + rest), encoding=encoding, errors="strict", newline="")


def _csv_object(row: dict[str | None, str | list[str] | None]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    engagement: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None or isinstance(value, list):
            continue  # cells beyond the header: nowhere to put them
        name = key.strip()
        if value == "" or not name:
            continue
        bare = name.removeprefix("engagement.")
        if bare in ENGAGEMENT_KEYS:
            try:
                engagement[bare] = parse_count(value)
            except ValueError:
                raise InvalidInput(
                    _("column '{name}' must be a number, not {value!r}").format(
                        name=name, value=value
                    )
                ) from None
        else:
            obj[name] = value
    if engagement:
        obj["engagement"] = engagement
    return obj


def read_csv(stream: IO[bytes]) -> Iterator[Record]:
    """Records of a CSV file with a header row; the header is line 1."""
    try:
        text = _decode_csv(stream)
        reader = csv.DictReader(text)
        if not reader.fieldnames:
            return
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(_("cannot read CSV: {error}").format(error=exc)) from None
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as exc:
            yield Record(start, error=_("bad CSV: {error}").format(error=exc))
            start = reader.line_num + 1
            continue
        try:
            yield Record(start, obj=_csv_object(row))
        except InvalidInput as exc:
            yield Record(start, error=exc.message)
        start = reader.line_num + 1
