"""What a rule matches (CONTRACTS "Watch rule language"), on folded title + text."""

from __future__ import annotations

import pytest

from yuqing.core.textfold import fold
from yuqing.monitor.rules import compile_rule, group_rule


def post(title: str, text: str = "") -> str:
    """The folded text a rule sees, as `Post.folded` holds it."""
    return fold(title + "\n" + text)


def matches(rule: str, title: str, text: str = "") -> bool:
    return compile_rule(rule).matches(post(title, text))


@pytest.mark.parametrize(
    ("rule", "title", "expected"),
    [
        ("学校 食堂", "学校食堂卫生", True),
        ("学校 食堂", "学校宿舍", False),
        ("学校 | 医院", "市医院", True),
        ("学校 | 医院", "市政府", False),
        ("学校 -广告", "学校食堂", True),
        ("学校 -广告", "学校食堂广告", False),
        ("学校 NOT 广告", "学校广告", False),
        ("a b | c", "c", True),
        ("a b | c", "a", False),
        ("a (b | c)", "a c", True),
        ("a (b | c)", "b c", False),
        ("-(a | b) c", "c b", False),
        ("-(a | b) c", "c d", True),
        ("a and b", "a b", False),  # lower-case `and` is a term that must occur
        ("a and b", "a and b", True),
    ],
)
def test_boolean_operators(rule: str, title: str, expected: bool) -> None:
    assert matches(rule, title) is expected


def test_title_and_text_are_matched_together() -> None:
    assert matches("学校 食堂", "某学校通报", "食堂饭菜变质")
    assert not matches('"学校食堂"', "某学校", "食堂")  # a phrase does not span the two


def test_pure_not_matches_everything_without_the_term() -> None:
    rule = compile_rule("-广告 -招聘")
    assert rule.matches(post("学校食堂"))
    assert rule.matches(post(""))
    assert not rule.matches(post("招聘老师"))
    assert rule.required_terms() == frozenset()


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("art", "party time", False),
        ("art", "modern art.", True),
        ("art", "Art", True),
        ("ART", "state-of-the-art", True),
        ("COVID", "COVID19", False),
        ("COVID", "covid-19疫情", True),
        ("COVID-19", "新冠COVID-19疫情", True),
        ("COVID-19", "COVID-191", False),
        ("12345", "拨打12345热线", True),
        ("12345", "拨打123456热线", False),
        ("5G网络", "５Ｇ网络覆盖", True),  # full width folds to half width
        ("5G网络", "15G网络", False),  # boundary at the Latin end only
        ("网络5G", "网络5G好", True),
        ("网络5G", "网络5GB", False),
        ("学校", "大学校园", True),  # CJK: plain substring
        ("café", "le cafés", False),  # Latin beyond ASCII keeps the boundary
        ("café", "un CAFÉ noir", True),
        ("new york", "renew yorkshire", False),
        ("art", "party art", True),  # a later occurrence that stands alone counts
    ],
)
def test_latin_word_boundaries(rule: str, text: str, expected: bool) -> None:
    quoted = f'"{rule}"' if " " in rule else rule
    assert matches(quoted, text) is expected


def test_traditional_and_simplified_are_one() -> None:
    assert matches("学校 食堂", "學校食堂")
    assert matches("學校", "学校")
    assert matches('"醫院 門診"', "医院 门诊")


def test_full_width_and_case_are_folded() -> None:
    assert matches("Beijing", "ＢＥＩＪＩＮＧ")
    assert matches("ＡＢＣ", "abc")


def test_phrases_match_as_written_in_order() -> None:
    assert matches('"食品 安全"', "关注食品 安全问题")
    assert not matches('"食品 安全"', "食品安全")
    assert not matches('"安全 食品"', "食品 安全")
    assert matches('"a OR b"', "x a or b y")
    assert not matches('"a OR b"', "a")
    assert matches("“明德一中” 食堂", "明德一中食堂饭菜变质")  # matched nothing, silently


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("NEAR/3(学校, 食堂)", "学校的食堂", True),
        ("NEAR/3(学校, 食堂)", "学校一二三食堂", True),  # exactly 3 between
        ("NEAR/3(学校, 食堂)", "学校一二三四食堂", False),  # 4 between
        ("NEAR/3(学校, 食堂)", "食堂一二三学校", True),  # either order
        ("NEAR/0(学校, 食堂)", "学校食堂", True),
        ("NEAR/0(学校, 食堂)", "学校 食堂", False),
        ("NEAR/2(学校, 食堂)", "学校一二三四五食堂，食堂", False),
        ("NEAR/2(学校, 食堂)", "食堂，学校一二三四五食堂", True),  # some pair is near
        ("NEAR/0(学校, 校长)", "学校长", True),  # overlapping occurrences are near
        ("NEAR/2(学校, 学校)", "学校", False),  # the same term needs two occurrences
        ("NEAR/2(学校, 学校)", "学校和学校", True),
        ("NEAR/5(art, 展览)", "party展览", False),  # boundaries apply inside NEAR
        ("NEAR/5(art, 展览)", "party art展览", True),
        ('NEAR/2("new york", 时报)', "new york 的时报", True),
        ("NEAR/5(学校, 食堂) -广告", "学校食堂广告", False),
    ],
)
def test_near(rule: str, text: str, expected: bool) -> None:
    assert matches(rule, text) is expected


def test_near_across_title_and_text_counts_the_line_break() -> None:
    assert matches("NEAR/1(学校, 食堂)", "某学校", "食堂")  # "\n" is the one character between
    assert not matches("NEAR/0(学校, 食堂)", "某学校", "食堂")


def test_group_form_means_and_of_ors_without_excludes() -> None:
    rule = group_rule(
        subject=["市一院", "第一人民医院"], region=["北京"], event=["纠纷"], exclude=["招聘"]
    )
    assert rule.matches(post("北京市一院发生纠纷"))
    assert rule.matches(post("北京", "第一人民醫院 纠纷"))
    assert not rule.matches(post("市一院发生纠纷"))  # no region
    assert not rule.matches(post("北京市一院纠纷招聘"))


def test_group_form_empty_groups_impose_nothing() -> None:
    assert group_rule(subject=["学校"]).matches(post("学校"))
    assert group_rule(subject=[], event=["事故"], region=[]).matches(post("事故"))
    assert group_rule(exclude=["广告"]).matches(post("学校"))
    assert not group_rule(exclude=["广告"]).matches(post("广告"))
    assert group_rule().matches(post("anything"))


def test_required_terms_is_enough_to_prefilter() -> None:
    assert compile_rule("学校 食堂").required_terms() in ({"学校"}, {"食堂"})
    assert compile_rule("学校 | 医院").required_terms() == {"学校", "医院"}
    assert compile_rule("(a | b) -c").required_terms() == {"a", "b"}
    assert compile_rule("a | -b").required_terms() == frozenset()
    assert compile_rule("NEAR/3(学校, 学生食堂)").required_terms() == {"学生食堂"}
    assert compile_rule("學校").required_terms() == {"学校"}


def test_rule_without_terms_found_in_empty_text() -> None:
    assert not compile_rule("学校").matches("")
    assert compile_rule("-学校").matches("")
