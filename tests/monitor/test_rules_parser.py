"""Parsing watch rules: structure, precedence and errors with their columns (CONTRACTS)."""

from __future__ import annotations

import pytest

from yuqing.core.errors import InvalidInput, RuleSyntaxError
from yuqing.core.i18n import use_locale
from yuqing.monitor.rules import MAX_DEPTH, MAX_RULE_CHARS, compile_rule, group_rule
from yuqing.monitor.rules.nodes import And, Near, Not, Or, Term
from yuqing.monitor.rules.parser import parse


def t(text: str) -> Term:
    return Term(text)


@pytest.mark.parametrize(
    ("rule", "tree"),
    [
        ("学校", t("学校")),
        ("学校 食堂", And((t("学校"), t("食堂")))),
        ("学校&食堂+宿舍 AND 老师", And((t("学校"), t("食堂"), t("宿舍"), t("老师")))),
        ("学校|食堂 OR 宿舍", Or((t("学校"), t("食堂"), t("宿舍")))),
        # AND binds tighter than OR.
        ("a b | c", Or((And((t("a"), t("b"))), t("c")))),
        ("a | b c", Or((t("a"), And((t("b"), t("c")))))),
        # NOT binds tighter than AND.
        ("-a b", And((Not(t("a")), t("b")))),
        ("NOT a | b", Or((Not(t("a")), t("b")))),
        ("-(a | b) c", And((Not(Or((t("a"), t("b")))), t("c")))),
        ("(a | b) (c | d)", And((Or((t("a"), t("b"))), Or((t("c"), t("d")))))),
        ("--a", t("a")),
        # Word operators are upper case only; lower case they are terms.
        ("a and b or c", And((t("a"), t("and"), t("b"), t("or"), t("c")))),
        # `-` inside a word is a hyphen, at the start of a term it is NOT.
        ("COVID-19", t("covid-19")),
        ("a -COVID-19", And((t("a"), Not(t("covid-19"))))),
        ("a&-b", And((t("a"), Not(t("b"))))),
        ('"a OR b" c', And((t("a or b"), t("c")))),
        ('"(学校)|-食堂"', t("(学校)|-食堂")),
        ("NEAR/5(学校, 食堂)", Near(t("学校"), t("食堂"), 5)),
        ('NEAR/0("new york", 大学) x', And((Near(t("new york"), t("大学"), 0), t("x")))),
        ("NEAR", t("near")),
        ("TCP/IP", t("tcp/ip")),
    ],
)
def test_structure_and_precedence(rule: str, tree: object) -> None:
    assert parse(rule) == tree


def test_terms_are_folded_like_posts() -> None:
    assert parse("學校 ＡＢＣ") == And((t("学校"), t("abc")))


def test_full_width_operators_act_like_ascii_ones() -> None:
    assert parse("（学校｜医院）＆食堂 －广告") == parse("(学校|医院)&食堂 -广告")
    assert parse("NEAR/3（学校，食堂）") == Near(t("学校"), t("食堂"), 3)
    # Chinese input methods type “ ” for quotes: a phrase, not a term holding the marks.
    assert parse("“明德 一中” 食堂") == parse('"明德 一中" 食堂')


def test_rule_keeps_its_source() -> None:
    rule = compile_rule("学校  食堂")
    assert rule.source == "学校  食堂"
    assert repr(rule) == "Rule('学校  食堂')"


@pytest.mark.parametrize(
    ("rule", "column", "chinese", "english"),
    [
        ("", 1, "规则为空：应为关键词或 '('", "expected a term or '(' (the rule is empty)"),
        ("   ", 4, "规则为空：应为关键词或 '('", "expected a term or '(' (the rule is empty)"),
        ("学校 AND", 7, "'AND' 之后应为关键词或 '('", "expected a term or '(' after 'AND'"),
        (
            "a OR OR b",
            6,
            "'OR' 之后应为关键词或 '('，实际为 'OR'",
            "expected a term or '(' after 'OR', found 'OR'",
        ),
        (
            "a | ) b",
            5,
            "'|' 之后应为关键词或 '('，实际为 ')'",
            "expected a term or '(' after '|', found ')'",
        ),
        (
            "AND a",
            1,
            "规则开头应为关键词或 '('，实际为 'AND'",
            "expected a term or '(' at the start of the rule, found 'AND'",
        ),
        ("a -", 4, "'-' 之后应为关键词或 '('", "expected a term or '(' after '-'"),
        ("(a b", 5, "应为 ')'，以闭合第 1 列的 '('", "expected ')' to close '(' at column 1"),
        ("((a) b", 7, "应为 ')'，以闭合第 1 列的 '('", "expected ')' to close '(' at column 1"),
        ("a b)", 4, "多余的 ')'：没有与之匹配的 '('", "unexpected ')' without a matching '('"),
        (
            "()",
            2,
            "'(' 之后应为关键词或 '('，实际为 ')'",
            "expected a term or '(' after '(', found ')'",
        ),
        ("a, b", 2, "NEAR/n(a, b) 之外不应出现 ','", "unexpected ',' outside NEAR/n(a, b)"),
        (
            'a "bc',
            3,
            "短语未闭合：缺少结尾的 '\"'",
            "unterminated phrase: expected a closing '\"'",
        ),
        ('a "  "', 3, "短语为空", "empty phrase"),
        ("NEAR/(a, b)", 6, "'NEAR/' 之后应为数字", "expected a number after 'NEAR/'"),
        ("x NEAR/k(a, b)", 8, "'NEAR/' 之后应为数字", "expected a number after 'NEAR/'"),
        ("NEAR(a, b)", 1, "'NEAR' 之后应为 '/' 和数字", "expected '/' and a number after 'NEAR'"),
        (
            "NEAR/5 (a, b",
            13,
            "应为 ')'，以闭合第 8 列的 '('",
            "expected ')' to close '(' at column 8",
        ),
        ("NEAR/5 a", 8, "'NEAR/5' 之后应为 '('", "expected '(' after 'NEAR/5'"),
        (
            "NEAR/5(a b)",
            10,
            "'NEAR/5' 的两个关键词之间应为 ','",
            "expected ',' between the two terms of 'NEAR/5'",
        ),
        (
            "NEAR/5(a,)",
            10,
            "'NEAR/5' 的第二个参数应为关键词或短语",
            "expected a term or phrase as the second argument of 'NEAR/5'",
        ),
        (
            "NEAR/5((a|b), c)",
            8,
            "'NEAR/5' 的第一个参数应为关键词或短语，实际为 '('",
            "as the first argument of 'NEAR/5', found '('",
        ),
        (
            "NEAR/5(-a, c)",
            8,
            "'NEAR/5' 的第一个参数应为关键词或短语，实际为 '-'",
            "as the first argument of 'NEAR/5', found '-'",
        ),
        ("NEAR/999999(a, b)", 6, "NEAR 距离不能超过 100000", "NEAR distance must be at most"),
    ],
)
def test_syntax_errors_name_column_and_expectation(
    rule: str, column: int, chinese: str, english: str
) -> None:
    """The position stays as written (`column N: `); what was expected is in the language."""
    for language, expected in (("zh_CN", chinese), ("en", english)):
        with use_locale(language), pytest.raises(RuleSyntaxError) as info:
            compile_rule(rule)
        assert info.value.column == column
        assert info.value.rule == rule
        assert expected in info.value.reason
        assert str(info.value).startswith(f"column {column}: ")
        assert "\n" not in str(info.value)


def test_syntax_error_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match=r"^column 5: 'OR' 之后应为关键词或 '\('$"):
        compile_rule("a OR")
    with (
        use_locale("en"),
        pytest.raises(InvalidInput, match=r"^column 5: expected a term or '\(' after 'OR'$"),
    ):
        compile_rule("a OR")


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        compile_rule("学校食堂 AND")
    assert info.value.column == 9


def test_deep_nesting_is_refused_with_a_clear_error() -> None:
    deep = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(RuleSyntaxError, match=f"规则嵌套超过 {MAX_DEPTH} 层") as info:
        compile_rule(deep)
    assert info.value.column == MAX_DEPTH + 1
    with pytest.raises(RuleSyntaxError, match="规则嵌套超过"):
        compile_rule("NOT " * 4_000 + "a")


def test_nesting_up_to_the_limit_compiles_and_matches() -> None:
    rule = compile_rule("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH)
    assert rule.matches("a")
    assert compile_rule("-" * MAX_DEPTH + "a").matches("a")  # an even number of NOTs


def test_long_flat_rules_are_fine_and_too_long_ones_refused() -> None:
    words = [f"w{i}" for i in range(2000)]
    rule = compile_rule(" | ".join(words))
    assert rule.matches("x w1999 y")
    assert not rule.matches("w2000")
    with pytest.raises(RuleSyntaxError, match=f"规则超过 {MAX_RULE_CHARS} 个字符"):
        compile_rule("a " * MAX_RULE_CHARS)


def test_group_rule_builds_the_contract_expression() -> None:
    rule = group_rule(subject=["学校", "医院"], region=["北京"], event=[], exclude=["广告", "招聘"])
    assert rule.node == And(
        (Or((t("学校"), t("医院"))), t("北京"), Not(Or((t("广告"), t("招聘")))))
    )
    assert rule.source == "(学校 | 医院) & (北京) & -(广告 | 招聘)"
    assert compile_rule(rule.source).node == rule.node


def test_group_rule_quotes_terms_that_are_not_bare_words() -> None:
    rule = group_rule(subject=["new york", "a|b", "AND", "-x"])
    assert rule.source == '("new york" | "a|b" | "AND" | "-x")'
    assert compile_rule(rule.source).node == rule.node


def test_group_rule_refuses_empty_terms() -> None:
    with pytest.raises(InvalidInput, match="'event' 中有空的关键词"):
        group_rule(subject=["a"], event=["  "])
