"""`yuqing assess`: the table, JSON, the workbook read back, and hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from tests.assessment.conftest import Scenario
from tests.conftest import Cli

DAY = ("--from", "2026-03-02", "--to", "2026-03-03")  # naive: the plan's zone


def test_the_table_json_and_workbook(scenario: Scenario, cli: Cli, tmp_path: Path) -> None:
    result = cli("assess", *DAY, "--json")
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["start"] == "2026-03-01T16:00:00Z"
    office = next(d for d in data["departments"] if d["department"] == "office")
    # The whole day is past: the office's four clocks of 10:00 and 11:00 as before.
    assert (office["reports_due"], office["on_time"], office["late"], office["missed"]) == (
        4,
        1,
        1,
        2,
    )
    assert [i["kind"] for i in data["items"]].count("missed_alert") == 1

    table = cli("assess", *DAY, "--by", "person")
    assert table.code == 0, table.stderr
    assert "monitor1" in table.stdout and "duty_office" in table.stdout
    assert "待人工判断" in table.stdout  # candidates, not findings

    out = tmp_path / "assess.xlsx"
    assert cli("assess", *DAY, "--xlsx", str(out)).code == 0
    book = openpyxl.load_workbook(out)
    assert len(book.sheetnames) == 4
    departments, people, items = (book[name] for name in book.sheetnames[:3])
    rows = list(departments.iter_rows(values_only=True))
    office_row = next(r for r in rows if r[0] == "office")
    assert office_row[3:9] == (4, 1, "25.0%", 1, 30, 2)
    assert any(r[0] == "monitor1" for r in people.iter_rows(values_only=True))
    links = [r[-1] for r in items.iter_rows(min_row=2, values_only=True)]
    assert f"/incidents/{scenario.a}" in links and "/events/ev-3" in links


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "team"], "--by"),
        (["--year", "2026", "--from", "2026-01-01"], "--year"),
        (["--from", "2026-03-03", "--to", "2026-03-02"], "--from"),
        (["--from", "yesterday-ish"], "--from"),
    ],
)
def test_bad_input_is_one_line_and_no_file(
    bare_cli: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out" / "a.xlsx"
    out.parent.mkdir()
    result = bare_cli("assess", *args, "--xlsx", str(out))
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert list(out.parent.iterdir()) == []
