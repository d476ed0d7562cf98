"""The register for one month as a table (the plan's 台账 columns), written as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from yuqing.core import spreadsheet
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
MEDIA_TYPES = spreadsheet.MEDIA_TYPES


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


def to_csv(table: list[list[str]]) -> bytes:
    return spreadsheet.csv_bytes(headers(), table)


def to_xlsx(table: list[list[str]], *, title: str) -> bytes:
    """The table as a one-sheet workbook named `title`, headers frozen on the first row."""
    sheet = spreadsheet.Sheet(
        title=title, rows=table, headers=headers(), widths=WIDTHS, wrap=True, freeze="A2"
    )
    return spreadsheet.xlsx([sheet])


def export(
    listed: Sequence[Listed], fmt: str, *, month: str, department_name: Callable[[str], str]
) -> bytes:
    table = rows(listed, department_name)
    if fmt == "csv":
        return to_csv(table)
    return to_xlsx(table, title=_("Risk register {month}").format(month=month))


def filename(month: str, fmt: str) -> str:
    return f"risk-register-{month}.{fmt}"
