"""The README's quick start runs as written on the example posts, on both stores."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, Cli, Store

README = ROOT / "README.md"
# Installing and activating are the developer's; the test's interpreter has yuqing.
SETUP = ("make install", ". .venv/bin/activate")
MARK = "### yuqing "


def quick_start() -> str:
    """The first shell block of the README's "Quick start" section."""
    section = README.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def run_quick_start(cli: Cli, work: Path) -> dict[str, str]:
    """Run the block in `work` with bash; the output of each `yuqing` command by its line."""
    lines = [line for line in quick_start().splitlines() if not line.startswith(SETUP)]
    script = "\n".join(
        [
            "set -euo pipefail",
            f'yuqing() {{ echo "{MARK}$*"; "$YUQING_TEST_PYTHON" -m yuqing "$@"; }}',
            *lines,
        ]
    )
    (work / "examples").symlink_to(ROOT / "examples")
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=work,
        env={**cli.env, "YUQING_TEST_PYTHON": sys.executable},
        capture_output=True,
        timeout=600,
        check=False,
    )
    stdout = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    outputs: dict[str, str] = {}
    for chunk in stdout.split(MARK)[1:]:
        command, _, output = chunk.partition("\n")
        outputs[command] = output
    return outputs


def summary(output: str) -> dict[str, int]:
    parsed: dict[str, int] = json.loads(output.strip().splitlines()[-1])
    return parsed


def test_the_quick_start_runs_on_the_examples(cli: Cli, store: Store, tmp_path: Path) -> None:
    outputs = run_quick_start(cli, tmp_path)
    assert (tmp_path / "watches.yaml").exists()
    assert "3" in outputs["watch import watches.yaml"]

    # The summary the README shows is the one the examples give.
    shown = re.search(r'`(\{"read":16[^`]*\})`', README.read_text(encoding="utf-8"))
    assert shown is not None
    first = summary(outputs["ingest examples/posts.jsonl"])
    assert first == json.loads(shown.group(1))
    assert first["stored"] == first["matched"] and first["rejected"] == 0
    second = summary(outputs["ingest examples/posts.csv"])
    # The export has one weibo post of the first file again, with higher counts.
    assert second == {"read": 8, "accepted": 8, "duplicates": 0, "copies": 0, "rejected": 0,
                      "matched": 6, "stored": 6, "updated": 1}  # fmt: skip

    found = outputs["search 食堂 -演练 --since 2026-03-01"].splitlines()
    assert len(found) >= 12 and all("演练" not in line for line in found)
    assert any("湖南明德縣中學食堂飯菜變質" in line for line in found)  # Traditional, folded

    events = outputs["events list"].splitlines()
    # The two stories are two events, each titled from one of its own posts.
    canteen = [line for line in events if "明德一中" in line and "食堂" in line]
    hospital = [line for line in events if "县人民医院" in line]
    assert canteen and hospital and not set(canteen) & set(hospital), events
    assert "最高层级 市级媒体" in canteen[0]  # tiers in words, not their codes
    assert "plan load examples/plans/school.yaml --author 办公室" in outputs


def test_the_examples_are_valid_posts() -> None:
    """Every example line parses and carries the fields a newcomer copies from."""
    lines = (ROOT / "examples" / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    posts = [json.loads(line) for line in lines]
    platforms = {p["platform"] for p in posts}
    assert {"forum", "news", "microblog", "wechat", "board"} <= platforms
    assert any(p.get("reply_to") for p in posts) and any(p.get("lang") == "en" for p in posts)
    header = (ROOT / "examples" / "posts.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:3] == ["id", "url", "source"] and "likes" in header.split(",")
