import pytest
from ruamel.yaml import YAML
from ruamel.yaml.nodes import Node

from yuqing.core.errors import InvalidInput
from yuqing.core.yamlguard import YamlProblem, alias_problem, load_yaml, nesting_problem


def compose(text: str) -> Node:
    node: Node = YAML(typ="rt").compose(text)
    return node


def test_a_few_reused_anchors_are_fine() -> None:
    text = "base: &b {a: 1, b: [1, 2, 3]}\none: *b\ntwo: {<<: *b, c: 4}\nlist: [*b, *b, *b]\n"
    assert alias_problem(compose(text)) is None
    assert alias_problem(None) is None


def test_aliases_that_expand_beyond_the_limit_are_refused_on_the_anchor_line() -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    # 10 × 11 nodes through aliases: over a limit of 100, with 24 distinct nodes.
    problem = alias_problem(compose(text), limit=100)
    assert problem is not None
    assert problem.line == 1
    assert problem.message.startswith("YAML 别名展开后超过 100 个节点")
    assert alias_problem(compose(text), limit=1000) is None


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    problem = alias_problem(compose("a: &a [1, *a]\n"))
    assert problem is not None and problem.line == 1


def test_flow_nesting_beyond_the_limit_is_found_on_its_line_in_linear_time() -> None:
    # Issue docs18: 50,000 brackets kept the YAML scanner busy for minutes.
    assert nesting_problem("a: [1, [2, {b: 3}]]\n") is None
    assert nesting_problem("a: " + "[" * 64 + "]" * 64) is None
    problem = nesting_problem("x: 1\ny: 2\na: " + "[" * 50_000)
    assert problem == YamlProblem(3, "YAML 嵌套超过 64 层")
    assert nesting_problem("a: [\n" * 70) == YamlProblem(65, "YAML 嵌套超过 64 层")
    # Brackets in quotes and comments are text; closing brackets on their own lines count.
    assert nesting_problem("a: '" + "[" * 100 + "'\nb: \"" + "{" * 100 + '"\n') is None
    assert nesting_problem("# " + "[" * 100 + "\n") is None
    assert nesting_problem("a: [\n  1\n]\n" * 100) is None


def test_a_character_yaml_forbids_is_one_line_on_its_own_line() -> None:
    with pytest.raises(InvalidInput) as info:
        load_yaml('a: 1\nb: 2\nc: "x\0"\n', "f.yaml")
    assert str(info.value) == "f.yaml:3: YAML 不允许字符 #x0000"


def test_load_yaml_names_the_file_and_line_of_each_problem() -> None:
    cases = {
        "a: 1\na: 2\n": "f.yaml:2: 重复的键 'a'（首次出现在第 1 行）；每个键只能出现一次",
        "a: [1\n": "f.yaml:2: expected ',' or ']', but got '<stream end>'",
        "a: " + "[" * 100 + "]" * 100: "f.yaml:1: YAML 嵌套超过 64 层",
        "a:\n" + "".join("  " * i + "- \n" for i in range(1, 2000)): "f.yaml: YAML 嵌套过深",
    }
    for text, message in cases.items():
        with pytest.raises(InvalidInput) as info:
            load_yaml(text, "f.yaml")
        assert str(info.value) == message
    assert load_yaml("a: [1, {b: 2}]\n", "f.yaml") == {"a": [1, {"b": 2}]}
