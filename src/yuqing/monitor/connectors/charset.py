"""Bytes from the web → text, the way Chinese sites actually label (and mislabel) them.

Order: BOM, the HTTP charset, the document's own declaration (XML prolog or
`<meta charset>`), UTF-8, then charset-normalizer's guess. Each candidate must decode the
whole body strictly, so a wrong label falls through to the next instead of producing
mojibake. An HTTP ISO-8859-1 label is the server's default more often than a fact, so
it is tried only after everything else.

Two labels and one guess are not taken at their word:

- A UTF-16 or UTF-32 label on bytes with no BOM and no NUL near the start: such text is
  ASCII-compatible (a UTF-8 feed whose prolog was copied from a template), and decoding
  it as UTF-16 would "succeed" with CJK-looking garbage. WHATWG does the same for HTML.
- The detector's pick when another codec fits as well (no messier, no less like a
  language): it ranks Central European and Baltic code pages (cp1250, cp1257 …) first
  on ties, which turns an undeclared "señor" into "seńor", and Korean cp949 before
  GB18030 for short Chinese titles. A tie goes to GB18030, then Big5-HKSCS, then
  Windows-1252; a page the bytes really are in still wins (Polish "³" and "¹" inside
  words, Czech "ť" at 0x9D, which Windows-1252 does not have).
"""

from __future__ import annotations

import codecs
import re

_HEAD = 4096  # declarations live at the very start of a document
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
# Where the document proper starts when something (an ad script, a PHP warning) precedes it.
_DOCUMENT_START = re.compile(rb"<html[\s>]|<head[\s>]", re.IGNORECASE)
_JUNK_SCAN = 64 * 1024
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Labels whose real-world content is a superset: decode with the superset.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_WEAK = frozenset({"cp1252"})
_WIDE = ("utf-16", "utf-32")  # codec name prefixes of the encodings that are not ASCII-compatible
# Chinese sites first, then the web's default for single-byte text (WHATWG).
_TIE_ORDER = ("gb18030", "big5hkscs", "cp1252")


def canonical_charset(label: str | None) -> str | None:
    """A Python codec name for a charset label (GBK/GB2312 → gb18030); None if unknown."""
    if not label:
        return None
    low = label.strip().strip("\"'").lower()
    low = _SUPERSETS.get(low, low)
    try:
        name = codecs.lookup(low).name
    except LookupError:
        return None
    return _SUPERSETS.get(name, name)


def http_charset(content_type: str | None) -> str | None:
    """The charset label of a Content-Type header, if any."""
    if not content_type:
        return None
    match = _CT_CHARSET.search(content_type)
    return match.group(1) if match else None


def declared_charset(content: bytes) -> str | None:
    """The encoding the document declares in its XML prolog or `<meta>` tag."""
    head = content[:_HEAD]
    match = _XML_DECL.match(head) or _META.search(head)
    if match is None:
        # A script before <html> can push the <meta> past the first 4 KiB; without it
        # a GBK page is guessed as a European code page.
        start = _DOCUMENT_START.search(content, 0, _JUNK_SCAN)
        if start is not None and start.start() > 0:
            match = _META.search(content, start.start(), start.start() + _HEAD)
    return match.group(1).decode("ascii") if match else None


def _bom(content: bytes) -> str | None:
    for mark, name in _BOMS:
        if content.startswith(mark):
            return name
    return None


def _try(content: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    if encoding.startswith(_WIDE) and b"\x00" not in content[:_HEAD]:
        # ASCII-compatible bytes under a UTF-16/32 label (a BOM was already tried first).
        return None
    try:
        text = content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _guess(content: bytes) -> str | None:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(content[: 1024 * 1024]))
    if not matches:
        return None
    best = matches[0]
    # On a tie the detector's order is arbitrary (cp1250 before cp1252, cp949 before
    # GB18030 for short titles); a tie goes to the codec our sources actually use.
    for preferred in _TIE_ORDER:
        for match in matches:
            if preferred in {canonical_charset(name) for name in match.could_be_from_charset}:
                if match.chaos <= best.chaos and match.coherence >= best.coherence:
                    return preferred
                break
    return canonical_charset(best.encoding)


def guess_charset(content: bytes) -> str | None:
    """The codec undeclared bytes fit best (ties as above), or None; for files too."""
    return _guess(content)


def decode_body(content: bytes, content_type: str | None = None) -> tuple[str, str]:
    """The text of a body and the codec that decoded it."""
    from_http = canonical_charset(http_charset(content_type))
    strong_http = from_http if from_http not in _WEAK else None
    candidates = [_bom(content), strong_http, canonical_charset(declared_charset(content))]
    # Valid UTF-8 is almost never an accident, so it beats any guess.
    candidates.append("utf-8")
    for encoding in candidates:
        text = _try(content, encoding)
        if text is not None and encoding is not None:
            return text, encoding
    for encoding in (_guess(content), from_http):
        text = _try(content, encoding)
        if text is not None and encoding is not None:
            return text, encoding
    # Nothing fits every byte: keep what is readable rather than drop the page.
    return content.decode("utf-8", "replace"), "utf-8"
