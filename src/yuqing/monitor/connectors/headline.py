"""An article's headline without the site's name: `<title>`, `og:title` and headings compared.

Sites append their name (and channel) to `<title>`: "标题-海川财经", "Title - Harbor News",
"标题_财经_云港网", "标题｜东湖网". The page shows the bare headline elsewhere, usually in
an `<h1>`: a heading that is a whole piece of the title confirms where to cut. Without one,
trailing pieces are cut only when the page names itself that way (og:site_name, a logo,
the footer, a navigation entry).
"""

from __future__ import annotations

import re
from typing import Any

# Where sites join headline and site name. An unspaced hyphen only between CJK
# characters: between Latin ones it is part of a word ("COVID-19", "e-mail").
_SEP = re.compile(
    r"\s+[-–—|｜:·•»]\s+|\s*(?:[_｜|]|--|——|\s-\s)\s*"
    r"|(?<=[\u3400-\u9fff\u3001-\u303f\uff01-\uff5e”」》）])-(?=[\u3400-\u9fff])"
)
_TITLE_META = ("og:title", "twitter:title", "articletitle", "headline", "dc.title")
_SITE_META = ("og:site_name", "application-name", "sitename", "publisher", "twitter:site")
_HEADINGS = "h1, h2, [class*=title], [id*=title], [class*=headline], [itemprop=headline]"
_SITE_PLACES = "header, footer, nav, [class*=logo], [id*=logo], [class*=foot], [id*=foot]"
_MIN_HEADLINE = 4
_MAX_HEADLINE = 200
_MAX_SITE_NAME = 30
_MIN_CONTAINED = 6
# A head piece shown by some element (not a heading) counts when it is most of the
# title: a navigation entry "Ukraine" must not confirm "Ukraine: talks resume - News".
_SHOWN_SHARE = 0.5


def _norm(text: str) -> str:
    return " ".join(text.split())


def _pieces(title: str) -> list[tuple[str, str]]:
    """(head, tail) pairs of every cut of `title` at a separator."""
    return [(title[: m.start()].strip(), title[m.end() :].strip()) for m in _SEP.finditer(title)]


def _meta(tree: Any, names: tuple[str, ...]) -> list[str]:
    found: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        value = _norm(attrs.get("content") or "")
        if key in names and value and key not in found:
            found[key] = value
    return [found[name] for name in names if name in found]


def _headings(tree: Any) -> list[str]:
    texts: list[str] = []
    for node in tree.css(_HEADINGS):
        if node.tag in ("meta", "title", "html", "body", "head"):
            continue
        text = _norm(node.text(separator=" ") or "")
        if _MIN_HEADLINE <= len(text) <= _MAX_HEADLINE and text not in texts:
            texts.append(text)
    return texts


def _confirmed(full: str, headings: list[str]) -> str | None:
    """A heading that is the whole title, its head before a separator, or its long tail."""
    pieces = _pieces(full)
    for heading in headings:
        if heading == full:
            return heading
        for head, tail in pieces:
            # A tail piece is the headline only when it outweighs the rest ("网站 - 标题");
            # a short tail is the site name, and a logo <h1> must not win.
            if heading == head or (heading == tail and len(tail) > len(head)):
                return heading
    # A heading with a label around the headline ("[求助] 标题"): the longest head of
    # the title that the heading contains, so a headline's own colon is kept.
    for head, _tail in reversed(pieces):
        if len(head) < _MIN_CONTAINED:
            continue
        for heading in headings:
            if head in heading and len(heading) <= len(head) * 1.5 + 8:
                return head
    return None


def _site_names(tree: Any) -> set[str]:
    names = set(_meta(tree, _SITE_META))
    for node in tree.css(_SITE_PLACES):
        text = _norm(node.text(separator=" ") or "")
        if text:
            names.add(text)
        for image in node.css("img[alt]"):
            names.add(_norm(image.attributes.get("alt") or ""))
    for node in tree.css("a, span, li, img[alt]"):
        text = _norm(node.attributes.get("alt") or "" if node.tag == "img" else node.text() or "")
        if 0 < len(text) <= _MAX_SITE_NAME:
            names.add(text)
    return names


def _is_site_piece(tail: str, places: set[str]) -> bool:
    if not tail or len(tail) > _MAX_SITE_NAME:
        return False
    return any(tail == place or (len(place) > len(tail) and tail in place) for place in places)


def _strip_site(full: str, places: set[str]) -> str:
    # Cut trailing pieces the page uses as its own name or channel, one at a time.
    while True:
        pieces = _pieces(full)
        if not pieces:
            return full
        head, tail = pieces[-1]
        if len(head) < _MIN_HEADLINE or not _is_site_piece(tail, places):
            return full
        full = head


def _shown_head(tree: Any, full: str) -> str | None:
    """The longest head of the title that some element shows as its whole text."""
    heads = {head for head, _tail in _pieces(full) if len(head) >= len(full) * _SHOWN_SHARE}
    if not heads:
        return None
    shown = {_norm(node.text() or "") for node in tree.css("body *")} & heads
    return max(shown, key=len) if shown else None


def clean_headline(tree: Any) -> str | None:
    """The headline of an article page, without the site's name; None when there is none."""
    title_node = tree.css_first("title")
    title = _norm(title_node.text() if title_node is not None else "")
    metas = _meta(tree, _TITLE_META)
    fulls = [t for t in (*metas, title) if t]
    headings = _headings(tree)
    for full in fulls:
        found = _confirmed(full, headings)
        if found:
            return found
    # og:title and <title> confirm each other: the shorter is the longer's head.
    for full in fulls:
        for other in fulls:
            if other != full and any(head == other for head, _tail in _pieces(full)):
                return other
    if not fulls:
        return headings[0] if headings else None
    shown = _shown_head(tree, fulls[-1])
    if shown:
        return shown
    places = _site_names(tree)
    stripped = _strip_site(fulls[0], places)
    if headings and _is_site_piece(stripped, places):
        # A title that is only the site's name ("青岚网" on every page): the heading.
        return headings[0]
    return stripped
