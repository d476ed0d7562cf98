"""The register's XLSX read back as a spreadsheet program reads it."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from tests.risks.conftest import Desk
from yuqing.risks import export, service

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


def _cells(data: bytes) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["风险点台账 2026-03"]
    return [[cell.value for cell in row] for row in book.active.iter_rows()]


def test_xlsx_rows_in_the_plans_columns(desk: Desk) -> None:
    rows = _cells(_register(desk))
    assert rows[0] == HEADERS
    assert rows[1] == ["1", "传染病防控<script>\n输入病例增多", "HEALTH", "EDU", "2026-01-31",
                       "未化解 (已超时)", "发热门诊\n预检分诊", "未发生聚集性疫情", "继续",
                       "=1+1"]  # fmt: skip
    # Someone's text that looks like a formula stays text (the CSV quotes it instead).
    assert openpyxl.load_workbook(io.BytesIO(_register(desk))).active["J2"].data_type == "s"
    assert rows[2][:3] == ["2", "疫苗接种 & 冷链", "EDU"]
    assert rows[2][5] == "未化解 (本月未报)"
