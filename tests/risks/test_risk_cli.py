"""`yuqing risk …` against a real store (both backends): add, list, status, update with
a stale version, close, export read back."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from tests.conftest import Cli


def test_risk_commands(cli: Cli, tmp_path: Path) -> None:
    for name, role, dept in (("wang", "office", None), ("li", "department", "health"),
                             ("zhao", "monitor", None)):  # fmt: skip
        args = ("user", "add", name, "--role", role, *(("--dept", dept) if dept else ()))
        assert cli(*args).code == 0
    added = cli("risk", "add", "--title", "传染病防控", "--lead", "health", "--deadline",
                "2020-01-31", "--measures", "加强监测", "--as", "wang")  # fmt: skip
    assert added.code == 0, added.stderr
    point = json.loads(added.stdout)
    number = str(point["id"])
    refused = cli("risk", "add", "--title", "x", "--lead", "health", "--as", "zhao")
    assert refused.code == 5 and "zhao" in refused.stderr
    bad_day = cli("risk", "add", "--title", "x", "--lead", "health", "--deadline", "31/01",
                  "--as", "wang")  # fmt: skip
    assert bad_day.code == 2 and bad_day.stderr.count("\n") == 1 and "--deadline" in bad_day.stderr
    status = cli("risk", "status", number, "--effect", "平稳", "--next", "继续", "--as", "li")
    assert status.code == 0 and json.loads(status.stdout)["effect"] == "平稳"
    listed = json.loads(cli("risk", "list", "--json", "--as", "wang").stdout)
    assert listed["count"] == 1 and listed["data"][0]["overdue"]
    assert listed["data"][0]["month_status"]["next_steps"] == "继续"
    table = cli("risk", "list", "--as", "wang").stdout
    assert "传染病防控" in table and "已超时" in table
    updated = cli("risk", "update", number, "--status", "mitigated", "--expect-version", "1",
                  "--as", "wang")  # fmt: skip
    assert updated.code == 0 and json.loads(updated.stdout)["version"] == 2
    stale = cli("risk", "update", number, "--title", "y", "--expect-version", "1", "--as", "wang")
    assert stale.code == 4
    shown = json.loads(cli("risk", "show", number, "--as", "li").stdout)
    assert [m["effect"] for m in shown["months"]] == ["平稳"]
    out = tmp_path / "台账.xlsx"
    exported = cli("risk", "export", "-o", str(out), "--as", "wang")
    assert exported.code == 0, exported.stderr
    sheet = openpyxl.load_workbook(out).active
    assert sheet["B1"].value == "存在风险点"
    csv = cli("risk", "export", "--format", "csv", "--as", "wang")
    assert csv.stdout.lstrip("\ufeff").startswith("序号,存在风险点")
    assert cli("risk", "export", "--format", "pdf", "--as", "wang").code == 2
    closed = cli("risk", "close", number, "--reason", "已化解", "--as", "wang")
    assert json.loads(closed.stdout)["status"] == "closed"
    assert cli("risk", "status", number, "--note", "x", "--as", "wang").code == 4
    reopened = cli("risk", "close", number, "--reopen", "--as", "wang")
    assert json.loads(reopened.stdout)["status"] == "open"
