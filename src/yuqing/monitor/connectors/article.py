"""One article page → one post object: CSS overrides first, page metadata, then trafilatura."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from yuqing.core.errors import InvalidInput
from yuqing.monitor.timeparse import parse_time

# Where pages state their facts when they state them at all (Open Graph, news sitemaps,
# common CMS templates).
_TIME_META = (
    'meta[property="article:published_time"]',
    'meta[name="pubdate"]',
    'meta[name="publishdate"]',
    'meta[name="PubDate"]',
    'meta[itemprop="datePublished"]',
    'meta[property="og:release_date"]',
)
# Visible time stamps of common Chinese CMS templates ("发布时间：2025-03-01 08:40").
_TIME_CSS = (
    "time",
    ".pubtime",
    ".pub-time",
    ".pub_time",
    ".publish-time",
    ".publish_time",
    "#pubtime",
    "#pub_date",
    ".post-time",
    ".date",
    ".time",
)
_TIME_TEXT = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}\s*[:：时]\s*\d{1,2}(?:\s*[:：分]\s*\d{1,2})?)?"
)
_AUTHOR_META = ('meta[name="author"]', 'meta[property="article:author"]')
_TITLE_META = ('meta[property="og:title"]',)


def _first_text(tree: Any, selector: str | None, *, attribute: str | None = None) -> str | None:
    if not selector:
        return None
    for node in tree.css(selector):
        value = node.attributes.get(attribute) if attribute else None
        value = value or node.attributes.get("content") or node.text(separator=" ", strip=True)
        if value and value.strip():
            return str(value).strip()
    return None


def _first_of(tree: Any, selectors: tuple[str, ...]) -> str | None:
    for selector in selectors:
        value = _first_text(tree, selector)
        if value:
            return value
    return None


def _selected_html(tree: Any, selector: str | None) -> str | None:
    # Kept as HTML: normalize turns it into text and keeps the original.
    if not selector:
        return None
    parts = [node.html or "" for node in tree.css(selector)]
    html = "\n".join(p for p in parts if p.strip())
    return html or None


def _iso_time(value: str | None, timezone: str) -> str | None:
    if not value:
        return None
    for candidate in (value, *(m.group(0) for m in _TIME_TEXT.finditer(value))):
        try:
            return parse_time(candidate.replace("：", ":"), default_tz=timezone).isoformat()
        except InvalidInput:
            continue
    return None


def _visible_time(tree: Any, timezone: str) -> str | None:
    for selector in _TIME_CSS:
        for node in tree.css(selector):
            found = _iso_time(node.attributes.get("datetime") or node.text(strip=True), timezone)
            if found:
                return found
    return None


def is_article_page(html: str) -> bool:
    """Whether a page says it is an article (Open Graph type or a publication time)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    og_type = _first_text(tree, 'meta[property="og:type"]')
    return (og_type or "").lower() == "article" or _first_of(tree, _TIME_META) is not None


def extract_post(
    html: str, *, url: str, options: Mapping[str, Any], timezone: str = "Asia/Shanghai"
) -> dict[str, Any]:
    """The post object of an article page; fields it cannot find are left out."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    title = _first_text(tree, options.get("title_selector"))
    text = _selected_html(tree, options.get("text_selector"))
    when = _first_text(tree, options.get("time_selector"), attribute="datetime")
    author = _first_text(tree, options.get("author_selector"))
    title = title or _first_of(tree, _TITLE_META)
    when = _iso_time(when or _first_of(tree, _TIME_META), timezone) or _visible_time(tree, timezone)
    author = author or _first_of(tree, _AUTHOR_META)
    if not text or not title or not when:
        found = _trafilatura(html, url)
        title = title or found.get("title")
        text = text or _drop_title_line(found.get("text"), title)
        when = when or _iso_time(found.get("date"), timezone)
        author = author or found.get("author")
    title = title or _first_text(tree, "title")
    item: dict[str, Any] = {"url": url}
    if title:
        item["title"] = title
    if text:
        item["text"] = text
    if when:
        item["published_at"] = when
    if author:
        item["author"] = author
    return item


def _trafilatura(html: str, url: str) -> dict[str, Any]:
    import trafilatura

    # Precision first: navigation and footers left in a post's text make watch rules
    # match on words the post never said. Recall only when precision finds nothing.
    found: dict[str, Any] = {}
    for precise in (True, False):
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            favor_precision=precise,
            favor_recall=not precise,
        )
        if document is not None:
            found = document if isinstance(document, dict) else document.as_dict()
            if found.get("text"):
                break
    return {k: found.get(k) for k in ("title", "text", "date", "author") if found.get(k)}


def _drop_title_line(text: Any, title: str | None) -> str | None:
    # trafilatura keeps the headline as the body's first line; the post has it as title.
    if not isinstance(text, str) or not text.strip():
        return None
    first, _, rest = text.partition("\n")
    if title and first.strip() == title.strip() and rest.strip():
        return rest.strip()
    return text.strip()
