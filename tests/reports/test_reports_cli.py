"""`yuqing report generate`: the file written whole, or one line and no file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, Store

DAY = ["--from", "2026-03-01", "--to", "2026-03-02"]
CONTRACT_FIELDS = {"kind", "from", "to", "posts", "negative_share", "events", "events_by_level"}


def test_the_command_writes_the_figures_and_an_empty_period(
    seeded: Store, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "daily.json"
    result = cli("report", "generate", "daily", *DAY, "--format", "json", "-o", str(out))
    assert result.code == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= CONTRACT_FIELDS
    assert (data["kind"], data["posts"], data["events"]) == ("daily", 3, 1)
    assert data["from"] == "2026-03-01T00:00:00+08:00"  # naive means the plan's zone

    empty = tmp_path / "empty.html"
    args = ["--from", "2025-01-01", "--to", "2025-01-08", "--format", "html", "-o", str(empty)]
    result = cli("report", "generate", "weekly", *args)
    assert result.code == 0, result.stderr
    assert "本期监测范围内未发布帖文，无舆情动态。" in empty.read_text(encoding="utf-8")

    missing = tmp_path / "out" / "missing.json"
    missing.parent.mkdir()
    result = cli("report", "generate", "daily", *DAY, "--watch", "nope", "-o", str(missing))
    assert result.code != 0
    assert result.stderr.strip().splitlines() == ["yuqing: 未知监测方案“nope”"]
    assert list(missing.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["yearly"], "未知报告类型“yearly”"),
        (["closing"], "报告类型“closing”需要 --incident"),
        (["daily", "--from", "2026-03-02", "--to", "2026-03-01"], "时段颠倒"),
        # Every day is listed and charted: 1900 to 2100 ran past 5 minutes and 900 MB.
        (
            ["weekly", "--from", "1900-01-01", "--to", "2100-01-01"],
            "共 73049 天；报告最多涵盖 731 天",
        ),
        (["daily", "--from", "yesterday-ish"], "--from"),
        (["daily", "--format", "odt"], "未知格式“odt”"),
        (["daily", "--date", "3/1"], "--date"),
    ],
)
def test_bad_input_is_one_line_and_no_file(
    bare_cli: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    result = bare_cli("report", "generate", *args, "-o", str(out))
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert list(out.parent.iterdir()) == []


def test_english_by_yuqing_lang(bare_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    bare_cli.env["YUQING_LANG"] = "en"
    result = bare_cli("report", "generate", "monthly", "--format", "html", "-o", str(out))
    assert result.code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<title>Monthly public-opinion report</title>" in page
    assert "nothing happened" in page and 'lang="en"' in page
