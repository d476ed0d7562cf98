"""JSON bodies in the charset their `Content-Type` declares (`charset=gbk`, `gb18030`,
`big5`, `utf-16`…), as systems in China send them; docs/api.md "Charsets".

JSON is UTF-8 (RFC 8259), and a body that is valid UTF-8 is read as UTF-8 whatever an
8-bit label says: clients that stamp a fixed `charset=iso-8859-1` on UTF-8 go on working,
and real GBK or Big5 text is never valid UTF-8 (its two-byte pairs do not form UTF-8's
sequences). Any other body is decoded with the declared charset; UTF-16, UTF-32 and the
seven-bit ones (HZ, ISO-2022-JP) are always decoded as declared (their bytes can pass for
UTF-8), UTF-16's and UTF-32's byte order from a BOM or the zero bytes around the first
ASCII character. A charset Python does not know, or a
codec that is not a charset (`base64`, `rot13`, `utf-7`), is refused with 415 naming it.

`DeclaredCharset` turns such bodies into UTF-8 before FastAPI parses them, for every
route that takes a JSON body; the push API (`web/api_posts.py`) decodes its own, after
counting the bytes as sent against its cap, and line by line for JSON Lines.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yuqing.core.i18n import _
from yuqing.monitor.readers import Record, parse_record
from yuqing.web.errors import one_line

# Python's codecs that decode bytes to text but are no charset a body is sent in.
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "raw-unicode-escape", "unicode-escape", "undefined", "utf-7"}
)
# Labels browsers know (WHATWG Encoding) that Python does not.
_LABELS = {
    "x-gbk": "gbk", "csgb2312": "gbk", "gb_2312": "gbk", "gb_2312-80": "gbk", "chinese": "gbk",
    "iso-ir-58": "gbk", "csiso58gb231280": "gbk", "x-sjis": "shift_jis",
    "unicode-1-1-utf-8": "utf-8", "unicode11utf8": "utf-8", "unicode20utf8": "utf-8",
}  # fmt: skip
# Decoded with a superset, as browsers do: GB18030 reads every GBK and GB2312 pair the
# same, and the pairs GBK lacks (the characters Windows' code page 936 added).
_DECODERS = {"gbk": "gb18030", "gb2312": "gb18030"}
# Charsets whose bytes are not ASCII's for ASCII text: never taken for UTF-8.
WIDE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
# Charsets that write Chinese, Japanese or Korean in ASCII's bytes (escape sequences):
# valid UTF-8, and never to be read as such.
SEVEN_BIT = frozenset(
    {"hz", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3",
     "iso2022_jp_ext", "iso2022_kr"}
)  # fmt: skip
JSON_MEDIA = frozenset(
    {
        "application/json",
        "application/x-ndjson",
        "application/jsonl",
        "application/jsonlines",
        "application/x-jsonlines",
        "application/json-lines",
    }
)


class BodyRefused(Exception):
    """A body refused whole: its HTTP status and the line that says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def declared_charset(content_type: str | None) -> str | None:
    """The codec of the `charset` parameter of `content_type`; None when there is none or
    it is UTF-8 (the body is then read as it always was). Raises `BodyRefused` (415) for
    a charset Python does not know."""
    label = None
    for param in (content_type or "").split(";")[1:]:
        key, _sep, value = param.partition("=")
        if key.strip().lower() == "charset":
            label = value.strip().strip("\"'").strip()
    if not label:
        return None
    try:
        info = codecs.lookup(_LABELS.get(label.lower(), label))
    except LookupError:
        info = None
    if info is None or not info._is_text_encoding or info.name in _NOT_CHARSETS:
        raise BodyRefused(
            415,
            _(
                "unsupported charset {charset!r} in the Content-Type header: send UTF-8, "
                "or a charset such as GBK, GB18030, Big5 or UTF-16"
            ).format(charset=label[:40]),
        )
    return None if info.name in ("utf-8", "utf-8-sig") else info.name


def _wide_codec(body: bytes, charset: str) -> str:
    """The byte order of a UTF-16 or UTF-32 body declared without one: its BOM, else the
    zero bytes around its first (ASCII) character, as `json` tells them."""
    if charset not in ("utf-16", "utf-32"):
        return charset
    found = json.detect_encoding(body)
    return found if found.startswith(charset) else charset


def _not_valid(charset: str, exc: UnicodeDecodeError) -> str:
    return _("the body is not valid {charset} (byte {n})").format(
        charset=charset.upper(), n=exc.start + 1
    )


def _as_utf8(raw: bytes, charset: str) -> bytes:
    """`raw` in `charset` as UTF-8; raises `UnicodeDecodeError`."""
    if charset in WIDE:
        return raw.decode(_wide_codec(raw, charset)).removeprefix("\ufeff").encode("utf-8")
    if charset not in SEVEN_BIT:
        try:
            raw.decode("utf-8")
            return raw
        except UnicodeDecodeError:
            pass
    return raw.decode(_DECODERS.get(charset, charset)).encode("utf-8")


def to_utf8(body: bytes, charset: str) -> bytes:
    """`body`, declared in `charset`, as UTF-8 (unchanged when it already is, see above).
    Raises `BodyRefused` (400) naming the first byte that is not of the charset."""
    try:
        return _as_utf8(body, charset)
    except UnicodeDecodeError as exc:
        raise BodyRefused(400, _not_valid(charset, exc)) from None


def line_records(body: bytes, charset: str) -> list[Record]:
    """The records of a JSON Lines body declared in `charset`, numbered as `read_jsonl`
    numbers them: a line not valid in the charset is one refused record, as a line that
    is not UTF-8 is without a charset; the other lines are taken."""
    if charset in WIDE:  # a line break is no single byte: decode the body first
        lines: Iterable[bytes] = to_utf8(body, charset).split(b"\n")
        charset = "utf-8"
    else:  # no byte of a GBK, GB18030, Big5 or Shift_JIS pair is a line feed
        lines = body.split(b"\n")
    records = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            raw = _as_utf8(raw, charset)
        except UnicodeDecodeError as exc:
            error = _("invalid {charset} at byte {n}").format(
                charset=charset.upper(), n=exc.start + 1
            )
            records.append(Record(number, error=error))
            continue
        records.append(parse_record(number, raw))
    return records


class DeclaredCharset:
    """ASGI middleware: a JSON body declared in a charset other than UTF-8 reaches the app
    as UTF-8 (`charset=utf-8`, its new length); an unknown charset or a body not valid in
    its charset is answered 415 or 400 here, one line of JSON. Paths in `own` decode
    their bodies themselves."""

    def __init__(self, app: ASGIApp, *, own: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.own = own

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.own:
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        content_type = next((v.decode("latin-1") for k, v in headers if k == b"content-type"), None)
        media = media_type(content_type)
        if media not in JSON_MEDIA and not media.endswith("+json"):
            await self.app(scope, receive, send)
            return
        try:
            charset = declared_charset(content_type)
            if charset is None:
                await self.app(scope, receive, send)
                return
            raw = await _whole_body(receive)
            if raw is None:  # the client left: nobody to answer
                return
            body = to_utf8(raw, charset)
        except BodyRefused as refused:
            answer = JSONResponse({"detail": one_line(refused.detail)}, refused.status)
            await answer(scope, receive, send)
            return
        kept = [(k, v) for k, v in headers if k not in (b"content-type", b"content-length")]
        kept += [
            (b"content-type", f"{media}; charset=utf-8".encode("latin-1")),
            (b"content-length", str(len(body)).encode("ascii")),
        ]
        sent = False

        async def transcoded() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # a disconnect, when the client goes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": kept}, transcoded, send)


async def _whole_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
