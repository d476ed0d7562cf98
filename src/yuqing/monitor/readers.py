"""Reading records from files: JSON Lines and CSV (CONTRACTS `yuqing ingest`).

Each record is parsed on its own and carries its line number; a bad line becomes a
`Record` with an error, and reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.monitor.csvcolumns import check_columns, column_fields
from yuqing.monitor.posts import ENGAGEMENT_KEYS
from yuqing.monitor.repair import parse_count


@dataclass(slots=True)
class Record:
    """One record of input: its line number and either the object or why it was refused."""

    line: int
    obj: Any = None
    error: str | None = None


def decode_line(raw: bytes) -> str:
    """UTF-8 text of one line; invalid bytes are an error naming the byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("invalid UTF-8 at byte {n}").format(n=exc.start + 1)) from None


_U64 = 2.0**64


def exact_json(raw: bytes) -> Any:
    """`raw` parsed by orjson (about twice as fast as `json`), as `json` would parse it.

    orjson reads an integer beyond 64 bits as an inexact float where `json` keeps every
    digit: a result holding a float that large is parsed again by `json` (a float written
    as such, `1e30`, comes out the same). Raises `orjson.JSONDecodeError` as orjson does.
    """
    obj = orjson.loads(raw)
    if type(obj) is dict or type(obj) is list:
        stack: list[Any] = [obj]
        while stack:  # a post is one flat object or two: a few microseconds
            value = stack.pop()
            for item in value.values() if type(value) is dict else value:
                kind = type(item)
                if kind is float:
                    if not -_U64 < item < _U64:
                        return json.loads(raw)
                elif kind is dict or kind is list:
                    stack.append(item)
    return obj


def read_jsonl(stream: IO[bytes], *, start: int = 1) -> Iterator[Record]:
    """Parsed JSON objects of a JSON Lines byte stream, one `Record` a non-blank line."""
    for number, raw in enumerate(stream, start=start):
        if not raw.strip():
            continue
        # orjson parses valid UTF-8 JSON about twice as fast as `json`; anything it refuses
        # (bad UTF-8, a BOM, NaN, lone surrogates) takes the standard path, which accepts
        # what `json` accepts and words the error the same way as before.
        yield parse_record(number, raw)


def parse_record(number: int, raw: bytes) -> Record:
    """The `Record` of one JSON value's bytes: the object, or why it was refused."""
    try:
        return Record(number, obj=exact_json(raw))
    except orjson.JSONDecodeError:
        pass
    try:
        # A byte-order mark starts the first line, or a later one where files written
        # with one were joined (`cat a.jsonl b.jsonl`): never part of the JSON.
        text = decode_line(raw).removeprefix("\ufeff")
        # strict=False: a raw tab or another control character inside a string, as
        # string-template exports write them, is read; normalize keeps tabs and drops the
        # rest (docs/formats.md, "Limits and repairs"), as it does for escaped ones.
        return Record(number, obj=json.loads(text, strict=False))
    except InvalidInput as exc:
        return Record(number, error=exc.message)
    except RecursionError:
        return Record(number, error=too_deep())
    except ValueError as exc:
        repaired = without_trailing_commas(text)
        if repaired is not None:
            return Record(number, obj=repaired)
        # TRANSLATORS: {error} is Python's own wording, in English.
        return Record(number, error=_("not valid JSON: {error}").format(error=exc))


# A JSON string (escapes skipped), or a comma with only blanks before a closing bracket.
_TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[}\]])', re.DOTALL)


def without_trailing_commas(text: str) -> Any:
    """The value of a JSON text that holds trailing commas (`{"a": 1,}`, `[1, 2,]`, a
    line `{…},` cut from an array), as JavaScript and hand edits write them; None when
    it has none or still does not parse. Their meaning is certain: nothing follows."""
    stripped = text.strip().removesuffix(",")
    fixed = _TRAILING_COMMA.sub(lambda m: m.group(0) if m.group(0) != "," else "", stripped)
    if fixed == text.strip():
        return None
    try:
        value = json.loads(fixed, strict=False)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def too_deep() -> str:
    """Why JSON nested beyond what Python's parser follows is refused (in words a user
    reads, not the interpreter's "maximum recursion depth exceeded")."""
    from yuqing.monitor.repair import MAX_DEPTH

    return _("not valid JSON: it nests deeper than {limit} levels").format(limit=MAX_DEPTH)


def read_json_array(data: bytes) -> list[Record] | None:
    """The posts of a file holding one JSON array (pretty-printed or not, as tools save a
    `.json` file), numbered by their place in it; None when `data` is not one array, so it
    is read as JSON Lines (a single-line array among other lines stays a refused line)."""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"["):
        return None
    try:
        value = exact_json(text)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(text.decode("utf-8"), strict=False)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            # One bad item (a typo, nesting too deep) must not cost the others.
            return split_json_array(text)
    if not isinstance(value, list):
        return None
    return [Record(number, obj=item) for number, item in enumerate(value, start=1)]


# A JSON string (escapes skipped; group 1 is its closing quote, absent when the input ends
# inside it) or one of the characters that shape an array.
_ARRAY_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(")?|[\[\]{},]', re.DOTALL)


def split_json_array(text: bytes) -> list[Record] | None:
    """Each item of a JSON array that does not parse as a whole, parsed on its own: a bad
    item is a refused `Record` and the others are kept. Items are cut where JSON's own
    structure cuts them (commas outside strings, brackets and braces), so no guess is
    made; None when `text` is not one complete array (unbalanced, cut short, or followed
    by more than white space), as `read_json_array` answers."""
    depth = 0
    start = 0
    pieces: list[bytes] = []
    end = -1
    for match in _ARRAY_TOKENS.finditer(text):
        token = match.group()
        if token[:1] == b'"':
            if match.group(1) is None or depth == 0:
                return None  # the input ends inside a string, or a string outside the array
            continue
        if depth == 0 and (pieces or token != b"[" or match.start() != 0):
            return None  # something after the array, or before it
        if token in (b"[", b"{"):
            depth += 1
            if depth == 1:
                start = match.end()
        elif token in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                pieces.append(text[start : match.start()])
                end = match.end()
        elif token == b"," and depth == 1:
            pieces.append(text[start : match.start()])
            start = match.end()
        if depth < 0:
            return None
    if depth != 0 or end < 0 or text[end:].strip():
        return None
    if pieces and not pieces[-1].strip():
        pieces.pop()  # `[]`, or a trailing comma as hand-edited files have: no item there
    records = []
    for number, piece in enumerate(pieces, start=1):
        raw = piece.strip()
        records.append(
            parse_record(number, raw) if raw else Record(number, error=_("empty item in the array"))
        )
    return records


# The first bytes of a spreadsheet saved in its own format: ZIP (.xlsx, .ods) or OLE (.xls).
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def refuse_workbook(head: bytes) -> None:
    """One line for a workbook (or other ZIP/OLE file) given where posts are expected."""
    if head.startswith(_WORKBOOK_MAGIC):
        raise InvalidInput(
            _("this is a spreadsheet workbook or another binary file, not posts: "
              "save it as CSV (UTF-8) or JSON Lines")
        )  # fmt: skip


CSV_CELL_LIMIT = 16 * 1024 * 1024  # characters


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: it starts with UTF-16's little-endian BOM
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_STRAY_BYTES = 2
_LINE_ENDS = re.compile(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)")


def csv_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (Excel in China) when the bytes fit it,
    else the code page they fit best, judged by the head.

    GB18030 comes before any guess: a short Chinese file is guessed as Shift-JIS or Korean
    as often as not. Bytes GB18030 refuses (a French `à ` is a lead byte then a space) get
    charset-normalizer's pick, Windows-1252 on a tie (`connectors/charset.py`); only an
    ASCII-compatible code page is taken, as commas and line ends must be what they look like.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"  # Excel's "CSV UTF-8"; lines joined from a GBK export still read
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the end of the head
            return "utf-8"
    # A GBK export with a stray byte or two among its Chinese is still GBK: that line alone
    # is refused. Western text read as GB18030 fails at a good share of its few accents.
    text = head[:-3].decode("gb18030", "replace")
    stray = text.count("\ufffd")
    if stray <= _STRAY_BYTES and sum(not c.isascii() for c in text) >= 10 * stray:
        return "gb18030"
    from yuqing.monitor.connectors.charset import guess_charset

    guess = guess_charset(head)
    if guess is not None:
        try:
            if ',;\t\r\n"'.encode(guess) == b',;\t\r\n"':
                return guess
        except (LookupError, UnicodeEncodeError):
            pass
    return "gb18030"


def csv_delimiter(header: str) -> str:
    """`,`; or a tab or `;` when the header holds no comma but one of them (Excel's
    "Unicode text" export, and Excel where the decimal separator is a comma)."""
    if "," not in header:
        for other in ("\t", ";"):
            if other in header:
                return other
    return ","


_EXCEL_TEXT = re.compile(r'="([^"]*)"')


def excel_text(cell: str) -> str:
    """The text of a cell written `="00123"`, as exports write ids and counts so that
    Excel keeps them as text (no lost leading zero, no `5.01E+09`); other cells as they
    are."""
    found = _EXCEL_TEXT.fullmatch(cell)
    return found.group(1) if found else cell


def csv_object(fields: list[str], row: list[str], header: list[str]) -> dict[str, Any]:
    """The post of one CSV row: cells named by `fields` (`column_fields(header)`); a bad
    count names its column as the header writes it."""
    obj: dict[str, Any] = {}
    engagement: dict[str, Any] = {}
    for index, (name, value) in enumerate(zip(fields, row, strict=False)):
        if value.startswith('="'):
            value = excel_text(value)
        if value == "" or not name:
            continue
        if name in ENGAGEMENT_KEYS:
            try:
                engagement[name] = parse_count(value)
            except ValueError:
                raise InvalidInput(
                    _("column '{name}' must be a number, not {value!r}").format(
                        name=header[index].strip(), value=value
                    )
                ) from None
        else:
            obj[name] = value
    if engagement:
        obj["engagement"] = engagement
    return obj


# `sep=;` as the first line: Excel reads (and some tools write) the separator so.
_SEP_HINT = re.compile(r"\ufeff?sep=([,;\t|])", re.IGNORECASE)


def separator_line(line: str) -> str | None:
    """The separator Excel's `sep=;` first line names, None for any other line."""
    hint = _SEP_HINT.fullmatch(line.rstrip("\r\n"))
    return hint.group(1) if hint is not None else None


class _Lines:
    """The lines of a file for `csv.reader`, with a position that can be moved back."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.pos = 0  # index of the next line handed out

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def wide_encoding(head: bytes) -> str | None:
    """`utf-16` or `utf-32` when the bytes start with its byte-order mark."""
    return next((wide for mark, wide in _WIDE_BOMS if head.startswith(mark)), None)


def _wide_lines(data: bytes) -> list[str] | None:
    """The lines of a UTF-16 or UTF-32 file (Excel's "Unicode text"), None for others."""
    wide = wide_encoding(data)
    if wide is None:
        return None
    try:
        text = data.decode(wide)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            _("cannot read CSV: {error}").format(
                error=_("cannot decode byte {n} as {encoding}").format(
                    n=exc.start + 1, encoding=wide.upper()
                )
            )
        ) from None
    return [line for line in _LINE_ENDS.split(text.removeprefix("\ufeff")) if line]


def _cjk_share(text: str) -> float:
    """The share of a text's non-ASCII characters that are Chinese (or CJK punctuation)."""
    wide = [c for c in text if not c.isascii()]
    if not wide:
        return 0.0
    return sum(1 for c in wide if c in _CJK_CHARS or "\u4e00" <= c <= "\u9fff") / len(wide)


_CJK_CHARS = frozenset("，。、；：？！“”‘’（）《》【】…—·「」『』～　￥％")


def _not_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def _damaged_utf8(raw: bytes) -> bool:
    """Whether a line that is not UTF-8 is still mostly UTF-8 (a character cut or
    damaged): refused, never read in another encoding. A GBK line forms UTF-8 characters
    by chance only, among many bytes that form none."""
    guess = raw.decode("utf-8", "replace")
    damaged = guess.count("\ufffd")
    ascii_chars = len(guess.encode("ascii", "ignore"))
    return damaged * 3 < len(guess) - ascii_chars - damaged


def decode_mixed_line(raw: bytes, encoding: str, *, mixed: bool) -> str:
    """One line of a CSV file in `encoding`, as the file's head decided it, or in the
    other encoding when the line is plainly in that one: files joined from a UTF-8 export
    and a GBK one (Excel's "CSV UTF-8" and its plain "CSV" in China). `mixed`: the file
    is UTF-8 with such GBK lines. Raises `UnicodeDecodeError` for a line that is neither."""
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError as not_utf8:
        if _damaged_utf8(raw):
            raise
        try:
            return raw.decode("gb18030" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8":
                raise not_utf8 from None  # said in the file's own encoding
            raise
    if raw.isascii() or (encoding == "utf-8" and not mixed):
        return utf8
    # Valid UTF-8 among lines that are not: UTF-8, unless GB18030 reads it as more
    # plainly Chinese (GBK "学校" is also the UTF-8 bytes of "ѧУ").
    if encoding in ("utf-8", "gb18030"):
        other = raw.decode("gb18030", "replace")
        if _cjk_share(other) > _cjk_share(utf8):
            return other
    return utf8


def _csv_lines(data: bytes) -> tuple[list[str], dict[int, str]]:
    """The text lines of a CSV file, and why each line that does not decode does not."""
    wide = _wide_lines(data)
    if wide is not None:
        return wide, {}
    encoding = csv_encoding(data[: 64 * 1024])
    lines: list[str] = []
    bad: dict[int, str] = {}
    # Only CR and LF end lines (bytes.splitlines), as for `csv`; neither byte is ever
    # part of a GB18030 character.
    raws = data.splitlines(keepends=True)
    mixed = (
        encoding == "utf-8"
        and _not_utf8(data)
        and any(not _damaged_utf8(raw) for raw in raws if _not_utf8(raw))
    )
    for index, raw in enumerate(raws):
        try:
            lines.append(decode_mixed_line(raw, encoding, mixed=mixed))
        except UnicodeDecodeError as exc:
            bad[index] = _("cannot decode this line as {encoding} (byte {n})").format(
                encoding=exc.encoding.upper(), n=exc.start + 1
            )
            lines.append(raw.decode(encoding, "replace"))
    # A byte-order mark starts the first line, and any line where exports were joined
    # (`copy /b a.csv+b.csv`): never part of a cell.
    if codecs.BOM_UTF8 in data:
        lines = [line.removeprefix("\ufeff") for line in lines]
    return lines, bad


def read_csv(stream: IO[bytes]) -> Iterator[Record]:
    """Records of a CSV file with a header row; the header is line 1.

    A quote that is never closed would swallow the rows after it into one cell. A row is
    taken as a quote left open, refused with its line, and the lines after it read again
    as rows, when its quoted cell runs over lines and then the file ends, or the closing
    quote is not followed by a comma or the end of the line, or the row does not have the
    header's number of cells. A quoted cell over several lines that ends cleanly in a
    row of the right size is text with line breaks, and is taken.
    """
    lines, bad = _csv_lines(stream.read())
    # `csv` refuses cells over 128 KiB; a post's text may be larger (YUQING_MAX_POST_BYTES
    # refuses it later, with its own reason).
    csv.field_size_limit(max(csv.field_size_limit(), CSV_CELL_LIMIT))
    source = _Lines(lines)
    named = separator_line(lines[0]) if lines else None
    if named is not None:  # Excel's `sep=;` line names the separator; the header follows
        source.pos = 1
    first = lines[source.pos] if len(lines) > source.pos else ""
    delimiter = named or csv_delimiter(first)
    reader = csv.reader(source, strict=True, delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput(_("cannot read CSV: {error}").format(error=exc)) from None
    if header is None:
        return
    if source.pos - 1 in bad:
        raise InvalidInput(_("cannot read CSV: {error}").format(error=bad[source.pos - 1]))
    names = column_fields(header)
    check_columns(names)
    header_cells = [c.strip() for c in header]
    while True:
        start = source.pos
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field limit" in reason:  # the csv module's English, said in the user's language
                reason = _("a cell holds more than {limit} characters").format(limit=CSV_CELL_LIMIT)
            yield _broken_row(source, start, reason)
            continue
        if not row:
            continue  # a blank line
        if row[0].strip() == header_cells[0] and [c.strip() for c in row] == header_cells:
            continue  # the header again, where exports were joined: not a post
        spanned = range(start, source.pos)
        if len(spanned) > 1 and len(row) != len(names):
            yield _broken_row(source, start, None)
            continue
        decode_error = next((bad[i] for i in spanned if i in bad), None)
        if decode_error is not None:
            yield Record(start + 1, error=decode_error)
            continue
        try:
            yield Record(start + 1, obj=csv_object(names, row, header))
        except InvalidInput as exc:
            yield Record(start + 1, error=exc.message)


def _broken_row(source: _Lines, start: int, error: str | None) -> Record:
    """The refusal of a row that does not parse; reading goes on at the line after it."""
    end = source.pos
    if end - start <= 1:
        return Record(start + 1, error=_("bad CSV: {error}").format(error=error))
    # A quote left open: the lines it swallowed are rows of their own.
    source.pos = start + 1
    return Record(
        start + 1,
        error=_(
            "unclosed quote: the quoted cell that opens on this line runs on to line {end}; "
            "this row is skipped and the lines after it are read as rows"
        ).format(end=end),
    )
