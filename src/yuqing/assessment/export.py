"""An assessment written out: the CLI's text table and the XLSX workbook (one sheet per
view, and one of the items behind the counts, each with its incident's id and link)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from yuqing.assessment.labels import (
    DEPARTMENT_COLUMNS,
    PERSON_COLUMNS,
    Column,
    cells,
    department_label,
    headers,
    item_label,
    item_link,
    item_what,
)
from yuqing.assessment.schemas import Assessment, DepartmentRow, Item, PersonRow
from yuqing.core import spreadsheet
from yuqing.core.i18n import N_, _
from yuqing.core.spreadsheet import Sheet

ITEM_COLUMNS: tuple[str, ...] = (
    N_("Kind"),
    N_("Assessed department"),
    N_("Person"),
    N_("Sign-in name"),
    N_("Incident"),
    N_("Alert"),
    N_("Title"),
    N_("Detail"),
    N_("Due"),
    N_("Done"),
    N_("Minutes late"),
    N_("Link"),
)


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def item_cells(item: Item, zone: ZoneInfo, base_url: str = "") -> list[object]:
    link = item_link(item)
    return [
        item_label(item.kind),
        department_label(item.department),
        item.person_name or item.person or "",
        item.person or "",
        item.incident_id if item.incident_id is not None else "",
        item.alert_id if item.alert_id is not None else "",
        item.title,
        item_what(item),
        _local(item.due_at, zone),
        _local(item.done_at, zone),
        item.late_minutes if item.late_minutes is not None else "",
        f"{base_url}{link}" if link else "",
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def text_table(columns: tuple[Column, ...], rows: list[DepartmentRow] | list[PersonRow]) -> str:
    """Rows as aligned columns for a terminal (wide CJK characters count twice)."""
    lines = [headers(columns)] + [[str(c) for c in cells(columns, r)] for r in rows]
    widths = [max(_width(line[n]) for line in lines) for n in range(len(columns))]
    return "\n".join(
        "  ".join(_pad(cell, widths[n]) for n, cell in enumerate(line)).rstrip() for line in lines
    )


def text(result: Assessment, *, view: str, zone: ZoneInfo) -> str:
    """The readable report: the period, the view's table, then each item."""
    title = _("Assessment {start} – {end} (deadlines counted up to {as_of})").format(
        start=_local(result.start, zone), end=_local(result.end, zone),
        as_of=_local(result.as_of, zone),
    )  # fmt: skip
    if view == "person":
        table = text_table(PERSON_COLUMNS, result.people)
    else:
        table = text_table(DEPARTMENT_COLUMNS, [*result.departments, result.total])
    out = [title, "", table, ""]
    if not result.items:
        out.append(_("Nothing late, missed or contradicted."))
    for item in result.items:
        # The person by name only: the sign-in name is the people table's to give.
        shown = item_cells(item, zone)[:-1]
        del shown[ITEM_COLUMNS.index("Sign-in name")]
        cells_ = [str(c) for c in shown if c != ""]
        out.append(" · ".join(cells_))
    out.append("")
    out.append(_("Contradicted reports are candidates for a person to judge, not findings."))
    return "\n".join(out)


def xlsx(result: Assessment, *, zone: ZoneInfo, base_url: str = "") -> bytes:
    """The workbook: departments, people, items (every late, missed or contradicted one)."""
    period = [
        [_("From"), _local(result.start, zone)],
        [_("To (exclusive)"), _local(result.end, zone)],
        [_("Deadlines counted up to"), _local(result.as_of, zone)],
        [_("Department"), result.department or _("(whole organization)")],
        [_("Contradicted reports are candidates for a person to judge, not findings.")],
    ]
    departments = [*result.departments, result.total]
    return spreadsheet.xlsx(
        [
            Sheet(_("Departments"), [cells(DEPARTMENT_COLUMNS, r) for r in departments],
                  headers=headers(DEPARTMENT_COLUMNS), freeze="B2"),
            Sheet(_("People"), [cells(PERSON_COLUMNS, r) for r in result.people],
                  headers=headers(PERSON_COLUMNS), freeze="B2"),
            Sheet(_("Items"), [item_cells(i, zone, base_url) for i in result.items],
                  headers=[_(c) for c in ITEM_COLUMNS], freeze="B2"),
            Sheet(_("Period"), period),
        ]
    )  # fmt: skip
