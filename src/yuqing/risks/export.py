"""The register for one month as a table (the plan's 台账 columns), written as CSV or XLSX.

The XLSX is written here from its XML parts (an Office Open XML workbook is a zip of
them): one sheet, text cells inline, the header row frozen and wrapped. That much needs
no spreadsheet library, and the same register gives the same bytes (openpyxl, which the
assessment's workbook uses, stamps the time it was made).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from yuqing.core.i18n import _, pgettext
from yuqing.risks.service import Listed, status_label

# The seed's columns (序号 | 存在风险点 | 具体应对措施 | 风险防范化解成效 | 下步重点工作 |
# 备注), with who leads, who shares, the deadline and the status between them. Their own
# context: the register's words (完成时限, 备注) are not the incident pages' (时限, 说明).


def headers() -> list[str]:
    return [
        pgettext("risk register column", "No."),
        pgettext("risk register column", "Risk point"),
        pgettext("risk register column", "Lead department"),
        pgettext("risk register column", "Responsible departments"),
        pgettext("risk register column", "Deadline"),
        pgettext("risk register column", "Status"),
        pgettext("risk register column", "Measures"),
        pgettext("risk register column", "Effect"),
        pgettext("risk register column", "Next steps"),
        pgettext("risk register column", "Note"),
    ]


WIDTHS = (6, 40, 14, 18, 12, 10, 40, 30, 30, 20)  # characters, for the XLSX
FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def rows(listed: Sequence[Listed], department_name: Callable[[str], str]) -> list[list[str]]:
    """One row per point: the month's words where recorded, else what the point says
    (its description, its planned measures)."""
    out = []
    for number, item in enumerate(listed, start=1):
        point, month = item.point, item.month
        risk = point.title
        situation = month.situation if month is not None else point.description
        if situation:
            risk = f"{risk}\n{situation}"
        state = status_label(point.status)
        if item.overdue:
            state = f"{state} ({_('overdue')})"
        elif item.month_missing:
            state = f"{state} ({_('no status this month')})"
        out.append(
            [
                str(number),
                risk,
                department_name(point.lead_department),
                "、".join(department_name(d) for d in point.departments),
                point.deadline.isoformat() if point.deadline else "",
                state,
                (month.measures if month is not None and month.measures else point.measures),
                month.effect if month is not None else "",
                month.next_steps if month is not None else "",
                month.note if month is not None else "",
            ]
        )
    return out


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run: text opening with = + - @ is a formula to it."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(table: list[list[str]]) -> bytes:
    """UTF-8 with a BOM, so a spreadsheet opened on a Chinese Windows reads it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers())
    writer.writerows([[_safe_cell(cell) for cell in row] for row in table])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(ref: str, value: str, style: int) -> str:
    keep = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    return f'<c r="{ref}" t="inlineStr" s="{style}"><is><t{keep}>{escape(value)}</t></is></c>'


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="SimSun"/></font>'
    '<font><b/><sz val="11"/><name val="SimHei"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"/><right style="thin"/><top style="thin"/>'
    '<bottom style="thin"/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" '
    'wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"


def _override(part: str, kind: str) -> str:
    return f'<Override PartName="{part}" ContentType="{_OFFICE}.{kind}+xml"/>'


def _relationship(number: int, kind: str, target: str) -> str:
    return f'<Relationship Id="rId{number}" Type="{_RELS}/{kind}" Target="{target}"/>'


_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_PACKAGE}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", "sheet.main")
    + _override("/xl/worksheets/sheet1.xml", "worksheet")
    + _override("/xl/styles.xml", "styles")
    + "</Types>"
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    + _relationship(1, "officeDocument", "xl/workbook.xml")
    + "</Relationships>"
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}/relationships">'
    + _relationship(1, "worksheet", "worksheets/sheet1.xml")
    + _relationship(2, "styles", "styles.xml")
    + "</Relationships>"
)


def _sheet_name(title: str) -> str:
    """A sheet name Excel takes: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return cleaned[:31] or "Sheet1"


def to_xlsx(table: list[list[str]], *, title: str) -> bytes:
    """The table as a one-sheet workbook named `title`, headers on the first row."""
    lines = [
        '<row r="1">'
        + "".join(_cell(f"{_column(i)}1", h, 2) for i, h in enumerate(headers()))
        + "</row>"
    ]
    for r, row in enumerate(table, start=2):
        cells = "".join(_cell(f"{_column(i)}{r}", value, 1) for i, value in enumerate(row))
        lines.append(f'<row r="{r}">{cells}</row>')
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(WIDTHS, start=1)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>{''.join(lines)}</sheetData></worksheet>"
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(_sheet_name(title), {chr(34): "&quot;"})}" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        # Fixed times: the same register gives the same bytes.
        for part, content in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
            ("xl/worksheets/sheet1.xml", sheet),
        ):
            info = zipfile.ZipInfo(part, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, content.encode("utf-8"))
    return buffer.getvalue()


def export(
    listed: Sequence[Listed], fmt: str, *, month: str, department_name: Callable[[str], str]
) -> bytes:
    table = rows(listed, department_name)
    if fmt == "csv":
        return to_csv(table)
    return to_xlsx(table, title=_("Risk register {month}").format(month=month))


def filename(month: str, fmt: str) -> str:
    return f"risk-register-{month}.{fmt}"
