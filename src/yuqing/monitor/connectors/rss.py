"""RSS 2.0, Atom and RDF feeds through feedparser (tolerant of ill-formed feeds)."""

from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from yuqing.core.errors import InvalidInput, SourceParseError
from yuqing.core.i18n import _
from yuqing.monitor.connectors.base import Cursor, Fetched, SourceSpec, item_key
from yuqing.monitor.connectors.charset import decode_body
from yuqing.monitor.connectors.feedrepair import count_items, item_chunks, repair_xml
from yuqing.monitor.connectors.pagerelative import put_time, read_or_pass
from yuqing.monitor.timeparse import parse_time
from yuqing.monitor.urls import link_url

if TYPE_CHECKING:
    from yuqing.monitor.fetching import Response, SafeClient

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
ONE_BY_ONE_LIMIT = 2000  # items of a damaged feed read one by one, at most
# Whatever precedes the root element: BOM, blanks, prolog, comments, doctype, PIs.
_PREAMBLE = r"(?:\ufeff|\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*"
_FEED_ROOT = re.compile(_PREAMBLE + r"<(?:[A-Za-z][\w.-]*:)?(?:rss|feed|RDF)[\s>/]", re.I | re.S)
_XML_DECL = re.compile(r"^\ufeff?\s*<\?xml[^>]*\?>")


def looks_like_feed(text: str) -> bool:
    """Whether a document's root element is an RSS, Atom or RDF feed."""
    return _FEED_ROOT.match(text[:8192]) is not None


def _as_utf8_xml(text: str) -> bytes:
    # The text is already decoded (see charset.py); feedparser must not re-decode it
    # by a prolog that may name GBK, so the prolog is replaced with a UTF-8 one.
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + _XML_DECL.sub("", text, count=1).encode(
        "utf-8", "replace"
    )


def _iso(parsed: Any) -> str | None:
    # feedparser's *_parsed are UTC struct_times.
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_time(entry: Any, timezone: str, now: datetime | None) -> str | None:
    """When an entry says it was published (else updated), read as posts' times are;
    one written relative to the reading (`3分钟前`) against `now`, when the feed was
    fetched, as a `PageTime` that keeps the text as written.

    feedparser's own reading is not trusted first: it reads `2026/03/02 10:00` and
    `2026年3月2日` as 1 December and a time without an offset as UTC, where Chinese feeds
    mean Beijing time (docs/formats.md, "Times"). It is kept for the ASCII forms only it
    knows (W3DTF variants, asctime), never for text with a slash or CJK.
    """
    for raw_key, parsed_key in (("published", "published_parsed"), ("updated", "updated_parsed")):
        # dict.get: feedparser's own get maps a missing `updated` to `published`, warning.
        raw = dict.get(entry, raw_key)
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            return parse_time(raw, default_tz=timezone, field=raw_key).isoformat()
        except InvalidInput:
            relative = read_or_pass(raw, now=now, timezone=timezone)
            if relative is not None:
                return relative
            if raw.isascii() and "/" not in raw:
                found = _iso(dict.get(entry, parsed_key))
                if found:
                    return found
    return None


def _entry_text(entry: Any) -> str:
    # content:encoded (or Atom content) carries the full post; summary is the teaser.
    for content in entry.get("content") or []:
        value = content.get("value")
        if value:
            return str(value)
    return str(entry.get("summary") or entry.get("description") or "")


def _entry_item(entry: Any, *, base: str, timezone: str, now: datetime | None) -> dict[str, Any]:
    item: dict[str, Any] = {}
    own_id = entry.get("id")
    if own_id:
        item["id"] = str(own_id)
    link = entry.get("link")
    if link:
        # A link that does not parse goes on as written: normalization keeps it aside.
        item["url"] = link_url(str(link), base=base) or str(link)
    title = entry.get("title")
    if title:
        item["title"] = str(title)
    text = _entry_text(entry)
    if text:
        item["text"] = text
    published = _entry_time(entry, timezone, now)
    if published:
        put_time(item, published)  # missing: the pipeline uses arrival time
    author = entry.get("author")
    if author:
        item["author"] = str(author)
    comments = str(entry.get("slash_comments") or "").strip()
    if comments.isdigit():
        item["engagement"] = {"comments": int(comments)}
    return item


@dataclass
class FeedItems:
    """What one feed document holds for a cursor."""

    items: list[dict[str, Any]]  # new items, in the feed's order
    warnings: list[str]
    left_out: int  # new items held back by `max_items`
    shown: list[str]  # keys of the entries yielded now or seen before, still in the feed


def parse_feed(
    content: bytes,
    *,
    url: str,
    content_type: str = "",
    spec: SourceSpec,
    cursor: Cursor,
    now: datetime | None = None,
) -> FeedItems:
    """The new items of a feed document: all of them, or `max_items` when the source sets it.
    A time written relative to the reading is read against `now`, when it was fetched.

    Ill-formed XML is repaired first where its meaning is certain (feedrepair.py), with a
    warning saying what was repaired."""
    text = decode_body(content, content_type)[0]
    if not looks_like_feed(text):
        raise SourceParseError(_("not an RSS, Atom or RDF feed"), source=url)
    warnings: list[str] = []
    text, repairs = repair_xml(text)
    if repairs:
        reason = _("ill-formed XML repaired before reading: {repairs}").format(
            repairs=repairs.describe()
        )
        warnings.append(f"{url}: {reason}")
    parsed = _parse(text)
    if parsed.get("bozo"):
        if not parsed.entries and not parsed.get("version"):
            # TRANSLATORS: {error} is the feed parser's own wording, in English.
            reason = _("feed does not parse: {error}").format(error=parsed.get("bozo_exception"))
            raise SourceParseError(reason, source=url)
        reason = _("ill-formed feed read leniently ({error})").format(
            error=parsed.get("bozo_exception")
        )
        warnings.append(f"{url}: {reason}")
    entries = _all_entries(parsed.entries, text, url=url, warnings=warnings)
    # CONTRACTS: the posts the connector yields are all the feed holds; a limit is the
    # source's own choice, and what it holds back is counted, never dropped unseen.
    limit = spec.item_limit
    timezone = str(spec.options.get("timezone") or "Asia/Shanghai")
    seen = cursor.seen_set()
    found = FeedItems(items=[], warnings=warnings, left_out=0, shown=[])
    for number, entry in enumerate(entries, start=1):
        item = _entry_item(entry, base=url, timezone=timezone, now=now)
        if not item.get("title") and not item.get("text"):
            reason = _("entry {n} has neither title nor text; skipped").format(n=number)
            warnings.append(f"{url}: {reason}")
            continue
        key = item_key(item)
        if key not in seen:
            if limit is not None and len(found.items) >= limit:
                found.left_out += 1
                continue
            seen.add(key)
            found.items.append(item)
        found.shown.append(key)
    return found


def _parse(text: str) -> Any:
    import feedparser

    # A stream, never bytes or str: feedparser opens a str or bytes that looks like a
    # path or URL, and this document comes from outside.
    # No Content-Location on purpose: feedparser would resolve a guid like "jcrb-101"
    # against it as if it were a link; links are resolved below, ids stay as given.
    return feedparser.parse(
        io.BytesIO(_as_utf8_xml(text)),
        response_headers={"content-type": "application/xml; charset=utf-8"},
    )


def _all_entries(entries: list[Any], text: str, *, url: str, warnings: list[str]) -> list[Any]:
    """`entries`, or, when the document holds more items than they are (a damaged item
    cost the lenient parser the ones after it), each item read on its own. What still
    cannot be read is a warning, never a silent loss."""
    held = count_items(text)
    if len(entries) >= held:
        return entries
    if held > ONE_BY_ONE_LIMIT:  # a parse each: a feed that long is no feed people write
        reason = _("{lost} of {held} entries could not be read").format(
            lost=held - len(entries), held=held
        )
        warnings.append(f"{url}: {reason}")
        return entries
    one_by_one = [entry for chunk in item_chunks(text) for entry in _parse(chunk).entries[:1]]
    if len(one_by_one) > len(entries):
        reason = _(
            "{n} of {held} entries read one by one (a damaged item hid the ones after it)"
        ).format(n=len(one_by_one), held=held)
        warnings.append(f"{url}: {reason}")
        entries = one_by_one
    if len(entries) < held:
        reason = _("{lost} of {held} entries could not be read").format(
            lost=held - len(entries), held=held
        )
        warnings.append(f"{url}: {reason}")
    return entries


def fetched_from_response(
    spec: SourceSpec, response: Response, *, cursor: Cursor | None
) -> Fetched:
    """A feed poll's result from an already fetched response."""
    cursor = cursor or Cursor()
    if response.not_modified:
        return Fetched(items=[], cursor=cursor, not_modified=True)
    found = parse_feed(
        response.content,
        url=response.url,
        content_type=response.content_type,
        spec=spec,
        cursor=cursor,
        now=response.fetched_at,
    )
    # Cut short: forget the validators, or the next poll's 304 would hide the rest.
    cut = found.left_out > 0
    # Everything the feed still shows stays remembered, however long the feed is.
    new_cursor = cursor.advanced(
        found.shown,
        etag=None if cut else response.etag,
        last_modified=None if cut else response.last_modified,
        published=(item["published_at"] for item in found.items if "published_at" in item),
        keep=len(found.shown),
    )
    return Fetched(
        items=found.items, cursor=new_cursor, warnings=found.warnings, left_out=found.left_out
    )


class RssConnector:
    """RSS/Atom/RDF feeds with conditional GET and seen-item skipping."""

    kind: ClassVar[str] = "rss"

    def fetch(
        self, spec: SourceSpec, *, cursor: Cursor | None, http: SafeClient, now: datetime
    ) -> Fetched:
        """Poll the feed once."""
        cursor = cursor or Cursor()
        response = http.get(
            spec.url,
            internal=spec.internal,
            etag=cursor.etag,
            last_modified=cursor.last_modified,
            accept=ACCEPT,
        )
        return fetched_from_response(spec, response, cursor=cursor)
