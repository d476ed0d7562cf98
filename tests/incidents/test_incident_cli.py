"""`yuqing incident …` against a real store: a tip opened, its level confirmed, a refused
skip, a statement that cannot be published unapproved."""

from __future__ import annotations

import json

from tests.conftest import Cli
from yuqing.plan.examples import _REPO


def test_incident_commands(cli: Cli) -> None:
    assert cli("plan", "load", str(_REPO / "county_bureau.yaml")).code == 0
    for name, role in (("zhao", "monitor"), ("wang_jianguo", "leader"), ("xu", "spokesperson")):
        assert cli("user", "add", name, "--role", role).code == 0
    opened = cli(
        "incident", "open", "--tip", "phone", "--text", "家长来电：食堂饭菜变质", "--as", "zhao"
    )
    assert opened.code == 0, opened.stderr
    incident = json.loads(opened.stdout)
    assert (incident["owner"], incident["origin"], incident["stage"]) == (
        "zhao",
        "tip",
        "monitoring",
    )
    number = str(incident["id"])
    refused = cli("incident", "level", number, "I", "--as", "zhao")
    assert refused.code != 0 and "zhao" in refused.stderr
    assert cli("incident", "level", number, "I", "--as", "wang_jianguo").code == 0
    shown = json.loads(cli("incident", "show", number, "--as", "zhao").stdout)
    kinds = {r["kind"] for r in shown["reports"]}
    assert kinds == {"initial", "flash", "special", "progress"}
    assert {d["source"] for d in shown["deadlines"]} >= {"deadlines.I.report_within"}
    skipped = cli("incident", "stage", number, "review", "--as", "zhao")
    assert skipped.code != 0 and "调查核实" in skipped.stderr
    drafted = json.loads(cli("incident", "statement", "draft", number, "通报", "--as", "xu").stdout)
    early = cli(
        "incident", "statement", "publish", str(drafted["id"]), "--channel", "微博", "--as", "xu"
    )
    assert early.code != 0 and drafted["status"] == "in_review"
    nobody = cli("incident", "show", number)
    assert nobody.code != 0 and "--as" in nobody.stderr
