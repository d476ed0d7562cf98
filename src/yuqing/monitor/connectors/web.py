"""Web pages without a feed: a list page's article links, then each article's main text.

Options: `link_selector` (CSS for the article links), `list_selector` (CSS for the
containers of the list, links inside them), `next_selector` and `max_pages` (follow
"next page" links), `title_selector`, `text_selector`, `time_selector`,
`author_selector` (CSS overrides on article pages), `same_site` (default true: only
links to the list page's own site are followed), `page` ("list" or "article" to skip
guessing; see `listpage.py` for the guess), `timezone`, `max_items` (default 20: each
item costs a request). A list whose links give nothing falls back to the page itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from yuqing.core.errors import SourceParseError, SourceUnavailable
from yuqing.core.i18n import _
from yuqing.monitor.connectors.article import extract_post, without_leading_junk
from yuqing.monitor.connectors.base import Cursor, Fetched, SourceSpec
from yuqing.monitor.connectors.listpage import (
    listed_times,
    looks_like_article_link,
    page_layout,
    site_of,
)
from yuqing.monitor.connectors.pagerelative import put_time
from yuqing.monitor.urls import canonical_url, link_url

if TYPE_CHECKING:
    from yuqing.monitor.fetching import Response, SafeClient

ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
DEFAULT_MAX_ITEMS = 20


def article_links(html: str, *, base: str, options: dict[str, Any]) -> list[str]:
    """Canonical article URLs of a list page, in page order, without repeats."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    list_selector = options.get("list_selector")
    link_selector = options.get("link_selector")
    if list_selector:
        anchors = [
            a for box in tree.css(list_selector) for a in box.css(link_selector or "a[href]")
        ]
    else:
        anchors = tree.css(link_selector or "a[href]")
    chosen = bool(list_selector or link_selector)
    page = canonical_url(base)
    page_host = urlsplit(page).hostname or ""
    # Even a chosen selector stays on the site unless told otherwise: lists carry ads.
    same_site = options.get("same_site", True) is not False
    links: list[str] = []
    for anchor in anchors:
        href = anchor.attributes.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = link_url(href, base=base)
        if url is None or url == page or url in links:
            continue
        if not url.startswith(("http://", "https://")):
            continue
        if not chosen:
            if looks_like_article_link(url, anchor.text(strip=True), page):
                links.append(url)
        elif not same_site or site_of(urlsplit(url).hostname or "") == site_of(page_host):
            links.append(url)
    return links


def _next_page(html: str, *, base: str, selector: str | None) -> str | None:
    if not selector:
        return None
    from selectolax.lexbor import LexborHTMLParser

    node = LexborHTMLParser(html).css_first(selector)
    href = node.attributes.get("href") if node is not None else None
    return link_url(href, base=base) if href else None


# `<meta http-equiv="refresh" content="0; url=/next.html">`: the delay, then the target
# (`url=` optional, quoted or not), as browsers read it.
_REFRESH = re.compile(
    r"""\s*\d*(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?(?P<q>['"]?)(?P<url>[^'"]*)(?P=q)""",
    re.IGNORECASE,
)
_REFRESH_DELAY = re.compile(r"\s*(\d+)")
MAX_REFRESH_DELAY = 5  # seconds: longer, it is a page that reloads, not one that moved
MAX_REFRESH_HOPS = 3


def refresh_target(html: str, *, base: str) -> str | None:
    """Where a page's meta refresh sends a browser at once, or None: no refresh, a long
    delay (a page reloading itself every few minutes), or a target that is the page."""
    from selectolax.lexbor import LexborHTMLParser

    if "refresh" not in html.lower():
        return None
    for meta in LexborHTMLParser(html).css("meta[http-equiv]"):
        if str(meta.attributes.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        content = str(meta.attributes.get("content") or "")
        delay = _REFRESH_DELAY.match(content)
        if delay is None or int(delay.group(1)) > MAX_REFRESH_DELAY:
            return None
        found = _REFRESH.match(content)
        target = found.group("url").strip() if found else ""
        url = link_url(target, base=base) if target else None
        if url is None or urlsplit(url).scheme not in ("http", "https"):
            return None  # no target, or `javascript:`: nothing a crawler follows
        return url if url != link_url(base) else None
    return None


def follow_meta_refresh(response: Response, *, http: SafeClient, internal: bool) -> Response:
    """The page a meta refresh leads to (a few hops at most, each through the same safety
    checks as a redirect); `response` itself when it has none. Some sites move pages this
    way: the page fetched is then empty and would give nothing."""
    for _hop in range(MAX_REFRESH_HOPS):
        if response.not_modified:
            break
        target = refresh_target(without_leading_junk(response.text()), base=response.url)
        if target is None:
            break
        response = http.get(target, internal=internal, accept=ACCEPT)
    return response


def fetched_from_page(
    spec: SourceSpec, response: Response, *, cursor: Cursor | None, http: SafeClient
) -> Fetched:
    """A web poll's result from the already fetched first page."""
    cursor = cursor or Cursor()
    if response.not_modified:
        return Fetched(items=[], cursor=cursor, not_modified=True)
    response = follow_meta_refresh(response, http=http, internal=spec.internal)
    options = spec.options
    timezone = str(options.get("timezone") or "Asia/Shanghai")
    max_items = spec.option_int("max_items", DEFAULT_MAX_ITEMS)
    max_pages = spec.option_int("max_pages", 1)
    html, page_url = without_leading_junk(response.text()), response.url
    mode = options.get("page")
    listing = bool(options.get("list_selector") or options.get("link_selector"))
    # An article page links to other articles too (navigation, "related", rankings):
    # only a page that is mostly headlines, with little text of its own, is a list.
    if mode == "article" or (
        mode != "list" and not listing and not page_layout(html, base=page_url).is_list
    ):
        return _single_article(spec, response, cursor=cursor, timezone=timezone)
    links = article_links(html, base=page_url, options=options)
    fetched_at = response.fetched_at

    seen = cursor.seen_set()
    items: list[dict[str, Any]] = []
    keys: list[str] = []
    warnings: list[str] = []
    truncated = incomplete = False
    pages = 1
    already_seen = 0
    while True:
        # A thread or article page may not show its time where the list does (forums).
        listed = listed_times(html, base=page_url, links=links, timezone=timezone, now=fetched_at)
        for link in links:
            key = f"url:{link}"
            if key in seen:
                already_seen += 1
                continue
            if len(items) >= max_items:
                truncated = True
                break
            seen.add(key)
            try:
                page = http.get(link, internal=spec.internal, accept=ACCEPT)
            except SourceUnavailable as exc:
                # One broken article must not cost the rest; unseen, it is retried next poll.
                seen.discard(key)
                warnings.append(str(exc))
                incomplete = True
                continue
            item = extract_post(
                page.text(),
                url=canonical_url(page.url),
                options=options,
                timezone=timezone,
                now=page.fetched_at,
            )
            if not item.get("text") and not item.get("title"):
                reason = _("no title or text found; skipped")
                warnings.append(f"{link}: {reason}")
                continue
            _date_from_list(item, listed.get(link))
            items.append(item)
            keys.append(key)
        next_url = _next_page(html, base=page_url, selector=options.get("next_selector"))
        if truncated or pages >= max_pages or next_url is None or next_url == page_url:
            break
        try:
            nxt = http.get(next_url, internal=spec.internal, accept=ACCEPT)
        except SourceUnavailable as exc:
            warnings.append(str(exc))
            break
        html, page_url, pages = nxt.text(), nxt.url, pages + 1
        fetched_at = nxt.fetched_at
        links = article_links(html, base=page_url, options=options)
    if not items and not already_seen:
        # The links gave nothing (all failed, or none was an article): the page itself
        # is read instead, saying why, rather than a silent empty result.
        reason = _("the list's {count} article links gave nothing; reading the page itself")
        warnings.append(f"{canonical_url(page_url)}: {reason.format(count=len(links))}")
        fallback = _single_article(spec, response, cursor=cursor, timezone=timezone)
        return Fetched(
            items=fallback.items, cursor=fallback.cursor, warnings=warnings + fallback.warnings
        )
    # Anything left behind (cut short, failed): forget the validators, or the next
    # poll's 304 would hide it for good.
    incomplete = incomplete or truncated
    new_cursor = cursor.advanced(
        keys,
        etag=None if incomplete else response.etag,
        last_modified=None if incomplete else response.last_modified,
        published=(item["published_at"] for item in items if "published_at" in item),
    )
    return Fetched(items=items, cursor=new_cursor, warnings=warnings)


def _date_from_list(item: dict[str, Any], listed: str | None) -> None:
    """The list's time for an article whose own page shows none."""
    if listed is None or "published_at" in item:
        return
    put_time(item, listed)


def _single_article(
    spec: SourceSpec, response: Response, *, cursor: Cursor, timezone: str
) -> Fetched:
    url = canonical_url(response.url)
    key = f"url:{url}"
    etag, modified = response.etag, response.last_modified
    if key in cursor.seen_set():
        return Fetched(items=[], cursor=cursor.advanced([], etag=etag, last_modified=modified))
    item = extract_post(
        response.text(),
        url=url,
        options=spec.options,
        timezone=timezone,
        now=response.fetched_at,
    )
    if not item.get("text") and not item.get("title"):
        # Never an empty success: the caller (fetch, poll) reports the page as failed.
        media = response.content_type.split(";", 1)[0].strip().lower()
        if media and not (media.startswith("text/") or "html" in media or "xml" in media):
            # A PDF, an image, a download: say what it is rather than "no text found".
            reason = _("not a web page but {type}: no title or text to read")
            raise SourceParseError(reason.format(type=media), source=url)
        raise SourceParseError(_("no title or text found"), source=url)
    published = [item["published_at"]] if "published_at" in item else []
    return Fetched(
        items=[item],
        cursor=cursor.advanced([key], published=published, etag=etag, last_modified=modified),
    )


class WebConnector:
    """HTML list pages and article pages, read politely one request at a time."""

    kind: ClassVar[str] = "web"

    def fetch(
        self, spec: SourceSpec, *, cursor: Cursor | None, http: SafeClient, now: datetime
    ) -> Fetched:
        """Poll the page once."""
        cursor = cursor or Cursor()
        response = http.get(
            spec.url,
            internal=spec.internal,
            etag=cursor.etag,
            last_modified=cursor.last_modified,
            accept=ACCEPT,
        )
        return fetched_from_page(spec, response, cursor=cursor, http=http)
