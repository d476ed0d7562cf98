"""The watch rule language (CONTRACTS "Watch rule language").

    >>> rule = compile_rule('学校 (食堂 | 宿舍) -广告')
    >>> rule.matches(fold("某学校\\n食堂饭菜"))
    True

`compile_rule` parses and compiles; `Rule.matches` takes folded text (`fold(title + "\\n" +
text)`, as `Post.folded` holds). Many rules at once go through `WatchMatcher`
(`yuqing.monitor.watches`), which scans each post once for all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.monitor.rules.evaluate import Compiled, TermTable, compile_node, trigger_of
from yuqing.monitor.rules.lexer import MAX_RULE_CHARS
from yuqing.monitor.rules.nodes import And, Node, Term
from yuqing.monitor.rules.parser import MAX_DEPTH, all_of, any_of, make_term, negate, parse
from yuqing.monitor.rules.scan import Scanner

__all__ = ["GROUPS", "MAX_DEPTH", "MAX_RULE_CHARS", "Rule", "compile_rule", "group_rule"]

# The group form's names, in the order they combine (CONTRACTS).
GROUPS = ("subject", "region", "event", "exclude")


class Rule:
    """A compiled rule: `source` as written, `node` its syntax tree."""

    def __init__(self, source: str, node: Node) -> None:
        self.source = source
        self.node = node

    def __repr__(self) -> str:
        return f"Rule({self.source!r})"

    @cached_property
    def _own(self) -> tuple[Scanner, Compiled]:
        # Built on first use: rules loaded for a WatchMatcher never need their own automaton.
        table = TermTable()
        compiled = compile_node(self.node, table)
        return Scanner(table), compiled

    def matches(self, folded: str) -> bool:
        """Whether the folded text of a post (title and text together) matches this rule."""
        scanner, compiled = self._own
        found, positions = scanner.scan(folded)
        return compiled.test(found, positions)

    def required_terms(self) -> frozenset[str]:
        """Folded terms of which at least one must occur to match; empty when none need to."""
        table = TermTable()
        trigger = trigger_of(self.node, table)
        return frozenset(table.texts[i] for i in trigger) if trigger else frozenset()


def compile_rule(expr: str) -> Rule:
    """Parse and compile `expr`; RuleSyntaxError names the 1-based column on bad input."""
    return Rule(expr, parse(expr))


def group_rule(
    *,
    subject: Iterable[str] = (),
    region: Iterable[str] = (),
    event: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> Rule:
    """The group form (subject) & (region) & (event) & -(exclude); empty groups impose nothing."""
    groups = {"subject": subject, "region": region, "event": event, "exclude": exclude}
    parts: list[Node] = []
    shown: list[str] = []
    for name, raw in groups.items():
        terms = [_group_term(name, text) for text in raw]
        if not terms:
            continue
        either = any_of(list(terms))
        parts.append(negate(either) if name == "exclude" else either)
        listed = " | ".join(_quoted(term) for term in raw)
        shown.append(f"-({listed})" if name == "exclude" else f"({listed})")
    node = all_of(parts) if parts else And(())
    return Rule(" & ".join(shown), node)


def _group_term(group: str, text: str) -> Term:
    # Group terms are list items: whitespace around them is an accident of the file, and
    # inside them it is part of a phrase.
    if not isinstance(text, str):
        raise InvalidInput(
            _("'{group}' terms must be strings, not {type}").format(
                group=group, type=type(text).__name__
            )
        )
    term = make_term(text.strip())
    if term is None:
        raise InvalidInput(_("'{group}' has an empty term").format(group=group))
    return term


def _quoted(text: str) -> str:
    bare = text.strip()
    plain = bare and not any(c.isspace() or c in '()|&+",（）｜＆＋＂，' for c in bare)
    operator = bare in ("AND", "OR", "NOT", "NEAR") or bare.startswith("NEAR/")
    if plain and bare[0] not in "-－" and not operator:
        return bare
    return '"' + bare + '"'
