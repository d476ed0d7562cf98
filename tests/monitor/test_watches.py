"""Watch files (CONTRACTS `yuqing watch import`) and the many-watch matcher."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import use_locale
from yuqing.core.textfold import fold
from yuqing.monitor.rules import GROUPS, compile_rule, group_rule
from yuqing.monitor.rules.nodes import And, Near, Node, Not, Or, Term
from yuqing.monitor.watches import (
    Watch,
    WatchMatcher,
    load_watch_file,
    load_watch_text,
    parse_watch,
)

GOOD_FILE = """\
# Watches of a school district
watches:
  - name: 食堂安全
    rule: '学校 (食堂 | 饭菜) -广告'
  - name: 医院纠纷
    subject: [市一院, 第一人民医院]
    region: []
    event: [纠纷, 冲突]
    exclude: [招聘]
  - name: 微博疫情
    rule: COVID-19
    sources: [weibo]
"""


def test_good_file_loads_rules_groups_and_sources(tmp_path: Path) -> None:
    path = tmp_path / "watches.yaml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    canteen, hospital, covid = load_watch_file(path)
    assert canteen.name == "食堂安全"
    assert canteen.expr == "学校 (食堂 | 饭菜) -广告"
    assert canteen.groups is None
    assert canteen.sources is None
    assert canteen.rule.matches(fold("学校\n食堂"))
    assert hospital.groups == {
        "subject": ["市一院", "第一人民医院"],
        "region": [],
        "event": ["纠纷", "冲突"],
        "exclude": ["招聘"],
    }
    assert hospital.expr == "(市一院 | 第一人民医院) & (纠纷 | 冲突) & -(招聘)"
    assert hospital.rule.matches(fold("市一院发生纠纷"))
    assert covid.sources == frozenset({"weibo"})


def test_empty_watch_list_is_no_watches() -> None:
    assert load_watch_text("watches: []\n", filename="w.yaml") == []
    assert load_watch_text("watches:\n", filename="w.yaml") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("watches: [\n", r"^w\.yaml:2: expected the node content"),
        (
            "watches:\n  - name: a\n    name: b\n",
            r"^w\.yaml:3: 重复的键 'name'（首次出现在第 2 行）；每个键只能出现一次$",
        ),
        # docs18: a NUL was two lines without a line number; deep brackets took minutes.
        ('watches:\n  - name: a\n    rule: "x\0"\n', r"^w\.yaml:3: YAML 不允许字符 #x0000$"),
        ("watches: " + "[" * 50_000 + "]" * 50_000, r"^w\.yaml:1: YAML 嵌套超过 64 层$"),
        (
            "watches:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)),
            r"^w\.yaml: YAML 嵌套过深$",
        ),
        ("watches:\n\t- name: a\n", r"^w\.yaml:2: found character '\\t'"),
        ("", r"^w\.yaml:1: 应为包含列表 'watches:' 的映射$"),
        ("- a\n", r"^w\.yaml:1: 应为包含列表 'watches:' 的映射"),
        ("watches: []\nwatchs: []\n", r"^w\.yaml:2: 未知的键 'watchs'（应为 'watches'）$"),
        ("watches: x\n", r"^w\.yaml:1: 'watches' 必须是监测方案列表$"),
        (
            "watches:\n  - just text\n",
            r"^w\.yaml:2: 每个监测方案都必须是包含 'name' 和 'rule' 的映射",
        ),
        (
            "watches:\n  - name: a\n    rule: x\n    level: high\n",
            r"^w\.yaml:4: 未知的字段 'level'（可用：department, event, exclude, name, ",
        ),
        ("watches:\n  - name: a\n", r"^w\.yaml:2: 监测方案 'a'：缺少 'rule'（或分组 subject, "),
        ("watches:\n  - rule: x\n", r"^w\.yaml:2: 'name' 必须是非空字符串$"),
        ("watches:\n  - name: 12\n    rule: x\n", r"^w\.yaml:2: 'name' 必须是非空字符串$"),
        (
            "watches:\n  - name: a\n    subject: [x]\n    rule: y\n",
            r"^w\.yaml:4: 监测方案 'a'：'rule' 与分组 subject, region, event, exclude 只能二选一$",
        ),
        (
            "watches:\n  - name: a\n    rule: 'x OR'\n",
            r"^w\.yaml:3: 监测方案 'a'：规则 column 5: 'OR' 之后应为关键词或 '\('$",
        ),
        (
            "watches:\n  - name: a\n    rule: [x]\n",
            r"^w\.yaml:3: 监测方案 'a'：'rule' 必须是字符串$",
        ),
        (
            "watches:\n  - name: a\n    subject: x\n",
            r"^w\.yaml:3: 监测方案 'a'：'subject' 必须是关键词列表$",
        ),
        (
            "watches:\n  - name: a\n    event: ['']\n",
            r"^w\.yaml:3: 监测方案 'a'：'event' 中有空的关键词$",
        ),
        (
            "watches:\n  - name: a\n    subject: []\n",
            r"^w\.yaml:3: 监测方案 'a'：分组中没有关键词$",
        ),
        (
            "watches:\n  - name: a\n    rule: x\n    sources: []\n",
            r"^w\.yaml:4: 监测方案 'a'：'sources' 为空；要监测所有信息源，请省略此项$",
        ),
        (
            "watches:\n  - name: a\n    rule: x\n    sources: weibo\n",
            r"^w\.yaml:4: 监测方案 'a'：'sources' 必须是信息源名称列表$",
        ),
        (
            "watches:\n  - name: a\n    rule: x\n  - name: b\n    rule: y\n"
            "  - name: a\n    rule: z\n",
            r"^w\.yaml:6: 监测方案名称 'a' 重复（首次出现在第 2 行）$",
        ),
    ],
)
def test_bad_files_name_file_and_line_in_one_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        load_watch_text(text, filename="w.yaml")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"^w\.yaml:1: expected a mapping with a list 'watches:'$"),
        (
            "watches:\n  - name: a\n    rule: 'x OR'\n",
            r"^w\.yaml:3: watch 'a': rule column 5: expected a term or '\(' after 'OR'$",
        ),
        (
            "watches:\n  - name: a\n    rule: x\n  - name: a\n    rule: z\n",
            r"^w\.yaml:4: duplicate watch name 'a' \(first at line 2\)$",
        ),
    ],
)
def test_bad_files_in_english(text: str, message: str) -> None:
    """YUQING_LANG=en: the same FILE:LINE and position, the sentence in English."""
    with use_locale("en"), pytest.raises(InvalidInput, match=message):
        load_watch_text(text, filename="w.yaml")


def test_aliases_expanding_beyond_a_sane_size_are_refused() -> None:
    laughs = "x:\n  - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for previous, anchor in zip("abcdefgh", "bcdefghi", strict=True):
        laughs += f"  - &{anchor} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    laughs += "watches:\n  - name: w\n    subject: *i\n"
    with pytest.raises(InvalidInput, match=r"^w\.yaml:10: YAML 别名展开后超过 100000 个节点"):
        load_watch_text(laughs, filename="w.yaml")


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"无法读取 .*missing\.yaml"):
        load_watch_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"watches:\n  - name: \xff\n")
    with pytest.raises(InvalidInput, match=r"bad\.yaml: 第 20 字节处不是有效的 UTF-8$"):
        load_watch_file(bad)


def test_parse_watch_uses_the_given_where() -> None:
    watch = parse_watch({"name": " a ", "rule": "x y"}, where="api")
    assert watch == Watch("a", watch.rule, None, expr="x y", groups=None)
    with pytest.raises(InvalidInput, match=r"^plan\.yaml:9: 监测方案 'a'：缺少 'rule'"):
        parse_watch({"name": "a"}, where="plan.yaml:9")


def test_matcher_keeps_the_given_order_and_honours_sources() -> None:
    watches = [
        parse_watch({"name": "z-first", "rule": "学校"}, where="t"),
        parse_watch({"name": "a-weibo", "rule": "学校 食堂", "sources": ["weibo"]}, where="t"),
        parse_watch({"name": "not-ads", "rule": "-广告"}, where="t"),
        parse_watch({"name": "groups", "subject": ["食堂"], "exclude": ["学校"]}, where="t"),
    ]
    matcher = WatchMatcher(watches)
    assert matcher.match(fold("學校\n食堂"), source="weibo") == ["z-first", "a-weibo", "not-ads"]
    assert matcher.match(fold("学校\n食堂"), source="news") == ["z-first", "not-ads"]
    assert matcher.match(fold("食堂广告")) == ["groups"]
    assert matcher.match(fold("广告")) == []
    assert len(matcher) == 4


def test_matcher_with_no_watches_or_no_terms() -> None:
    assert WatchMatcher([]).match("学校") == []
    only_not = WatchMatcher([Watch("all", compile_rule("-广告"))])
    assert only_not.match("") == ["all"]
    assert WatchMatcher([Watch("every", group_rule())]).match("x") == ["every"]


# A reference evaluator written independently of the library (regular expressions over
# the folded text), to check both Rule.matches and WatchMatcher on random inputs.

_WORD = r"[0-9a-z\u00c0-\u024f\u1e00-\u1eff]"


def _pattern(term: str) -> re.Pattern[str]:
    left = rf"(?<!{_WORD})" if re.match(_WORD, term[0]) else ""
    right = rf"(?!{_WORD})" if re.match(_WORD, term[-1]) else ""
    return re.compile(rf"(?=({left}{re.escape(term)}{right}))")


def _starts(term: str, text: str) -> list[int]:
    return [m.start() for m in _pattern(term).finditer(text)]


def reference(node: Node, text: str) -> bool:
    if isinstance(node, Term):
        return bool(_starts(node.text, text))
    if isinstance(node, Near):
        la, lb = len(node.a.text), len(node.b.text)
        return any(
            max(sb - (sa + la), sa - (sb + lb)) <= node.distance
            for sa in _starts(node.a.text, text)
            for sb in _starts(node.b.text, text)
            if node.a != node.b or sa != sb
        )
    if isinstance(node, Not):
        return not reference(node.item, text)
    if isinstance(node, And):
        return all(reference(item, text) for item in node.items)
    assert isinstance(node, Or)
    return any(reference(item, text) for item in node.items)


VOCAB = [
    "学校",
    "食堂",
    "校长",
    "学",
    "医院",
    "art",
    "party",
    "5g",
    "12345",
    "co",
    "covid-19",
    "a b",
]
FILLER = ["", " ", "的", "x", "1", "-", "，", "\n"]


def random_rule(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 2 or roll < 0.3:
        word = rng.choice(VOCAB)
        return f'"{word}"' if " " in word or rng.random() < 0.1 else word
    if roll < 0.4:
        a, b = rng.sample(VOCAB, 2) if rng.random() < 0.8 else [rng.choice(VOCAB)] * 2
        return f'NEAR/{rng.randint(0, 4)}("{a}", "{b}")'
    if roll < 0.5:
        return "-" + random_rule(rng, depth + 1)
    op = rng.choice([" ", " & ", " | ", " OR ", " AND "])
    parts = [random_rule(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    return "(" + op.join(parts) + ")"


def random_post(rng: random.Random) -> str:
    pieces = [rng.choice(VOCAB + FILLER) for _ in range(rng.randint(0, 12))]
    return fold("".join(pieces))


def test_rules_and_matcher_agree_with_the_reference_on_random_inputs() -> None:
    rng = random.Random(20240601)
    rules = [compile_rule(random_rule(rng)) for _ in range(300)]
    watches = [
        Watch(f"w{i}", rule, frozenset({"s1"}) if i % 7 == 0 else None)
        for i, rule in enumerate(rules)
    ]
    matcher = WatchMatcher(watches)
    checked = 0
    for _ in range(400):
        text = random_post(rng)
        source = rng.choice(["s1", "s2"])
        expected = [rule for rule in rules if reference(rule.node, text)]
        assert [rule for rule in rules if rule.matches(text)] == expected, text
        allowed = [
            w.name
            for w in watches
            if reference(w.rule.node, text) and w.sources in (None, {source})
        ]
        assert matcher.match(text, source=source) == allowed, text
        checked += len(expected)
    assert checked > 1000  # the random rules do match, so the comparison means something


# Terms that overlap (学 / 学校 / 大学校园), Latin terms that need a word boundary and occur
# inside longer words (art / party), repeats across rules: what the trigger automaton and the
# tests on the text must get right together.
MIXED = ["学", "学校", "大学校园", "校园", "食堂", "art", "party", "5g", "5g网络", "co", "ab ab"]


def random_rule_over(rng: random.Random, vocab: list[str], depth: int = 0) -> str:
    roll = rng.random()
    if depth > 2 or roll < 0.35:
        return '"' + rng.choice(vocab) + '"'
    if roll < 0.45:
        a, b = rng.choice(vocab), rng.choice(vocab)
        return f'NEAR/{rng.randint(0, 6)}("{a}", "{b}")'
    if roll < 0.55:
        return "-" + random_rule_over(rng, vocab, depth + 1)
    op = rng.choice([" ", " | "])
    parts = [random_rule_over(rng, vocab, depth + 1) for _ in range(rng.randint(2, 4))]
    return "(" + op.join(parts) + ")"


def test_matcher_equals_per_rule_evaluation_on_random_watches() -> None:
    rng = random.Random(7)
    watches: list[Watch] = []
    for i in range(400):
        if rng.random() < 0.3:
            groups = [rng.sample(MIXED, rng.randint(0, 3)) for _ in range(4)]
            groups[0] = groups[0] or [rng.choice(MIXED)]
            rule = group_rule(**dict(zip(GROUPS, groups, strict=True)))
        else:
            rule = compile_rule(random_rule_over(rng, MIXED))
        sources = frozenset(rng.sample(["a", "b", "c"], 2)) if rng.random() < 0.2 else None
        watches.append(Watch(f"w{i}", rule, sources))
    matcher = WatchMatcher(watches)
    matched = 0
    for _ in range(600):
        words = [rng.choice(MIXED + FILLER) for _ in range(rng.randint(0, 15))]
        text = fold("".join(words))
        source = rng.choice(["a", "b", "c", ""])
        expected = [
            w.name
            for w in watches
            if (w.sources is None or source in w.sources) and w.rule.matches(text)
        ]
        assert matcher.match(text, source=source) == expected, text
        assert matcher.candidates(text) >= len(expected)
        matched += len(expected)
    assert matched > 2000  # both outcomes are common, so the comparison means something
