"""Rules compiled to tests straight on the folded text, for `WatchMatcher`.

`evaluate` compiles a rule to a test over the set of term ids an automaton scan found;
that needs the scan to look for every term of every rule, and common terms (事故, 投诉)
then flood it with hits. The matcher scans only for one rare *trigger* clause per rule
and checks the few rules woken with the tests here: `'食堂' in t` per term, in C, cut
short by `and`/`or` like the rule itself, so a woken rule usually costs one or two
substring searches. A term that occurs in a post is found by `in` as surely as by the
automaton, so the two evaluations agree by construction (the property tests check it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yuqing.monitor.rules.evaluate import near
from yuqing.monitor.rules.nodes import And, Near, Node, Not, Term
from yuqing.monitor.rules.scan import occurrences

TextTest = Callable[[str], bool]


def stands_alone(text: str, term: str, left: bool, right: bool) -> bool:
    """Whether some occurrence of `term` passes the Latin word-boundary rule."""
    return next(occurrences(text, term, left=left, right=right), None) is not None


class _Starts:
    """`Positions` for `near` over two terms of one post, found with `str.find`."""

    __slots__ = ("_a", "_b")

    def __init__(self, text: str, a: Term, b: Term) -> None:
        self._a = list(occurrences(text, a.text, left=a.left_bound, right=a.right_bound))
        self._b = self._a if a == b else None
        if self._b is None:
            self._b = list(occurrences(text, b.text, left=b.left_bound, right=b.right_bound))

    def get(self, tid: int, /) -> list[int] | None:
        return self._a if tid == 0 else self._b


def near_text(text: str, a: Term, b: Term, distance: int) -> bool:
    """NEAR/distance(a, b) on folded `text` (same meaning as `evaluate.near`)."""
    ia, ib = (0, 0) if a == b else (0, 1)
    return near(_Starts(text, a, b), ia, ib, len(a.text), len(b.text), distance)


def _order(item: Node) -> int:
    return 0 if isinstance(item, Term) else 2 if isinstance(item, Near) else 1


def compile_text_test(node: Node) -> TextTest:
    """A function of folded text that is true where `node` matches it."""
    codegen = _Codegen()
    source = f"lambda t: {codegen.expr(node)}"
    # Safe: the source holds only operators and the generated names in `namespace`;
    # term text is bound as values there and never written into the source.
    test: TextTest = eval(compile(source, "<rule>", "eval"), codegen.namespace)  # noqa: S307
    return test


class _Codegen:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "__builtins__": {},
            "alone": stands_alone,
            "near": near_text,
        }
        self.names: dict[object, str] = {}

    def const(self, value: object) -> str:
        name = self.names.get(value)
        if name is None:
            name = self.names[value] = f"c{len(self.names)}"
            self.namespace[name] = value
        return name

    def term(self, term: Term) -> str:
        name = self.const(term.text)
        if not (term.left_bound or term.right_bound):
            return f"{name} in t"
        # `in` first: it rejects most posts in C before the boundary check runs.
        left, right = term.left_bound, term.right_bound
        return f"({name} in t and alone(t, {name}, {left}, {right}))"

    def expr(self, node: Node) -> str:
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Near):
            a, b = self.const(node.a), self.const(node.b)
            pre = f"{self.const(node.a.text)} in t and {self.const(node.b.text)} in t"
            return f"({pre} and near(t, {a}, {b}, {node.distance}))"
        if isinstance(node, Not):
            return f"not {self.expr(node.item)}"
        # Plain terms first, NEAR last: the cheap tests decide most posts.
        items = sorted(node.items, key=_order)
        parts = [self.expr(item) for item in items]
        if not parts:
            return "True" if isinstance(node, And) else "False"
        joiner = " and " if isinstance(node, And) else " or "
        return "(" + joiner.join(parts) + ")"
