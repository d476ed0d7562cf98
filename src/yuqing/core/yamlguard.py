"""YAML whose aliases expand beyond a sane size ("billion laughs") is refused before use.

An anchor used nine times in a list, itself used nine times, nine levels deep, is a
200-byte file of 387 million strings once expanded: whatever walks the loaded data
(duplicate keys, models, line numbers) takes minutes and gigabytes. The composed node
graph keeps each anchor once, so the expanded size is counted there, in time linear in
the file, before anything walks the data. Plan files and watch files both go through here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from yuqing.core.i18n import _

# Nodes that aliases may add to a document beyond those written: a plan or a watch file
# reuses a list or a mapping a few times, never a hundred thousand nodes' worth.
MAX_ALIAS_NODES = 100_000


class YamlProblem(NamedTuple):
    line: int  # 1-based
    message: str


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value


def alias_problem(root: Node | None, *, limit: int = MAX_ALIAS_NODES) -> YamlProblem | None:
    """Why the composed document `root` is refused: aliases that expand too far, or an
    alias inside its own anchor; None when it is fine."""
    if root is None:
        return None
    sizes: dict[int, int] = {}  # node id → nodes once its aliases are expanded
    uses: dict[int, int] = {}  # node id → times it appears (more than once: an anchor)
    nodes: dict[int, Node] = {}
    entered: set[int] = set()  # the path from the root to the node being counted
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            entered.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        uses[key] = uses.get(key, 0) + 1
        if key in sizes:
            continue
        if key in entered:
            return YamlProblem(
                node.start_mark.line + 1, _("a YAML alias is used inside its own anchor")
            )
        entered.add(key)
        nodes[key] = node
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    if sizes[id(root)] - len(sizes) <= limit:
        return None
    worst = max((key for key, n in uses.items() if n > 1), key=lambda key: sizes[key] * uses[key])
    return YamlProblem(
        nodes[worst].start_mark.line + 1,
        _(
            "YAML aliases expand to more than {limit} nodes (the anchor on this line appears "
            "{uses} times, {size} nodes each)"
        ).format(limit=limit, uses=uses[worst], size=sizes[worst]),
    )
