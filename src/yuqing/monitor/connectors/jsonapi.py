"""JSON APIs: a list of objects somewhere in the response, mapped onto post fields.

Options: `items_path` (dotted path to the list; empty: the response is the list),
`fields` ({post field: dotted path}, e.g. {"text": "content.body",
"engagement.likes": "stats.likes"}; unmapped post fields are read by their own name),
`page_param` and `max_pages` (page numbers 1, 2, … in a query parameter), `timezone`,
`max_items`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from yuqing.core.errors import InvalidInput, SourceParseError
from yuqing.core.i18n import _
from yuqing.monitor.connectors.base import Cursor, Fetched, SourceSpec, dotted, item_key
from yuqing.monitor.connectors.pagerelative import put_time, read_or_pass
from yuqing.monitor.timeparse import parse_time
from yuqing.monitor.urls import link_url

if TYPE_CHECKING:
    from yuqing.monitor.fetching import SafeClient

ACCEPT = "application/json, */*;q=0.5"
_DEFAULT_FIELDS = {
    name: name for name in ("id", "url", "title", "text", "author", "published_at", "engagement")
}


def _with_page(url: str, param: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    return text or None


def map_item(
    raw: Mapping[str, Any],
    fields: Mapping[str, str],
    *,
    base: str,
    timezone: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The post object of one API record under a field mapping; a time written relative
    to the reading (`2 hours ago`) is read against `now`, when the response came."""
    post: dict[str, Any] = {}
    engagement: dict[str, int] = {}
    for name, path in fields.items():
        value = dotted(raw, path)
        if value is None:
            continue
        if name.startswith("engagement."):
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                engagement[name.split(".", 1)[1]] = int(value)
        elif name == "engagement":
            if isinstance(value, Mapping):
                engagement.update(
                    {k: int(v) for k, v in value.items() if isinstance(v, int) and v >= 0}
                )
        elif name == "published_at":
            try:
                post[name] = parse_time(value, default_tz=timezone, field=path).isoformat()
            except InvalidInput:  # `2 hours ago`: read against the response
                if isinstance(value, str) and (
                    relative := read_or_pass(value, now=now, timezone=timezone)
                ):
                    put_time(post, relative)
                continue  # else the pipeline uses the arrival time instead
        elif (text := _scalar(value)) is not None:
            # A url that does not parse goes on as written: normalization keeps it aside.
            post[name] = (link_url(text, base=base) or text) if name == "url" else text
    if engagement:
        post["engagement"] = engagement
    return post


def _items_of(content: bytes, *, url: str, items_path: str | None) -> list[Any]:
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SourceParseError(_("not valid JSON: {error}").format(error=exc), source=url) from None
    items = dotted(document, items_path)
    if items is None and items_path:
        return []  # an empty page often leaves the key out
    if not isinstance(items, list):
        reason = (
            _("no list of items at {path!r}").format(path=items_path)
            if items_path
            else _("no list of items at the top level")
        )
        raise SourceParseError(reason, source=url)
    return items


class JsonApiConnector:
    """JSON APIs with a configurable items path and field mapping."""

    kind: ClassVar[str] = "jsonapi"

    def fetch(
        self, spec: SourceSpec, *, cursor: Cursor | None, http: SafeClient, now: datetime
    ) -> Fetched:
        """Poll the API once (one or more pages)."""
        cursor = cursor or Cursor()
        fields = dict(_DEFAULT_FIELDS)
        mapping = spec.options.get("fields") or {}
        if not isinstance(mapping, Mapping):
            raise InvalidInput(_("option 'fields' must be a mapping"), where=spec.name)
        fields.update({str(k): str(v) for k, v in mapping.items()})
        timezone = str(spec.options.get("timezone") or "Asia/Shanghai")
        page_param = spec.option_str("page_param")
        max_pages = spec.option_int("max_pages", 1) if page_param else 1
        items_path = spec.option_str("items_path")
        seen = cursor.seen_set()
        resuming = bool(cursor.extra.get("incomplete"))
        items: list[dict[str, Any]] = []
        warnings: list[str] = []
        truncated = False
        etag: str | None = None
        modified: str | None = None
        for page in range(1, max_pages + 1):
            url = _with_page(spec.url, page_param, page) if page_param else spec.url
            first = page == 1
            response = http.get(
                url,
                internal=spec.internal,
                etag=cursor.etag if first and max_pages == 1 else None,
                last_modified=cursor.last_modified if first and max_pages == 1 else None,
                accept=ACCEPT,
            )
            if response.not_modified:
                return Fetched(items=[], cursor=cursor, not_modified=True)
            if max_pages == 1:
                etag, modified = response.etag, response.last_modified
            records = _items_of(response.content, url=url, items_path=items_path)
            known = False
            for number, raw in enumerate(records, start=1):
                if not isinstance(raw, Mapping):
                    reason = _("item {n} is not an object; skipped").format(n=number)
                    warnings.append(f"{url}: {reason}")
                    continue
                post = map_item(
                    raw, fields, base=response.url, timezone=timezone, now=response.fetched_at
                )
                if not post.get("title") and not post.get("text"):
                    reason = _("item {n} has neither title nor text; skipped").format(n=number)
                    warnings.append(f"{url}: {reason}")
                    continue
                key = item_key(post)
                if key in seen:
                    known = True
                    continue
                if len(items) >= spec.max_items:
                    truncated = True
                    break
                seen.add(key)
                items.append(post)
            # A page reaching known posts means older pages were read before, unless
            # the last poll was cut short and left items further back.
            if truncated or not records or (known and not resuming):
                break
        if truncated:
            etag = modified = None  # cut short: the next poll must not get a 304
        new_cursor = cursor.advanced(
            (item_key(item) for item in items),
            published=(item["published_at"] for item in items if "published_at" in item),
            extra={**cursor.extra, "incomplete": truncated},
            etag=etag,
            last_modified=modified,
        )
        return Fetched(items=items, cursor=new_cursor, warnings=warnings)
