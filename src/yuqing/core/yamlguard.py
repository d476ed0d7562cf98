"""YAML whose aliases expand beyond a sane size ("billion laughs") is refused before use.

An anchor used nine times in a list, itself used nine times, nine levels deep, is a
200-byte file of 387 million strings once expanded: whatever walks the loaded data
(duplicate keys, models, line numbers) takes minutes and gigabytes. The composed node
graph keeps each anchor once, so the expanded size is counted there, in time linear in
the file, before anything walks the data. Plan files and watch files both go through here.

Nesting is bounded too, before the YAML library sees the text: its scanner reads a flow
collection (`[[[[…`) to its end before the first token comes out, in time that grows with
the square of the depth (50,000 brackets: minutes), and its composer recurses once per
level. `load_yaml` puts the checks together with one-line errors for files that are
loaded whole (watch files, the channels file); plans report their problems one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _

# Nodes that aliases may add to a document beyond those written: a plan or a watch file
# reuses a list or a mapping a few times, never a hundred thousand nodes' worth.
MAX_ALIAS_NODES = 100_000
# Levels of collections inside each other: a plan is about eight deep, a watch file four.
MAX_NESTING = 64
_BRACKET = re.compile(r"[\[\]{}]")


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


def nesting_problem(text: str, *, limit: int = MAX_NESTING) -> YamlProblem | None:
    """Flow brackets (`[`, `{`) nested deeper than `limit`, on the line where the limit is
    passed; None when the text stays within it. One pass over the text, brackets in
    quotes and comments left out (a quote is taken to close on its line: a bracket in a
    quoted scalar that runs over lines counts, which matters only past `limit`). Block
    nesting is caught where the composer recurses (`RecursionError`), which is quick."""
    depth = 0
    number, counted, scanned = 1, 0, -1  # line of `counted`; end of the last line read
    for found in _BRACKET.finditer(text):
        if found.start() <= scanned:
            continue
        begin = text.rfind("\n", 0, found.start()) + 1
        scanned = text.find("\n", found.start())
        if scanned < 0:
            scanned = len(text)
        number += text.count("\n", counted, begin)
        counted = begin
        quote = ""
        previous = " "
        escaped = False
        for char in text[begin:scanned]:
            if quote:
                if escaped:
                    escaped = False
                elif char == "\\" and quote == '"':
                    escaped = True
                elif char == quote:
                    quote = ""
            elif char == "#" and previous in " \t":
                break  # a comment runs to the end of the line
            elif char in "'\"" and previous in " \t[{,:-?":
                quote = char
            elif char in "[{":
                depth += 1
                if depth > limit:
                    return YamlProblem(
                        number, _("YAML nests deeper than {limit} levels").format(limit=limit)
                    )
            elif char in "]}":
                depth = max(0, depth - 1)
            previous = char
    return None


def error_problem(exc: YAMLError, text: str) -> YamlProblem:
    """A YAML library error as one line with the line it is on (1-based)."""
    if isinstance(exc, ReaderError):
        position = exc.position if isinstance(exc.position, int) else 0
        line = text.count("\n", 0, max(0, position)) + 1
        character = exc.character
        what = f"#x{character:04x}" if isinstance(character, int) else repr(character)
        return YamlProblem(line, _("character {what} is not allowed in YAML").format(what=what))
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        # The YAML library's own wording, in English; only our fallback is translated.
        what = " ".join(str(exc.problem or exc.context or _("invalid YAML")).split())
        return YamlProblem(line, what)
    return YamlProblem(1, " ".join(str(exc).split())[:200])


def duplicate_keys(root: Node | None) -> list[YamlProblem]:
    """Every key written twice in one mapping of the composed document, on the line of its
    second occurrence (an anchor's node is checked once, however often it is used)."""
    found: list[YamlProblem] = []
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MappingNode):
            first_line: dict[str, int] = {}
            for key, value in current.value:
                if isinstance(key, ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in first_line:
                        message = _(
                            "duplicate key {key!r} (first on line {line}); expected each key once"
                        ).format(key=key.value, line=first_line[key.value])
                        found.append(YamlProblem(line, message))
                    first_line.setdefault(key.value, line)
                stack.append(value)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
    return sorted(found)


def load_yaml(text: str, filename: str, *, typ: str = "rt") -> Any:
    """The YAML document in `text`, or `InvalidInput` in one line naming `filename` and
    the line: syntax, duplicate keys, characters YAML forbids, nesting and aliases beyond
    a sane size. Round-trip mode (the default) keeps line numbers (`.lc`)."""
    deep = nesting_problem(text)
    if deep is not None:
        raise InvalidInput(deep.message, where=f"{filename}:{deep.line}")
    yaml = YAML(typ=typ)
    try:
        root = yaml.compose(text)
        problem = alias_problem(root) or next(iter(duplicate_keys(root)), None)
        if problem is not None:
            raise InvalidInput(problem.message, where=f"{filename}:{problem.line}")
        return yaml.load(text)
    except YAMLError as exc:
        problem = error_problem(exc, text)
        raise InvalidInput(problem.message, where=f"{filename}:{problem.line}") from None
    except RecursionError:
        raise InvalidInput(_("YAML nests too deeply"), where=filename) from None
