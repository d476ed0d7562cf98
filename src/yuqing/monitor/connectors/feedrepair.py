"""Repairs of the ways feeds are commonly ill-formed XML, before feedparser reads them.

Content systems write feeds by string templates, so their XML breaks in the same few ways:
a bare `&` (`Q&A`, a link's `?a=1&b=2`), an HTML entity XML does not define (`&nbsp;`,
`&ldquo;`), a bare `<` in text (`1<2`), control characters pasted from Word. feedparser
then falls back to its lenient parser, which reads `Q&A` as `Q&A;`, `AT&T;` as
`AT&amp;T`, a guid `g1&x` as `g1&x;`, and drops every item after a mistyped closing tag.

`repair_xml` fixes the first four where their meaning is certain (outside CDATA, comments,
processing instructions and the doctype; an entity the document's own DTD declares is left
alone), so the strict parser reads the feed exactly:

- `&name;` of HTML becomes the characters it names (as a numeric reference);
- any other `&` is the character itself (`&amp;`): `AT&T;` stays `AT&T;`;
- `<` not followed by what starts markup (a letter, `/`, `!`, `?`) is `&lt;`;
- characters XML forbids (C0 controls but tab and line breaks, U+FFFE, U+FFFF) are
  dropped, as the pipeline drops them from any text (monitor/repair.py).

`item_chunks` cuts a document at its `<item>`/`<entry>` start tags, each wrapped in the
document's own head and tail: what a damaged item cannot take from the items after it.
"""

from __future__ import annotations

import html.entities
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from yuqing.core.i18n import ngettext, pgettext

# Parts of a document where `&` and `<` are not markup: left as written.
_OPAQUE = re.compile(
    r"<!\[CDATA\[(?:(?!<!\[CDATA\[).)*?\]\]>"  # never across the start of another one
    r"|<!--(?:(?!<!--).)*?-->|<\?(?:(?!<\?).)*?\?>"  # none across the next opener
    r"|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>",
    re.S | re.I,
)
_AMP_OR_LT = re.compile(
    r"&(?:#([0-9]{1,7});|#[xX]([0-9A-Fa-f]{1,6});|([A-Za-z][A-Za-z0-9._-]{0,31});)?"
    r"|<(?![A-Za-z_:/!?])"
)
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECLARED = re.compile(r"<!ENTITY\s+([^\s%]+)")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
# An element of text only (a title, a link, a date) closed by a tag of another name: a
# misspelt closing tag (`<title>…</titel>`), or a missing one before its item's end.
_TEXT_ELEMENTS = (
    "title|link|guid|pubDate|description|author|category|comments|source|id|published"
    "|updated|summary|name|email|uri|creator|date|subject"
)
_MISCLOSED = re.compile(
    rf"<((?:[\w.-]+:)?(?:{_TEXT_ELEMENTS}))((?:\s[^<>]*)?)(?<!/)>([^<]*)</([\w:.-]+)\s*>"
)
_CONTAINERS = re.compile(r"(?:[\w.-]+:)?(?:item|entry|channel|feed|rss|RDF|image|textinput)")
_ITEM = re.compile(r"<(?:[\w.-]+:)?(?:item|entry)[\s>/]")
_ROOT_END = re.compile(r"</(?:[\w.-]+:)?(?:channel|feed|rss|RDF)\s*>")


def _allowed(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


@dataclass
class Repairs:
    """What `repair_xml` changed, counted by kind."""

    counts: Counter[str] = field(default_factory=Counter)

    def __bool__(self) -> bool:
        return bool(self.counts)

    def describe(self) -> str:
        """The repairs in a few words for the feed's warning (`3 bare '&', 1 HTML entity`)."""
        words = {
            "amp": lambda n: ngettext("{n} bare '&'", "{n} bare '&'", n),
            "entity": lambda n: ngettext(
                "{n} HTML entity such as &nbsp;", "{n} HTML entities such as &nbsp;", n
            ),
            "lt": lambda n: ngettext("{n} bare '<'", "{n} bare '<'", n),
            "char": lambda n: ngettext(
                "{n} character XML forbids", "{n} characters XML forbids", n
            ),
            "tag": lambda n: ngettext(
                "{n} misspelt or missing closing tag", "{n} misspelt or missing closing tags", n
            ),
        }
        return pgettext("list separator", ", ").join(
            words[kind](n).format(n=n) for kind, n in self.counts.items() if n and kind in words
        )


def repair_xml(text: str) -> tuple[str, Repairs]:
    """`text` with the repairs above; unchanged (and no repairs) when it needs none."""
    repairs = Repairs()
    declared = frozenset(
        name
        for doctype in re.findall(r"<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>", text, re.I)
        for name in _DECLARED.findall(doctype)
    )

    def fix(found: re.Match[str]) -> str:
        if found.group(0) == "<":
            repairs.counts["lt"] += 1
            return "&lt;"
        decimal, hexadecimal, name = found.groups()
        if decimal or hexadecimal:
            code = int(decimal) if decimal else int(hexadecimal, 16)
            if _allowed(code):
                return found.group(0)
            repairs.counts["char"] += 1
            return ""
        if name in _XML_ENTITIES or name in declared:
            return found.group(0)
        if name is not None and f"{name};" in html.entities.html5:
            repairs.counts["entity"] += 1
            return "".join(f"&#{ord(c)};" for c in html.entities.html5[f"{name};"])
        repairs.counts["amp"] += 1
        return "&amp;" + found.group(0)[1:]

    def fix_plain(plain: str) -> str:
        if "&" not in plain and "<" not in plain and _BAD_CHARS.search(plain) is None:
            return plain
        dropped = _BAD_CHARS.subn("", plain)
        if dropped[1]:
            repairs.counts["char"] += dropped[1]
        return _AMP_OR_LT.sub(fix, dropped[0])

    def close(found: re.Match[str]) -> str:
        name, attributes, content, closing = found.groups()
        container = _CONTAINERS.fullmatch(closing) is not None
        if closing == name or not (container or _misspelt(closing, name)):
            return found.group(0)  # `</p>` in a description is HTML, not a misspelling
        repairs.counts["tag"] += 1
        opened = f"<{name}{attributes}>{content}</{name}>"
        return opened + (f"</{closing}>" if container else "")

    out: list[str] = []
    at = 0
    for opaque in _OPAQUE.finditer(text):
        out.append(fix_plain(text[at : opaque.start()]))
        out.append(_BAD_CHARS.sub("", opaque.group(0)))
        at = opaque.end()
    out.append(fix_plain(text[at:]))
    repaired = "".join(out)
    if "</" in repaired:
        repaired = _MISCLOSED.sub(close, repaired)
    return (repaired, repairs) if repairs else (text, repairs)


def _misspelt(written: str, meant: str) -> bool:
    """Whether closing tag `written` is `meant` mistyped (`titel`, `descripton`)."""
    return SequenceMatcher(None, written.lower(), meant.lower()).ratio() >= 0.75


def _masked(text: str) -> str:
    """`text` with its opaque parts blanked, offsets kept: markup is found only outside."""
    return _OPAQUE.sub(lambda m: " " * len(m.group(0)), text)


def count_items(text: str) -> int:
    """How many `<item>` or `<entry>` start tags the document holds."""
    return len(_ITEM.findall(_masked(text)))


def item_chunks(text: str) -> list[str]:
    """One document per item: the head before the first item, the item's own text up to
    the next one (or the end of the channel), and the document's tail."""
    masked = _masked(text)
    starts = [found.start() for found in _ITEM.finditer(masked)]
    if not starts:
        return []
    end = _ROOT_END.search(masked, starts[-1])
    tail_at = end.start() if end else len(text)
    head, tail = text[: starts[0]], text[tail_at:]
    bounds = [*starts, tail_at]
    return [head + _cdata_closed(text[a:b]) + tail for a, b in itertools.pairwise(bounds)]


_LAST_CLOSING = re.compile(r"</[\w:.-]+\s*>\s*(?:</(?:[\w.-]+:)?(?:item|entry)\s*>\s*)?$")


def _cdata_closed(item: str) -> str:
    """An item whose last CDATA section is never closed (it would swallow the items
    after it), closed before the item's last element ends."""
    opened = item.rfind("<![CDATA[")
    if opened < 0 or "]]>" in item[opened:]:
        return item
    end = _LAST_CLOSING.search(item, opened)
    return item[: end.start()] + "]]>" + item[end.start() :] if end else item
