"""Fast evaluation: a compiled test over the set of terms a scan found.

A post is scanned once for every term of every rule (`scan.Scanner`); the scan yields the
set of term ids present, plus start positions for the few terms that need them (NEAR).
Each rule is compiled to a Python lambda over that set, so evaluating a rule is a handful
of set operations instead of a tree walk or a substring search per term.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from yuqing.monitor.rules.nodes import And, Near, Node, Not, Or, Term


class Positions(Protocol):
    """Start positions of a term id in the post, sorted; None when it does not occur."""

    def get(self, tid: int, /) -> list[int] | None: ...


Test = Callable[[set[int], Positions], bool]


@dataclass
class TermTable:
    """Ids for distinct folded terms, shared by every rule a scanner serves."""

    ids: dict[str, int] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    positional: set[int] = field(default_factory=set)  # ids NEAR needs positions of

    def default_cost(self, tid: int) -> float:
        """Guess of how common a term is: longer terms are rarer."""
        return 1.0 / len(self.texts[tid])

    def id(self, term: Term) -> int:
        """The id of `term`, added on first sight."""
        found = self.ids.get(term.text)
        if found is None:
            found = self.ids[term.text] = len(self.texts)
            self.texts.append(term.text)
        return found


def near(p: Positions, ia: int, ib: int, la: int, lb: int, n: int) -> bool:
    """Whether an occurrence of term `ia` and one of `ib` have at most `n` characters between.

    Overlapping occurrences count as near (nothing between them). With the same term on
    both sides, two different occurrences are needed.
    """
    starts_a, starts_b = p.get(ia), p.get(ib)
    if not starts_a or not starts_b:
        return False
    for sa in starts_a:
        # b may start anywhere from n characters before a (counting b's own length)
        # to n characters after a's end.
        lo, hi = sa - lb - n, sa + la + n
        k = bisect_left(starts_b, lo)
        while k < len(starts_b) and starts_b[k] <= hi:
            if ia != ib or starts_b[k] != sa:
                return True
            k += 1
    return False


@dataclass
class Compiled:
    """A rule ready to run: `test(found, positions)` over the ids a scan found."""

    test: Test


def compile_node(node: Node, table: TermTable) -> Compiled:
    """Compile `node` against `table` (which gains its terms)."""
    codegen = _Codegen(table)
    source = f"lambda f, p: {codegen.expr(node)}"
    # Safe: the source is built only from ints and the names in `namespace`, never from
    # rule text, so nothing a user writes reaches eval.
    test: Test = eval(compile(source, "<rule>", "eval"), codegen.namespace)  # noqa: S307
    return Compiled(test)


class _Codegen:
    def __init__(self, table: TermTable) -> None:
        self.table = table
        self.namespace: dict[str, Any] = {"__builtins__": {}, "near": near}

    def const(self, ids: set[int]) -> str:
        name = f"s{len(self.namespace)}"
        self.namespace[name] = frozenset(ids)
        return name

    def expr(self, node: Node) -> str:
        if isinstance(node, Term):
            return f"{self.table.id(node)} in f"
        if isinstance(node, Near):
            ia, ib = self.table.id(node.a), self.table.id(node.b)
            self.table.positional.update((ia, ib))
            la, lb = len(node.a.text), len(node.b.text)
            return f"near(p, {ia}, {ib}, {la}, {lb}, {node.distance})"
        if isinstance(node, Not):
            return f"not ({self.expr(node.item)})"
        ids = {self.table.id(item) for item in node.items if isinstance(item, Term)}
        # Cheap set tests first, NEAR (position lists) last, so `and`/`or` cut short early.
        rest = sorted(
            (item for item in node.items if not isinstance(item, Term)),
            key=lambda item: isinstance(item, Near),
        )
        parts = [self.expr(item) for item in rest]
        if isinstance(node, And):
            if len(ids) == 1:
                parts.insert(0, f"{next(iter(ids))} in f")
            elif ids:
                parts.insert(0, f"{self.const(ids)} <= f")
            return "(" + " and ".join(parts) + ")" if parts else "True"
        if len(ids) == 1:
            parts.insert(0, f"{next(iter(ids))} in f")
        elif ids:
            parts.insert(0, f"not {self.const(ids)}.isdisjoint(f)")
        return "(" + " or ".join(parts) + ")" if parts else "False"


def trigger_of(
    node: Node, table: TermTable, cost: Callable[[int], float] | None = None
) -> frozenset[int] | None:
    """Term ids of which one must occur for `node` to hold; None when none need to.

    Where an AND offers a choice, the set of least total `cost` wins: `cost` estimates
    how often a term occurs (default: shorter terms are commoner).
    """
    if cost is None:
        cost = table.default_cost
    if isinstance(node, Term):
        return frozenset((table.id(node),))
    if isinstance(node, Near):
        # Both terms must occur; the rarer one is enough to wake the rule.
        ia, ib = table.id(node.a), table.id(node.b)
        return frozenset((ia if cost(ia) <= cost(ib) else ib,))
    if isinstance(node, Not):
        return None
    triggers = [trigger_of(item, table, cost) for item in node.items]
    if isinstance(node, Or):
        if not triggers or any(t is None for t in triggers):
            return None
        return frozenset().union(*(t for t in triggers if t is not None))
    # AND: any one child's trigger will do; take the one that wakes the rule least often.
    usable = [t for t in triggers if t is not None]
    if not usable:
        return None
    return min(usable, key=lambda t: sum(cost(i) for i in t))
