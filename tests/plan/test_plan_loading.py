"""Plan files: the examples validate; every problem is named with its file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from yuqing.core.errors import PlanError
from yuqing.plan.loading import PlanInvalid, check_plan, load_plan, load_plan_text

EXAMPLES = sorted((ROOT / "examples" / "plans").glob("*.yaml"))
PLANS = FIXTURES / "plans"
MINIMAL = (PLANS / "minimal.yaml").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems are checked as the code words them (the msgids); zh_CN is in test_i18n."""
    monkeypatch.setenv("YUQING_LANG", "en")


def expected_lines(path: Path) -> list[int]:
    """Lines the fixture marks with a trailing `# expect` comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(lines, 1) if re.search(r"\s# expect\b.*$", line) and n > 1]


def reported_lines(problems: list[str], path: Path) -> list[int]:
    lines = []
    for problem in problems:
        match = re.match(rf"^{re.escape(str(path))}:(\d+): \S", problem)
        assert match, f"not FILE:LINE: message: {problem!r}"
        lines.append(int(match[1]))
    return lines


def test_three_example_plans_ship() -> None:
    assert {p.name for p in EXAMPLES} >= {"county_bureau.yaml", "school.yaml", "township.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_plan_checks_ok(path: Path) -> None:
    assert check_plan(path) == []
    plan = load_plan(path)
    assert plan.levels and plan.people and plan.units


def test_example_level_schemes_are_data() -> None:
    schemes = {p.name: [lv.id for lv in load_plan(p).levels_by_severity()] for p in EXAMPLES}
    assert schemes["county_bureau.yaml"] == ["I", "II", "III", "IV"]
    assert schemes["school.yaml"] == ["L1", "L2", "L3"]
    assert schemes["township.yaml"] == ["red", "orange", "yellow", "blue"]


@pytest.mark.parametrize(
    ("fixture", "needle"),
    [
        ("bad_syntax.yaml", "YAML syntax error"),
        ("duplicate_key.yaml", "duplicate key"),
        ("unknown_reference.yaml", "unknown"),
        ("impossible_deadline.yaml", "impossible deadline"),
    ],
)
def test_bad_plan_reports_each_problem_on_its_line(fixture: str, needle: str) -> None:
    path = PLANS / fixture
    problems = check_plan(path)
    assert reported_lines(problems, path) == expected_lines(path)
    assert any(needle in p for p in problems)


def test_duplicate_key_names_the_first_occurrence() -> None:
    problems = check_plan(PLANS / "duplicate_key.yaml")
    assert problems[0].endswith("duplicate key 'name' (first on line 3); expected each key once")


def test_load_raises_with_all_problems() -> None:
    path = PLANS / "unknown_reference.yaml"
    with pytest.raises(PlanError, match=re.escape(f"{path}:21")) as info:
        load_plan(path)
    assert isinstance(info.value, PlanInvalid)
    assert len(info.value.problems) == len(expected_lines(path))
    assert str(info.value).count("\n") == len(expected_lines(path)) - 1


def _problems(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        load_plan_text(text, file="plan.yaml")
    return [str(p) for p in info.value.problems]


def test_unknown_key_lists_what_was_expected() -> None:
    text = MINIMAL.replace("    roles: [leader, approver]\n", "    role: [leader]\n", 1)
    (problem,) = _problems(text)
    assert problem.startswith("plan.yaml:12: people[0]: unknown key 'role' (expected one of: id,")


def test_missing_key_points_at_its_parent() -> None:
    text = MINIMAL.replace("  - {id: dept, name: 业务科, kind: department}\n", "  - {id: dept}\n")
    assert _problems(text) == ["plan.yaml:7: units[1]: missing required key 'name'"]


def test_zero_deadline_is_refused_on_its_line() -> None:
    text = MINIMAL.replace("    report_within: 2 h\n", "    report_within: 0 min\n")
    assert _problems(text) == [
        "plan.yaml:38: deadlines.low.report_within: a deadline must be longer than zero"
    ]


def test_bad_values_say_what_was_expected() -> None:
    text = MINIMAL.replace("report_within: 1 h", "report_within: soon").replace(
        "{min_tier: provincial}", "{min_tier: national}"
    )
    problems = _problems(text)
    assert "plan.yaml:30: grading.high.min_tier: Input should be 'central'" in problems[0]
    assert problems[1] == (
        "plan.yaml:34: deadlines.high.report_within.within: expected a duration like "
        "'30 min', '2 h' or '7 days', got 'soon'"
    )


def test_quiet_hours_never_hide_the_most_severe_level() -> None:
    text = MINIMAL.replace(
        "    upward: [city]\n",
        "    upward: [city]\n    quiet_hours: {start: '22:00', end: '07:00'}\n",
    )
    (problem,) = _problems(text)
    assert problem.startswith("plan.yaml:51: routes.high.quiet_hours: quiet hours never apply")


def test_round_the_clock_duty_must_cover_the_day() -> None:
    text = MINIMAL.replace('start: "00:00", end: "00:00"', 'start: "08:00", end: "20:00"')
    (problem,) = _problems(text)
    assert "20:00 uncovered" in problem and problem.startswith("plan.yaml:")


def test_not_a_mapping_and_empty_file() -> None:
    assert _problems("") == [
        "plan.yaml:1: not a plan: expected a mapping with organization, units, people, levels …"
    ]
    assert _problems("- a\n- b\n")[0].startswith("plan.yaml:1: not a plan")


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert check_plan(missing)[0].startswith(f"{missing}:1: cannot read")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("organization: 测试".encode("gbk"))
    assert check_plan(gbk) == [f"{gbk}:1: not UTF-8 text; expected a UTF-8 YAML file"]


def test_billion_laughs_is_refused_at_once() -> None:
    """Issue 11: nine anchors of nine aliases each took minutes and gigabytes."""
    path = PLANS / "billion_laughs.yaml"
    (problem,) = check_plan(path)
    assert problem.startswith(f"{path}:8: YAML aliases expand to more than 100000 nodes")


def test_nesting_and_forbidden_characters_are_one_problem_on_their_line() -> None:
    """docs18: deep brackets were `内部错误：RecursionError` (exit 70) after seconds of
    scanning; a NUL was a two-line message on line 1."""
    head = "format: 1\norganization:\n  name: x\n"
    assert _problems(head + "extra: " + "[" * 50_000 + "]" * 50_000 + "\n") == [
        "plan.yaml:4: YAML nests deeper than 64 levels"
    ]
    deep = head + "extra:\n" + "".join("  " * i + "- \n" for i in range(1, 3000))
    assert _problems(deep) == ["plan.yaml:1: YAML nests too deeply"]
    assert _problems(head + 'units: "a\0"\n') == [
        "plan.yaml:4: YAML error: character #x0000 is not allowed in YAML"
    ]


def test_a_group_of_tests_is_checked_on_its_own_line() -> None:
    grouped = (
        "  high:\n"
        "    any_of:\n"
        "      - {min_tier: provincial}\n"
        "      - {domains: [no_such_domain], min_sites: 3, combine: all}\n"
    )
    text = MINIMAL.replace("  high: {min_tier: provincial}\n", grouped)
    (problem,) = _problems(text)
    assert problem.startswith("plan.yaml:33: grading.high.any_of[1].domains[0]: unknown")
    empty = grouped + "      - {combine: all}\n"
    (problem,) = _problems(MINIMAL.replace("  high: {min_tier: provincial}\n", empty))
    assert problem.startswith("plan.yaml:34: grading.high.any_of[2]: criteria need at least")


def test_min_reach_is_a_whole_number_of_one_or_more() -> None:
    def reach(value: str) -> list[str]:
        text = MINIMAL.replace("  low: {min_posts: 1}\n", f"  low: {{min_reach: {value}}}\n")
        try:
            load_plan_text(text, file="plan.yaml")
        except PlanInvalid as error:
            return [str(p) for p in error.problems]
        return []

    assert reach("10000") == reach("10_000") == []
    plan = load_plan_text(MINIMAL.replace("{min_posts: 1}", "{min_reach: 10000}"))
    assert plan.grading["low"].min_reach == 10_000
    where = "plan.yaml:31: grading.low.min_reach: "
    assert reach("-5") == [where + "Input should be greater than or equal to 1, got -5"]
    assert reach("0") == [where + "Input should be greater than or equal to 1, got 0"]
    assert reach("2.5") == [where + "Input should be a valid integer, got 2.5"]
    # Strict: a yes or a quoted number is a mistake in the plan, not a threshold.
    assert reach("true") == [where + "Input should be a valid integer, got True"]
    assert reach("'5000'") == [where + "Input should be a valid integer, got '5000'"]
    (problem,) = reach("10000000000000")
    assert problem.startswith(where + "Input should be less than or equal to 1000000000000")


def test_true_is_not_a_number_anywhere_in_a_plan() -> None:
    """YAML reads `true`/`false` as booleans, which pydantic would take for 1 and 0: a
    `min_negative_share: true` would silently ask for every post to be negative."""

    def low(criteria: str) -> list[str]:
        return _problems(MINIMAL.replace("  low: {min_posts: 1}\n", f"  low: {{{criteria}}}\n"))

    where = "plan.yaml:31: grading.low."
    assert low("min_negative_share: true") == [
        where + "min_negative_share: expected a number, got True"
    ]
    assert low("min_sites: false") == [where + "min_sites: expected a number, got False"]
    assert low("min_growth: true, min_posts: 2") == [
        where + "min_growth: expected a number, got True"
    ]
    # Numbers as pydantic reads them still load, quoted ones included (plans in use).
    plan = load_plan_text(
        MINIMAL.replace("{min_posts: 1}", "{min_posts: '3', min_negative_share: 0.5}")
    )
    assert plan.grading["low"].min_posts == 3
