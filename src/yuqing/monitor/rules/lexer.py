"""Tokens of the watch rule language (CONTRACTS "Watch rule language").

Columns are 1-based character positions in the rule as written, so every error can point
at the place. Full-width forms of the operator characters (`（` `）` `｜` `＆` `＋` `－` `＂`
`，`) and the curly quotes `“ ”` act like their ASCII forms: CONTRACTS makes full and half
width equivalent, and Chinese input methods type the full-width ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from yuqing.core.errors import RuleSyntaxError
from yuqing.core.i18n import _

# Past this a rule is not a watch but an attack or a paste accident.
MAX_RULE_CHARS = 20_000
# NEAR distances are characters; more than this is "anywhere in the post" and a huge
# digit string would make int() itself slow.
MAX_NEAR = 100_000


class Kind(Enum):
    TERM = "term"
    PHRASE = "phrase"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    NEAR = "NEAR"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end of rule"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # as written (a phrase without its quotes)
    column: int  # 1-based
    distance: int = 0  # NEAR/n only

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind is Kind.END:
            return _("the end of the rule")
        if self.kind is Kind.PHRASE:
            return f'"{self.text}"'
        return f"'{self.text}'"


# The curly quotes “ ” are what Chinese input methods type for `"`: taken as a term, a
# phrase written with them matched nothing, silently.
_FULL_WIDTH = str.maketrans("（）｜＆＋－＂，“”", '()|&+-",""')
# Characters that always end a bare word. `-` is not here: inside a word it is a
# hyphen (COVID-19), only at the start of a term is it NOT.
_DELIMITERS = frozenset('()|&+",')
_SINGLE = {"(": Kind.LPAREN, ")": Kind.RPAREN, "|": Kind.OR, "&": Kind.AND, "+": Kind.AND}
_WORD_OPERATORS = {"AND": Kind.AND, "OR": Kind.OR, "NOT": Kind.NOT}


def _fail(message: str, column: int, rule: str) -> RuleSyntaxError:
    return RuleSyntaxError(message, column=column, rule=rule)


def tokenize(rule: str) -> list[Token]:
    """The tokens of `rule`, ending with an END token; RuleSyntaxError on bad lexemes."""
    if len(rule) > MAX_RULE_CHARS:
        message = _("rule is longer than {limit} characters").format(limit=MAX_RULE_CHARS)
        raise _fail(message, MAX_RULE_CHARS + 1, rule)
    plain = rule.translate(_FULL_WIDTH)
    tokens: list[Token] = []
    i, n = 0, len(plain)
    while i < n:
        ch = plain[i]
        if ch.isspace():
            i += 1
        elif ch in _SINGLE:
            tokens.append(Token(_SINGLE[ch], rule[i], i + 1))
            i += 1
        elif ch == ",":
            tokens.append(Token(Kind.COMMA, rule[i], i + 1))
            i += 1
        elif ch == "-":
            # We are at the start of a term, so this is the prefix NOT.
            tokens.append(Token(Kind.NOT, rule[i], i + 1))
            i += 1
        elif ch == '"':
            close = plain.find('"', i + 1)
            if close < 0:
                raise _fail(_("unterminated phrase: expected a closing '\"'"), i + 1, rule)
            if not rule[i + 1 : close].strip():
                raise _fail(_("empty phrase: expected text between the quotes"), i + 1, rule)
            tokens.append(Token(Kind.PHRASE, rule[i + 1 : close], i + 1))
            i = close + 1
        else:
            start = i
            while i < n and not plain[i].isspace() and plain[i] not in _DELIMITERS:
                i += 1
            tokens.append(_word(rule[start:i], start + 1, rule))
    tokens.append(Token(Kind.END, "", len(rule) + 1))
    return tokens


def _word(word: str, column: int, rule: str) -> Token:
    if word in _WORD_OPERATORS:
        return Token(_WORD_OPERATORS[word], word, column)
    if word.startswith("NEAR/"):
        digits = word[5:]
        if not (digits.isascii() and digits.isdigit()):
            message = _("expected a number after 'NEAR/', as in NEAR/5(a, b)")
            raise _fail(message, column + 5, rule)
        if len(digits) > len(str(MAX_NEAR)) or int(digits) > MAX_NEAR:
            message = _("NEAR distance must be at most {limit}").format(limit=MAX_NEAR)
            raise _fail(message, column + 5, rule)
        return Token(Kind.NEAR, word, column, distance=int(digits))
    return Token(Kind.TERM, word, column)
