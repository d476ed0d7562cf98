"""The syntax tree of a watch rule.

Terms hold their folded text: every later stage (prefilter, evaluation, tests) works on
folded text only, as `fold()` makes Traditional/Simplified and full/half width one.
"""

from __future__ import annotations

from dataclasses import dataclass


def is_word_char(ch: str) -> bool:
    """Latin letter or digit: the characters a Latin term must not touch (CONTRACTS)."""
    if ch.isascii():
        return ch.isalnum()
    # Latin-1 Supplement to Latin Extended-B, and Latin Extended Additional (é, ü, ơ…).
    return ("\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff") and ch.isalpha()


@dataclass(frozen=True, slots=True)
class Term:
    """A bare word or a quoted phrase, folded; matched as a literal substring."""

    text: str  # folded, non-empty

    @property
    def left_bound(self) -> bool:
        """Whether a match must not be preceded by a Latin letter or digit."""
        return is_word_char(self.text[0])

    @property
    def right_bound(self) -> bool:
        """Whether a match must not be followed by a Latin letter or digit."""
        return is_word_char(self.text[-1])


@dataclass(frozen=True, slots=True)
class Near:
    """Some occurrence of `a` and some of `b`, either order, at most `distance` apart."""

    a: Term
    b: Term
    distance: int


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


@dataclass(frozen=True, slots=True)
class And:
    """All items; an empty And is true (a group form with no condition)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


Node = Term | Near | Not | And | Or


def terms_of(node: Node) -> list[Term]:
    """Every term in `node`, in order, with repeats."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [node.a, node.b]
    if isinstance(node, Not):
        return terms_of(node.item)
    return [t for item in node.items for t in terms_of(item)]
