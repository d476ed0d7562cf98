"""Is a page a list of articles or an article? Only strong evidence makes it a list.

A list page is mostly headline links: each headline sits in an item (the link, maybe a
date and a teaser) and little text stands outside the items. An article page has its own
main text, and its navigation, "related" box or ranking sidebar does not change that.
Article metadata (Open Graph type, JSON-LD, a publication time) or a full date outside
any item (the byline) also says article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from yuqing.monitor.connectors.pagedate import ITEM_MAX_CHARS, json_ld, time_of
from yuqing.monitor.urls import canonical_url, link_url

_ARTICLE_PATH = re.compile(r"\d{4,}|\.(?:s?html?|shtm|php|aspx?)$", re.I)
_NOT_ARTICLE = re.compile(r"/(?:index|list|default|tag|tags|category|search|login)\b[^/]*$", re.I)
_MIN_ANCHOR_CHARS = 5  # headlines are longer than "首页", "更多", "next"
# Page furniture whose text is not the page's own, by tag or by class/id.
_FURNITURE_TAGS = frozenset(
    {"a", "script", "style", "noscript", "template", "nav", "footer", "aside", "select", "form"}
)
_FURNITURE = re.compile(
    r"nav|menu|foot|bottom|copyright|breadcrumb|sidebar|cookie|consent|banner|share|toolbar",
    re.I,
)
_FULL_DATE = re.compile(r"(?<!\d)\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)")
MIN_LIST_LINKS = 2  # with no text of its own, even two headlines make a list
LITTLE_OWN_TEXT = 200  # characters: less than a short news item's body
_MIN_BLOCK = 8  # shorter text runs are labels and separators ("来源：", "|", "03-01")


def site_of(host: str) -> str:
    """A host without its `www.`: the same site either way."""
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def looks_like_article_link(url: str, anchor: str, page: str) -> bool:
    """Whether a link on `page` looks like a headline: same site, article-like path."""
    parts, page_parts = urlsplit(url), urlsplit(page)
    if parts.scheme not in ("http", "https") or url == page:
        return False
    if site_of(parts.hostname or "") != site_of(page_parts.hostname or ""):
        return False
    path = parts.path or "/"
    if path == "/" or _NOT_ARTICLE.search(path):
        return False
    return len(anchor.strip()) >= _MIN_ANCHOR_CHARS and _ARTICLE_PATH.search(path) is not None


@dataclass
class PageLayout:
    """What a page is made of: its headline links and the text that is its own."""

    links: list[str]
    headline_chars: int
    own_chars: int
    own_dated: bool
    says_article: bool

    @property
    def is_list(self) -> bool:
        """Many headline links and little text of its own, and nothing saying article."""
        return (
            len(self.links) >= MIN_LIST_LINKS
            and self.own_chars < LITTLE_OWN_TEXT
            and self.own_chars < self.headline_chars
            and not self.own_dated
            and not self.says_article
        )


def _says_article(tree: Any) -> bool:
    for node in tree.css('meta[property="og:type"], meta[name="og:type"]'):
        if (node.attributes.get("content") or "").strip().lower() == "article":
            return True
    for node in tree.css("meta[content]"):
        key = node.attributes.get("property") or node.attributes.get("name") or ""
        if key.lower() in ("article:published_time", "pubdate", "publishdate"):
            return True
    return any(obj.get("@type") not in ("WebPage", ["WebPage"]) for obj in json_ld(tree))


def _is_furniture(node: Any) -> bool:
    if node.tag in _FURNITURE_TAGS:
        return True
    attrs = node.attributes
    marks = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    return bool(marks.strip()) and _FURNITURE.search(marks) is not None


def _holds(node: Any, headline_ids: set[int]) -> int:
    return sum(1 for a in node.css("a[href]") if a.mem_id in headline_ids)


def _repeated(node: Any, parent: Any, headline_ids: set[int]) -> bool:
    """Whether `node` is one of several alike siblings that each hold a headline."""
    shape = (node.tag, node.attributes.get("class"))
    alike = 0
    for sibling in parent.iter():
        if (sibling.tag, sibling.attributes.get("class")) == shape and _holds(
            sibling, headline_ids
        ):
            alike += 1
            if alike > 1:
                return True
    return False


def _items(anchors: list[Any], body: Any) -> set[int]:
    """Each headline's item: the repeated element around it (`li`, `tr`, a teaser box)."""
    headline_ids = {a.mem_id for a in anchors}
    items: set[int] = set()
    for anchor in anchors:
        node, item = anchor, None
        while item is None:
            parent = node.parent
            if parent is None or parent.mem_id == body.mem_id:
                break
            if _repeated(node, parent, headline_ids):
                item = node
            elif _holds(parent, headline_ids) > 1:
                break
            else:
                node = parent
        if item is None:
            # No repeated shape: the largest lone box around the link, if item-sized.
            item = node if len(node.text(strip=True) or "") <= ITEM_MAX_CHARS else anchor
        items.add(item.mem_id)
    return items


def _own_text(body: Any, items: set[int]) -> str:
    runs: list[str] = []
    for node in body.traverse(include_text=True):
        if node.tag != "-text":
            continue
        text = (node.text_content or "").strip()
        if len(text) < _MIN_BLOCK:
            continue
        parent, outside = node.parent, True
        while parent is not None and parent.mem_id != body.mem_id:
            if parent.mem_id in items or _is_furniture(parent):
                outside = False
                break
            parent = parent.parent
        if outside:
            runs.append(text)
    return "\n".join(runs)


def page_layout(html: str, *, base: str) -> PageLayout:
    """The layout of a page fetched from `base`."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    page = canonical_url(base)
    links: list[str] = []
    anchors: list[Any] = []
    headline_chars = 0
    for anchor in tree.css("a[href]"):
        href = anchor.attributes.get("href") or ""
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = link_url(href, base=base)
        if url is None:
            continue
        text = anchor.text(strip=True) or ""
        if url in links or not looks_like_article_link(url, text, page):
            continue
        links.append(url)
        anchors.append(anchor)
        headline_chars += len(text)
    body = tree.body
    own = _own_text(body, _items(anchors, body)) if body is not None else ""
    return PageLayout(
        links=links,
        headline_chars=headline_chars,
        own_chars=len(own.replace("\n", "")),
        own_dated=_FULL_DATE.search(own) is not None,
        says_article=_says_article(tree),
    )


def listed_times(
    html: str, *, base: str, links: list[str], timezone: str, now: datetime | None
) -> dict[str, str]:
    """The time a list page shows beside each of `links` (`3分钟前`, `12-06 10:00`, a full
    date), read as an article page's byline is; `now` is when the list was fetched.

    A link's item is the largest box around it that holds no other of `links` and is
    item-sized; links without a time in theirs are left out.
    """
    from selectolax.lexbor import LexborHTMLParser

    wanted = set(links)
    tree = LexborHTMLParser(html)

    def urls_in(node: Any) -> set[str]:
        found = (link_url(a.attributes.get("href") or "", base=base) for a in node.css("a[href]"))
        return {url for url in found if url in wanted}

    times: dict[str, str] = {}
    for anchor in tree.css("a[href]"):
        url = link_url(anchor.attributes.get("href") or "", base=base)
        if url is None or url not in wanted or url in times:
            continue
        item, node = None, anchor.parent
        while node is not None and node.tag not in ("body", "html"):
            if len(node.text(strip=True) or "") > ITEM_MAX_CHARS or len(urls_in(node)) > 1:
                break
            item, node = node, node.parent
        if item is None:
            continue
        headline = anchor.text(separator=" ") or ""
        rest = (item.text(separator=" ") or "").replace(headline, " ", 1)
        when = time_of(" ".join(rest.split()), timezone, now=now)
        if when:
            times[url] = when
    return times
