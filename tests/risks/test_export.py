"""The register's XLSX read back as a spreadsheet program reads it: openpyxl when it is
installed (not a dependency of the product), the sheet's XML otherwise."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from lxml import etree

from tests.risks.conftest import Desk
from yuqing.risks import export, service

NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
HEADERS = ["序号", "存在风险点", "牵头单位", "责任单位", "完成时限", "状态",
           "具体应对措施", "风险防范化解成效", "下步重点工作", "备注"]  # fmt: skip


def _register(desk: Desk) -> bytes:
    first = service.add_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                             title="传染病防控<script>", lead_department="health",
                             departments=["edu"], measures="加强监测",
                             deadline=date(2026, 1, 31))  # fmt: skip
    service.add_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                     title="疫苗接种 & 冷链", lead_department="edu")  # fmt: skip
    service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                         risk_id=first.id, situation="输入病例增多", measures="发热门诊\n预检分诊",
                         effect="未发生聚集性疫情", next_steps="继续", note="=1+1")  # fmt: skip
    month, found = service.get_all(session=desk.session, clock=desk.clock, actor=desk["office"])
    return export.export(found, "xlsx", month=month, department_name=lambda d: d.upper())


def _cells(data: bytes) -> list[list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet = etree.fromstring(package.read("xl/worksheets/sheet1.xml"))
    return [
        ["".join(c.itertext()) for c in row.findall("s:c", NS)]
        for row in sheet.findall("s:sheetData/s:row", NS)
    ]


def test_xlsx_rows_in_the_plans_columns(desk: Desk) -> None:
    rows = _cells(_register(desk))
    assert rows[0] == HEADERS
    assert rows[1] == ["1", "传染病防控<script>\n输入病例增多", "HEALTH", "EDU", "2026-01-31",
                       "未化解 (已超时)", "发热门诊\n预检分诊", "未发生聚集性疫情", "继续",
                       "=1+1"]  # fmt: skip
    # A text cell of the XLSX is text, never a formula (the CSV quotes it instead).
    assert rows[2][:3] == ["2", "疫苗接种 & 冷链", "EDU"]
    assert rows[2][5] == "未化解 (本月未报)"


def test_xlsx_opens_in_openpyxl(desk: Desk) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(_register(desk)))
    sheet = book.active
    assert sheet.title == "风险点台账 2026-03"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS
    assert values[1][1] == "传染病防控<script>\n输入病例增多"
    assert values[2][0] == "2"


def test_the_same_register_gives_the_same_bytes(desk: Desk) -> None:
    assert _register(desk)[:4] == b"PK\x03\x04"
    month, found = service.get_all(session=desk.session, clock=desk.clock, actor=desk["office"])
    names = lambda d: d  # noqa: E731
    assert export.export(found, "xlsx", month=month, department_name=names) == export.export(
        found, "xlsx", month=month, department_name=names
    )
