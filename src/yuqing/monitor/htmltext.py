"""HTML → plain text (selectolax), keeping paragraph breaks; scripts and styles dropped."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|/[a-zA-Z]|!--|!doctype)", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_BLOCKS = (
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
)


# A character reference with its semicolon (`&eacute;`, `&#8220;`, `&#x4e2d;`): what a
# feed's or a content system's headline holds when it was escaped once too often.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def unescape_entities(text: str) -> str:
    """`text` with its HTML character references read (`&ldquo;明德&rdquo;` → `“明德”`);
    a name HTML does not know stays as written."""
    if "&" not in text:
        return text
    return _ENTITY.sub(lambda found: html.unescape(found.group()), text)


def looks_like_html(text: str) -> bool:
    """Whether `text` contains markup (a tag, a comment or a doctype)."""
    return "<" in text and _TAG.search(text) is not None


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment or document; blocks become line breaks."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    for tag in _DROP:
        for node in tree.css(tag):
            node.decompose()
    for tag in _BLOCKS:
        for node in tree.css(tag):
            node.insert_before("\n")
            node.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(separator="", strip=False) if root is not None else ""
    text = _SPACES.sub(" ", text)
    lines = (line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
