"""`yuqing plan …`: CONTRACTS' `plan check` output and exit codes; load, versions, diff, show."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import FIXTURES, ROOT, Cli
from yuqing.cli.plan import register

EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.yaml"))
BAD = FIXTURES / "plans" / "unknown_reference.yaml"

app = typer.Typer()


@app.callback()
def _root() -> None:
    """Stands in for cli/main.py, which registers the same group."""


register(app)
# The same group as a subprocess, independent of whether main.py wires it yet.
ENTRY = (
    "import typer; from yuqing.cli.plan import register; app = typer.Typer(); "
    "app.callback()(lambda: None); register(app); app()"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_check_example_as_a_subprocess(path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "plan", "check", relative(path)],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert out.count("\n") == 1
    assert out.startswith(f"{relative(path)}: 校验通过 — 明德县")
    assert " 个级别，" in out and " 人，" in out and " 个单位" in out


def test_check_bad_plan_one_line_per_problem_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "plan", "check", relative(BAD)],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 2
    assert len(lines) == 5
    assert all(line.startswith(f"{relative(BAD)}:") for line in lines)
    assert lines[0] == (
        f"{relative(BAD)}:21: people[2].unit: 未知的单位 'sales'（应为以下之一：dept, office）"
    )
    assert "Traceback" not in proc.stderr.decode()


def test_check_syntax_error_and_duplicate_key() -> None:
    code, out, _ = run("plan", "check", str(FIXTURES / "plans" / "bad_syntax.yaml"))
    assert code == 2 and out.endswith(
        "bad_syntax.yaml:3: YAML 语法错误：mapping values are not allowed here\n"
    )
    code, out, _ = run("plan", "check", str(FIXTURES / "plans" / "duplicate_key.yaml"))
    assert code == 2 and len(out.splitlines()) == 2 and "重复的键 'name'" in out


def plan_cmd(cli: Cli, *args: str) -> tuple[int, str, str]:
    """The plan group as a subprocess against the `cli` fixture's store (both databases)."""
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "plan", *args],
        capture_output=True,
        cwd=ROOT,
        env={**cli.env, "USER": "tester"},
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_load_versions_diff_show(cli: Cli, tmp_path: Path) -> None:
    bureau = ROOT / "examples" / "plans" / "county_bureau.yaml"
    code, out, _ = plan_cmd(cli, "load", str(bureau), "--author", "赵红")
    assert code == 0 and out.startswith("已载入预案 v1：明德县教育局（sha256 ")
    code, out, _ = plan_cmd(cli, "load", str(bureau))
    assert code == 0 and "已在生效" in out
    revised = tmp_path / "revised.yaml"
    revised.write_text(
        bureau.read_text(encoding="utf-8").replace("138-0000-0101", "138-0000-0199"),
        encoding="utf-8",
    )
    assert plan_cmd(cli, "load", str(revised), "--author", "王建国")[0] == 0

    code, out, err = plan_cmd(cli, "load", str(BAD))
    assert code == 2 and "预案被拒绝；现行预案继续有效" in err
    assert f"{BAD}:21: people[2].unit" in err

    code, out, _ = plan_cmd(cli, "versions")
    rows = out.splitlines()
    assert code == 0 and len(rows) == 2
    assert rows[0].startswith("  v1\t") and "赵红" in rows[0]
    assert rows[1].startswith("* v2\t") and "王建国" in rows[1]

    code, out, _ = plan_cmd(cli, "diff", "1", "2")
    assert (
        code == 0 and "-    contacts: {email: wangjg@mdjyj.example.cn, phone: 138-0000-0101" in out
    )
    assert "+    contacts: {email: wangjg@mdjyj.example.cn, phone: 138-0000-0199" in out

    code, out, _ = plan_cmd(cli, "show", "--version", "1")
    assert code == 0 and out == bureau.read_text(encoding="utf-8")
    code, out, _ = plan_cmd(cli, "show", "--json")
    assert code == 0 and json.loads(out)["people"][0]["contacts"]["phone"] == "138-0000-0199"


def test_wired_into_the_yuqing_command(cli: Cli) -> None:
    """Through `python -m yuqing` once cli/main.py registers the group."""
    if cli("plan", "--help").code != 0:
        pytest.skip("cli/main.py does not register the plan group yet")
    result = cli("plan", "check", str(BAD))
    assert result.code == 2 and result.stdout.startswith(f"{BAD}:21: ")
    result = cli("plan", "check", str(EXAMPLES[0]))
    assert result.code == 0 and ": 校验通过 — " in result.stdout


def test_check_refuses_numbers_too_large_for_what_uses_them(tmp_path: Path) -> None:
    """qa11: `report_within: 99999999999 days` ended in an internal error (OverflowError)
    instead of FILE:LINE, and a rank of 10^22 passed the check, though alerts store it
    as a 32-bit integer (PostgreSQL refuses it when the first alert is raised)."""
    minimal = (FIXTURES / "plans" / "minimal.yaml").read_text(encoding="utf-8")
    path = tmp_path / "huge.yaml"
    path.write_text(
        minimal.replace("report_within: 1 h", "report_within: 99999999999 days").replace(
            "rank: 2}", "rank: 99999999999999999999999}"
        ),
        encoding="utf-8",
    )
    code, out, _ = run("plan", "check", str(path))
    assert code == 2
    assert out.splitlines() == [
        f"{path}:28: levels[1].rank: Input should be less than or equal to 1000，"
        "实际为 99999999999999999999999",
        f"{path}:34: deadlines.high.report_within.within: "
        "时长最多为 3660 天，实际为 '99999999999 days'",
    ]
