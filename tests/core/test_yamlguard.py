from ruamel.yaml import YAML
from ruamel.yaml.nodes import Node

from yuqing.core.yamlguard import alias_problem


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
