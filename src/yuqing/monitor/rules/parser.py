"""Recursive-descent parser: rule text → syntax tree (CONTRACTS "Watch rule language").

Grammar, loosest first (precedence NOT > AND > OR):

    rule    := or END
    or      := and (OR and)*
    and     := unary ((AND)? unary)*          whitespace between operands is AND
    unary   := NOT unary | primary
    primary := TERM | PHRASE | '(' or ')' | NEAR '(' operand ',' operand ')'
    operand := TERM | PHRASE                   NEAR takes terms, not sub-expressions

AND and OR chains are loops, so a flat list of thousands of terms is fine; only
parentheses and NOT recurse, and they are capped at MAX_DEPTH.
"""

from __future__ import annotations

from yuqing.core.errors import RuleSyntaxError
from yuqing.core.i18n import _
from yuqing.core.textfold import fold
from yuqing.monitor.rules.lexer import Kind, Token, tokenize
from yuqing.monitor.rules.nodes import And, Near, Node, Not, Or, Term

# Deep enough for any rule a person writes, shallow enough for Python's own recursion and
# for the evaluator compiled from the tree.
MAX_DEPTH = 50

_OPERAND_START = frozenset({Kind.TERM, Kind.PHRASE, Kind.NOT, Kind.LPAREN, Kind.NEAR})


def parse(rule: str) -> Node:
    """The syntax tree of `rule`; RuleSyntaxError names the column and what was expected."""
    return _Parser(rule).parse()


def make_term(text: str) -> Term | None:
    """The folded term of `text`, or None when it folds to nothing."""
    folded = fold(text)
    return Term(folded) if folded else None


def all_of(items: list[Node]) -> Node:
    """AND of `items`, flattened; one item stands alone."""
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def any_of(items: list[Node]) -> Node:
    """OR of `items` (at least one), flattened; one item stands alone."""
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def negate(item: Node) -> Node:
    """NOT `item`; a double negation cancels."""
    return item.item if isinstance(item, Not) else Not(item)


class _Parser:
    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.tokens = tokenize(rule)
        self.pos = 0

    def cur(self) -> Token:
        # A method, not a property: mypy must not carry narrowing across advance().
        return self.tokens[self.pos]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def fail(self, message: str, tok: Token | None = None) -> RuleSyntaxError:
        return RuleSyntaxError(message, column=(tok or self.cur()).column, rule=self.rule)

    def parse(self) -> Node:
        if self.cur().kind is Kind.END:
            raise self.fail(_("expected a term or '(' (the rule is empty)"))
        node = self.parse_or(0)
        if self.cur().kind is Kind.RPAREN:
            raise self.fail(_("unexpected ')' without a matching '('"))
        if self.cur().kind is not Kind.END:  # only ',' is left that no rule consumes
            raise self.fail(
                _("unexpected {token} outside NEAR/n(a, b)").format(token=self.cur().describe())
            )
        return node

    def need_operand(self, after: Token | None) -> None:
        tok = self.cur()
        if tok.kind in _OPERAND_START:
            return
        found = None if tok.kind is Kind.END else tok.describe()
        if after is None and found is None:
            message = _("expected a term or '(' at the start of the rule")
        elif after is None:
            message = _("expected a term or '(' at the start of the rule, found {found}")
        elif found is None:
            message = _("expected a term or '(' after {token}")
        else:
            message = _("expected a term or '(' after {token}, found {found}")
        token = after.describe() if after is not None else ""
        raise self.fail(message.format(token=token, found=found))

    def parse_or(self, depth: int) -> Node:
        self.need_operand(self.tokens[self.pos - 1] if self.pos else None)
        items = [self.parse_and(depth)]
        while self.cur().kind is Kind.OR:
            op = self.advance()
            self.need_operand(op)
            items.append(self.parse_and(depth))
        return any_of(items)

    def parse_and(self, depth: int) -> Node:
        items = [self.parse_unary(depth)]
        while True:
            if self.cur().kind is Kind.AND:
                op = self.advance()
                self.need_operand(op)
            elif self.cur().kind not in _OPERAND_START:
                return all_of(items)
            items.append(self.parse_unary(depth))

    def parse_unary(self, depth: int) -> Node:
        if self.cur().kind is not Kind.NOT:
            return self.parse_primary(depth)
        op = self.advance()
        self.check_depth(depth + 1, op)
        self.need_operand(op)
        return negate(self.parse_unary(depth + 1))

    def check_depth(self, depth: int, tok: Token) -> None:
        if depth > MAX_DEPTH:
            raise self.fail(_("rule nests deeper than {limit} levels").format(limit=MAX_DEPTH), tok)

    def parse_primary(self, depth: int) -> Node:
        tok = self.cur()
        if tok.kind is Kind.LPAREN:
            self.advance()
            self.check_depth(depth + 1, tok)
            inner = self.parse_or(depth + 1)
            if self.cur().kind is not Kind.RPAREN:
                raise self.fail(self.unclosed(tok))
            self.advance()
            return inner
        if tok.kind is Kind.NEAR:
            return self.parse_near()
        bare_near = tok.kind is Kind.TERM and tok.text == "NEAR"
        if bare_near and self.tokens[self.pos + 1].kind is Kind.LPAREN:
            raise self.fail(_("expected '/' and a number after 'NEAR', as in NEAR/5(a, b)"))
        return self.parse_term()

    def parse_term(self) -> Term:
        tok = self.advance()
        term = make_term(tok.text)
        if term is None:
            raise self.fail(_("term is empty once folded"), tok)
        return term

    def parse_near(self) -> Near:
        near = self.advance()
        if self.cur().kind is not Kind.LPAREN:
            raise self.fail(_("expected '(' after {token}").format(token=near.describe()))
        opened = self.advance()
        a = self.near_operand(near, "first")
        if self.cur().kind is not Kind.COMMA:
            raise self.fail(
                _("expected ',' between the two terms of {token}").format(token=near.describe())
            )
        self.advance()
        b = self.near_operand(near, "second")
        if self.cur().kind is not Kind.RPAREN:
            raise self.fail(
                _("expected ')' to close '(' at column {column}").format(column=opened.column)
            )
        self.advance()
        return Near(a, b, near.distance)

    def unclosed(self, opened: Token) -> str:
        """Why the '(' at `opened` is not closed here."""
        if self.cur().kind is Kind.END:
            return _("expected ')' to close '(' at column {column}").format(column=opened.column)
        return _("expected ')' to close '(' at column {column}, found {found}").format(
            column=opened.column, found=self.cur().describe()
        )

    def near_operand(self, near: Token, which: str) -> Term:
        if self.cur().kind not in (Kind.TERM, Kind.PHRASE):
            found = None if self.cur().kind is Kind.END else self.cur().describe()
            first = which == "first"
            if found is None:
                message = (
                    _("expected a term or phrase as the first argument of {token}")
                    if first
                    else _("expected a term or phrase as the second argument of {token}")
                )
            else:
                message = (
                    _("expected a term or phrase as the first argument of {token}, found {found}")
                    if first
                    else _(
                        "expected a term or phrase as the second argument of {token}, found {found}"
                    )
                )
            raise self.fail(message.format(token=near.describe(), found=found))
        return self.parse_term()
