"""Times a page writes relative to when it was read: `3分钟前`, `昨天 14:20`, `12-06 10:00`.

Forum threads, Weibo-like pages and news bylines show them instead of a date. They are
read against the moment the page was fetched (`timeparse.relative_time`), and the text as
the page shows it goes with the post as `published_at_text`, as `yuqing ingest` keeps it.

In running text a relative time counts only where it stands apart: after a label
(`发布时间：3小时前`) or as its own run of text (`作者：张三 | 3小时前`), never inside a
sentence (`5天前曾报道`). A day word or a date without its year needs a clock time
(`昨天 14:20`, `12-06 10:00`) unless a label introduces it: `昨天，市政府……` is a sentence.
The forms themselves are `timeparse.RELATIVE`, the grammar a whole field is read by.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yuqing.monitor.repair import clean_text
from yuqing.monitor.timeparse import RELATIVE, is_relative, relative_time

_WRITTEN_MAX = 60  # characters kept of the text as written, as ingest keeps them


class PageTime(str):
    """A page's time as ISO 8601 UTC. `written` is the page's own text when the time was
    relative to the fetch (`3分钟前`); None for a date the page states in full."""

    written: str | None = None


def relative_found(moment: datetime, written: str) -> PageTime:
    """`moment` as a `PageTime` that remembers how the page wrote it."""
    found = PageTime(moment.isoformat())
    found.written = clean_text(" ".join(written.split()))[:_WRITTEN_MAX]
    return found


_WORD = re.compile(r"[\w\u3400-\u9fff]")  # what a time standing apart does not touch
_BEFORE_OK = re.compile(r"(?:发布|发表|更新|创建)于$")  # `发布于3小时前`: a label, not a word


@dataclass(frozen=True)
class Relative:
    """A relative time found in text: where it stands, and whether it needs a label."""

    start: int
    end: int
    text: str
    needs_label: bool


def relative_spans(text: str) -> Iterator[Relative]:
    """The relative times that stand apart in `text`, in order."""
    for match in RELATIVE.finditer(text):
        start, end = match.span()
        before = text[max(0, start - 1) : start]
        after = text[end : end + 1]
        if after and _WORD.match(after) and not text.startswith(("发布", "发表"), end):
            continue  # `5天前曾报道`, `昨天下午` without its clock
        if before and _WORD.match(before) and not _BEFORE_OK.search(text[:start]):
            continue  # `约5天前`, `第12-06号`
        needs_label = bool(
            (match.group("day") and not match.group("day_clock"))
            or (match.group("date") and not match.group("date_clock"))
        )
        yield Relative(start, end, match.group(0), needs_label)


def read_relative(value: str, *, now: datetime, timezone: str) -> PageTime | None:
    """`value` read as a time relative to `now` (the fetch), or None when it is not one."""
    text = unicodedata.normalize("NFKC", value).replace("：", ":").strip()
    found = relative_time(text, now=now, default_tz=timezone)
    return relative_found(found, value) if found is not None else None


def read_or_pass(value: str, *, now: datetime | None, timezone: str) -> str | None:
    """A relative `value` read against `now`, the fetch; without it (no fetch time known),
    the text as written, for the pipeline to read on arrival. None when not relative."""
    if now is not None:
        return read_relative(value, now=now, timezone=timezone)
    return value.strip() if is_relative(value, default_tz=timezone) else None


def put_time(item: dict[str, Any], when: str) -> None:
    """`when` as the item's `published_at`, and for a relative time the text as written
    as `published_at_text` (as `yuqing ingest` keeps it)."""
    item["published_at"] = str(when)
    if isinstance(when, PageTime) and when.written:
        item["published_at_text"] = when.written
