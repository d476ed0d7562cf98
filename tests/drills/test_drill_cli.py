"""`yuqing drill` as an office runs it, without serving: start --setup-only makes the
sandbox; list, score and remove; the live store is never written."""

from __future__ import annotations

import json

from tests.drills.conftest import snapshot


def test_start_makes_the_sandbox_and_leaves_the_live_store_alone(cli, store, live):
    before = snapshot(store.engine)
    made = cli("drill", "start", "spring", "--setup-only", "--no-browser")
    assert made.code == 0, made.stderr
    home = live.home / "drills" / "spring"
    assert (home / "drill.json").is_file() and (home / "yuqing.db").is_file()
    assert "4 users" in made.stdout or "4 个用户" in made.stdout, made.stdout
    assert snapshot(store.engine) == before

    again = cli("drill", "start", "spring", "--setup-only")
    assert again.code == 4
    assert again.stderr.count("\n") == 1 and "--restart" in again.stderr

    listed = cli("drill", "list")
    assert listed.code == 0 and listed.stdout.startswith("spring\t")

    scored = cli("drill", "score", "spring", "--json")
    assert scored.code == 0, scored.stderr
    result = json.loads(scored.stdout)
    assert result["drill"]["name"] == "spring" and result["drill"]["posts"] == 457
    assert result["events"] == [] and result["met_share"] is None

    words = cli("drill", "score", "spring")
    assert words.code == 0 and words.stdout.startswith("演练 spring"), words.stdout

    assert cli("drill", "start", "spring", "--resume", "--plan", "x.yaml").code == 2
    assert cli("drill", "remove", "spring").code == 0
    assert not home.exists()
    assert cli("drill", "remove", "spring").code == 3
    assert cli("drill", "score", "spring").code == 3
    assert snapshot(store.engine) == before


def test_a_bad_scenario_makes_nothing(cli, live, tmp_path):
    scenario = tmp_path / "bad.jsonl"
    scenario.write_text('{"offset_s": 0, "text": "ok"}\n{"text": "late"}\n[]\n', "utf-8")
    refused = cli("drill", "start", "x", "--scenario", str(scenario), "--setup-only")
    assert refused.code == 2
    lines = refused.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"yuqing: {scenario}:2: ") and "offset_s" in lines[0]
    assert lines[1].startswith(f"{scenario}:3: ")
    assert not (live.home / "drills" / "x").exists()
    assert cli("drill", "start", "../x", "--setup-only").code == 2
