"""One article page → one post object: CSS overrides first, then the page's own evidence.

Headline: `headline.py` (title, og:title and headings compared). Time: `pagedate.py`
(metadata, then the byline). Main text: trafilatura, precision first; when that pass
keeps only navigation or comments, a recall pass; lines that are link texts, comments or
banners are dropped from whichever pass is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from yuqing.monitor.connectors.headline import clean_headline
from yuqing.monitor.connectors.pagedate import published_time, time_of, visible_text
from yuqing.monitor.connectors.pagerelative import put_time

_AUTHOR_META = ('meta[name="author"]', 'meta[property="article:author"]')
# Whatever may stand before the document proper: BOM, blanks, an XML prolog, comments.
_CLEAN_START = re.compile(r"(?:\ufeff|\s|<\?xml[^>]*\?>|<!--.*?-->)*", re.S)
_DOCUMENT_START = re.compile(r"<!doctype\s|<html[\s>]", re.I)
_JUNK_SCAN = 64 * 1024
# Containers whose lines are not the article's words even when an extractor keeps them.
_JUNK_BOX = re.compile(
    r"comment|reply|replies|respond|discuss|pinglun|gentie|\bcmn?t|评论|跟帖"
    r"|cookie|consent|gdpr|newsletter|subscribe|share|breadcrumb|copyright|related|recommend",
    re.I,
)
_JUNK_TAGS = "nav, footer, aside"
# Credit and byline lines: who edited it, where it came from, when, how many read it.
_CREDIT = re.compile(
    r"^[\s(（【\[]*(?:责任编辑|责编|编辑|审核|校对|来源|作者|记者|通讯员|摄影|本文来源|原标题"
    r"|editor|edited by)\s*[:：]",
    re.I,
)
_BYLINE = re.compile(r"发布时间|发布日期|来源[:：]|浏览次数|点击数|阅读数|字体[:：]|【字体")
_FULL_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_MAX_CREDIT = 80
_NOT_WORD = re.compile(r"[\W_]+")
# A line that is only a time stamp (a comment's, a list item's) is nobody's words.
# (A clock time is required: a notice's closing "2026年2月10日" is part of it.)
_ONLY_TIME = re.compile(r"[\d\s/.\-年月日]*\d{1,2}\s*[:：时]\s*\d{2}[\d\s:：分秒]*")
_TABLE_ROW = re.compile(r"^\|(.*)\|$")
_MAX_JUNK_SHARE = 0.5
_TITLE_LINES = 4


def without_leading_junk(html: str) -> str:
    """The document from its doctype or `<html>` on, when a script or text precedes it."""
    clean = _CLEAN_START.match(html)
    start = clean.end() if clean else 0
    if _DOCUMENT_START.match(html, start):
        return html
    found = _DOCUMENT_START.search(html, start, start + _JUNK_SCAN)
    # An ad script or a PHP warning before <html> would otherwise open the body, and
    # parsers then lose the head (title, metadata) or the whole page.
    return html[found.start() :] if found else html


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


def _norm(text: str) -> str:
    return " ".join(text.split())


class _Junk:
    """The texts of a page that are not its article: link texts and junk containers."""

    def __init__(self, tree: Any) -> None:
        self.links = {_norm(a.text() or "") for a in tree.css("a")} - {""}
        self.short_links = sorted(
            (link for link in self.links if 2 <= len(link) <= _MAX_CREDIT), key=len, reverse=True
        )
        boxes: list[str] = []
        for node in tree.css("[class], [id]"):
            attrs = node.attributes
            marks = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
            # A wrapper around the headline holds the article, whatever its class says.
            if _JUNK_BOX.search(marks) and node.css_first("h1") is None:
                boxes.append(_norm(node.text(separator=" ") or ""))
        boxes.extend(_norm(node.text(separator=" ") or "") for node in tree.css(_JUNK_TAGS))
        self.boxes = "\n".join(boxes)

    def is_junk(self, line: str) -> bool:
        line = _norm(line)
        if line in self.links or (len(line) >= 4 and line in self.boxes):
            return True
        if len(line) <= _MAX_CREDIT and (
            _CREDIT.match(line)
            or (_BYLINE.search(line) and _FULL_DATE.search(line))
            or _ONLY_TIME.fullmatch(line)
        ):
            return True
        if len(line) > _MAX_CREDIT:
            return False
        # A short line made of link texts ("【打印本页】 【关闭窗口】", "首页 > 政务公开"):
        rest = line
        for link in self.short_links:
            if len(link) <= len(rest) and link in rest:
                rest = rest.replace(link, "")
        return len(_NOT_WORD.sub("", rest)) < len(line) * 0.2

    def clean(self, text: str) -> tuple[str, float]:
        """The text without junk lines, and the share of characters that were junk."""
        lines = [line.strip() for line in _table_cells(text) if line.strip()]
        kept = [line for line in lines if not self.is_junk(line)]
        total = sum(len(line) for line in lines) or 1
        junk = 1 - sum(len(line) for line in kept) / total
        return "\n".join(kept), junk


def _table_cells(text: str) -> list[str]:
    # trafilatura writes tables as "| cell | cell |"; old CMSs lay whole pages out in
    # tables, so each cell is a line of its own.
    lines: list[str] = []
    for line in text.split("\n"):
        row = _TABLE_ROW.match(line.strip())
        lines.extend(row.group(1).replace("\\|", "|").split(" | ") if row else [line])
    return lines


def _trafilatura(html: str, url: str, *, precise: bool) -> dict[str, Any]:
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        favor_precision=precise,
        favor_recall=not precise,
        # No dates guessed from the text's bare years; pagedate checks what is left.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    if document is None:
        return {}
    found = document if isinstance(document, dict) else document.as_dict()
    return {k: found.get(k) for k in ("title", "text", "date", "author") if found.get(k)}


def _main_text(html: str, url: str, junk: _Junk) -> tuple[str | None, dict[str, Any]]:
    """The article's text and trafilatura's metadata from the pass that was kept."""
    # Precision first: navigation and footers left in a post's text make watch rules
    # match on words the post never said. Recall when precision keeps only junk.
    found = _trafilatura(html, url, precise=True)
    text, share = junk.clean(found.get("text") or "")
    if not text or share > _MAX_JUNK_SHARE:
        recalled = _trafilatura(html, url, precise=False)
        more, _share = junk.clean(recalled.get("text") or "")
        if len(more) > len(text):
            text, found = more, {**found, **recalled}
    return text or None, found


def _drop_title_line(text: str | None, title: str | None) -> str | None:
    # Extractors keep the headline in the body, sometimes after a kicker line; the post
    # has it as its title, and what stands above it is not the body either.
    if not text or not text.strip():
        return None
    lines = text.strip().split("\n")
    if title:
        for index, line in enumerate(lines[:_TITLE_LINES]):
            if _norm(line) == _norm(title) and index + 1 < len(lines):
                return "\n".join(lines[index + 1 :]).strip()
    return text.strip()


def extract_post(
    html: str,
    *,
    url: str,
    options: Mapping[str, Any],
    timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The post object of an article page; fields it cannot find are left out.

    With `now`, when the page was fetched, a time the page writes relative to it
    (`3分钟前`, `昨天 14:20`) is read against it, and the text as written is kept as
    `published_at_text` (as `yuqing ingest` keeps it)."""
    from selectolax.lexbor import LexborHTMLParser

    html = without_leading_junk(html)
    tree = LexborHTMLParser(html)
    title = _first_text(tree, options.get("title_selector")) or clean_headline(tree)
    text = _selected_html(tree, options.get("text_selector"))
    found: dict[str, Any] = {}
    if not text:
        text, found = _main_text(html, url, _Junk(tree))
    chosen_time = _first_text(tree, options.get("time_selector"), attribute="datetime")
    when = time_of(chosen_time, timezone, now=now) if chosen_time else None
    if not when:
        when = published_time(
            tree,
            text=visible_text(tree),
            headline=title,
            timezone=timezone,
            guess=found.get("date"),
            now=now,
        )
    author = _first_text(tree, options.get("author_selector")) or _first_of(tree, _AUTHOR_META)
    author = author or found.get("author")
    title = title or found.get("title")
    item: dict[str, Any] = {"url": url}
    if title:
        item["title"] = title
    body = text if options.get("text_selector") else _drop_title_line(text, title)
    if body:
        item["text"] = body
    if when:
        put_time(item, when)
    if author:
        item["author"] = author
    return item
