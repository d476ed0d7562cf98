"""`yuqing match --rule/--watches` (CONTRACTS "Stream commands")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yuqing.cli.main import app

POSTS = [
    {"id": "1", "title": "某学校通报", "text": "食堂饭菜变质", "source": "weibo"},
    {"id": "2", "title": "市醫院", "text": "发生纠纷", "source": "news", "extra_field": 7},
    {"id": "3", "text": "学校食堂招聘广告", "source": "weibo"},
]
WATCHES = """\
watches:
  - name: 食堂
    rule: '学校 食堂 -广告'
  - name: 医院纠纷
    subject: [医院]
    event: [纠纷]
  - name: 微博
    rule: '-无关'
    sources: [weibo]
"""
YUQING = Path(sys.executable).with_name("yuqing")


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("YUQING_HOME", str(tmp_path / "home"))
    return tmp_path


def jsonl(objs: list[dict[str, object]]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_match_rule_adds_matched_in_order(isolated_home: Path) -> None:
    result = CliRunner().invoke(app, ["match", "--rule", "学校 食堂"], input=jsonl(POSTS))
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert [o["matched"] for o in out] == [True, False, True]
    assert [o["id"] for o in out] == ["1", "2", "3"]
    assert out[1]["extra_field"] == 7  # the originals are written back, fields added


def test_match_watches_adds_names(isolated_home: Path) -> None:
    watch_file = isolated_home / "watches.yaml"
    watch_file.write_text(WATCHES, encoding="utf-8")
    result = CliRunner().invoke(app, ["match", "--watches", str(watch_file)], input=jsonl(POSTS))
    assert result.exit_code == 0, result.output
    assert [o["watches"] for o in lines(result.stdout)] == [
        ["食堂", "微博"],
        ["医院纠纷"],
        ["微博"],
    ]


def test_match_files_in_and_out(isolated_home: Path) -> None:
    source, target = isolated_home / "in.jsonl", isolated_home / "out.jsonl"
    source.write_text(jsonl(POSTS), encoding="utf-8")
    args = ["match", "--rule", "NEAR/3(医院, 纠纷)", "-i", str(source), "-o", str(target)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = lines(target.read_text(encoding="utf-8"))
    assert [o["matched"] for o in out] == [False, True, False]


def run_yuqing(
    args: list[str], home: Path, stdin: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "YUQING_HOME": str(home / "home"), **extra_env}
    return subprocess.run(
        [str(YUQING), *args], input=stdin, capture_output=True, text=True, env=env, check=False
    )


def test_bad_rule_exits_non_zero_with_one_line(isolated_home: Path) -> None:
    done = run_yuqing(["match", "--rule", "学校 AND"], isolated_home, jsonl(POSTS))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "yuqing: column 7: 'AND' 之后应为关键词或 '('\n"
    english = run_yuqing(["match", "--rule", "学校 AND"], isolated_home, "", YUQING_LANG="en")
    assert english.returncode == 2
    assert english.stderr == "yuqing: column 7: expected a term or '(' after 'AND'\n"


def test_bad_watch_file_exits_non_zero_naming_file_and_line(isolated_home: Path) -> None:
    watch_file = isolated_home / "bad.yaml"
    watch_file.write_text("watches:\n  - name: a\n    rule: '(x'\n", encoding="utf-8")
    done = run_yuqing(["match", "--watches", str(watch_file)], isolated_home, jsonl(POSTS))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr == (
        f"yuqing: {watch_file}:3: 监测方案 'a'：规则 column 3: 应为 ')'，以闭合第 1 列的 '('\n"
    )
    assert "Traceback" not in done.stderr


def test_match_needs_a_rule_or_watches(isolated_home: Path) -> None:
    done = run_yuqing(["match"], isolated_home, "")
    assert done.returncode == 2
    assert done.stderr == "yuqing: --rule 和 --watches 必须且只能给出一个\n"
