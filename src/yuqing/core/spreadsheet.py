"""Tables for spreadsheet programs: XLSX workbooks (openpyxl) and CSV files.

Text typed by anyone (post titles, people's words) reaches these cells, and a
spreadsheet program runs a cell as a formula when it looks like one: in an XLSX, a string
opening with `=` becomes a formula cell in openpyxl's hands, so such cells are marked as
text; in a CSV, a field opening with = + - @ (or a tab or a carriage return) is one to
the program that opens it, so it gets a leading apostrophe, as a person typing it would.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Sheet:
    """One sheet: a bold header row (when given), then the rows."""

    title: str
    rows: Sequence[Sequence[object]]
    headers: Sequence[str] = ()
    widths: Sequence[int] = ()  # characters per column; the program's default when empty
    wrap: bool = False  # long text wraps inside its cell, rows aligned to the top
    freeze: str | None = None  # the first cell that scrolls, e.g. "A2" keeps the headers


def sheet_title(title: str) -> str:
    """A sheet name spreadsheet programs take: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return cleaned[:31] or "Sheet1"


def xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of `sheets`, in order."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    assert book.active is not None  # a new workbook has one sheet
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(sheet_title(spec.title))
        if spec.headers:
            sheet.append(list(spec.headers))
            for cell in sheet[1]:
                cell.font = Font(bold=True)
        for row in spec.rows:
            sheet.append(list(row))
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # someone's text opening with "=": keep it text
                    cell.data_type = "s"
                if spec.wrap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for number, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = width
        if spec.freeze:
            sheet.freeze_panes = spec.freeze
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_field(value: object) -> str:
    """`value` as CSV text no spreadsheet program runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) and text != "-" else text


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM, so a spreadsheet program on a Chinese Windows reads it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[csv_field(cell) for cell in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
