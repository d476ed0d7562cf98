"""Headline and publication time rules, each on the smallest page that shows it."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from yuqing.monitor.connectors.headline import clean_headline
from yuqing.monitor.connectors.pagedate import byline_time, published_time, time_of, visible_text


def headline(html: str) -> str | None:
    return clean_headline(LexborHTMLParser(html))


def test_headline_keeps_its_own_colon_and_ignores_a_menu_entry():
    html = """<title>Ukraine: talks resume in Geneva - World News</title>
    <nav><a href="/ukraine">Ukraine</a></nav><h1>Ukraine: talks resume in Geneva</h1>"""
    assert headline(html) == "Ukraine: talks resume in Geneva"


def test_title_that_is_only_the_site_name_gives_way_to_the_heading():
    html = """<title>青岚网</title><div class="logo"><img alt="青岚网"></div>
    <h1>青岚一中食堂改由学校自营</h1>"""
    assert headline(html) == "青岚一中食堂改由学校自营"


def test_site_suffix_cut_when_the_page_names_itself_so():
    html = """<title>市区公交线路调整-海川财经</title><meta property="og:site_name" content="海川财经">
    <div class="nav"><a href="/">首页</a></div><p>正文</p>"""
    assert headline(html) == "市区公交线路调整"


def test_hyphen_inside_latin_words_is_not_a_separator():
    html = "<title>COVID-19 cases fall for a third week</title><p>Text.</p>"
    assert headline(html) == "COVID-19 cases fall for a third week"


def test_unconfirmed_tail_is_kept():
    # Nothing on the page calls itself "live": it may be part of the headline.
    html = "<title>Storm hits the coast - live</title><p>Text.</p>"
    assert headline(html) == "Storm hits the coast - live"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01 09:30", "2026-03-01T01:30:00+00:00"),
        ("2026年3月1日 09:30", "2026-03-01T01:30:00+00:00"),
        ("发布时间：2026-03-01 09:30 来源：市教育局", "2026-03-01T01:30:00+00:00"),
        ("Mar. 3, 2026 at 4:12 PM", "2026-03-03T08:12:00+00:00"),
        ("1 March 2026 09:30 GMT", "2026-03-01T09:30:00+00:00"),
        ("2025年", None),
        ("© 2026", None),
    ],
)
def test_time_of(value, expected):
    assert time_of(value, "Asia/Shanghai") == expected


def test_publish_label_beats_written_date():
    text = "成文日期：2026-02-10\n发布日期：2026-02-12\n通知正文"
    assert byline_time(text, None, "Asia/Shanghai") == "2026-02-11T16:00:00+00:00"


def test_no_date_from_links_related_items_or_bare_years():
    html = """<body><h1>老字号糕点铺的第四代传人</h1><p>2019年，他回到江城。</p>
    <ul><li><a href="/people/2026/0301/10240.html">修钟表四十年的老师傅</a> 2026-03-01</li></ul>
    <div>© 2026 江城日报社</div></body>"""
    tree = LexborHTMLParser(html)
    found = published_time(
        tree,
        text=visible_text(tree),
        headline="老字号糕点铺的第四代传人",
        timezone="Asia/Shanghai",
        guess="2026-01-01",
    )
    assert found is None


def test_day_only_metadata_takes_the_byline_time():
    html = """<meta name="publishdate" content="2026-03-03"><body><h1>社区食堂的民生账</h1>
    <div>2026年03月03日07:50 | 来源：东湖网</div><p>正文。</p></body>"""
    tree = LexborHTMLParser(html)
    found = published_time(
        tree, text=visible_text(tree), headline="社区食堂的民生账", timezone="Asia/Shanghai"
    )
    assert found == "2026-03-02T23:50:00+00:00"


def test_a_malformed_link_in_a_page_is_skipped():
    from yuqing.monitor.connectors.listpage import page_layout
    from yuqing.monitor.connectors.web import article_links

    html = (
        "<html><body><ul>"
        '<li><a href="http://[::1">县医院门诊楼改造完工，新门诊楼今日正式启用</a></li>'
        '<li><a href="/2026/0302/2.html">明德一中第二十届运动会今日开幕</a></li>'
        '<li><a href="https://x.example:99999/3.html">县城新增停车位三百个</a></li>'
        "</ul></body></html>"
    )
    base = "https://news.mingde.example/list.html"
    assert article_links(html, base=base, options={"link_selector": "li a"}) == [
        "https://news.mingde.example/2026/0302/2.html"
    ]
    assert "http://[::1" not in page_layout(html, base=base).links


def test_a_script_time_counts_only_as_wechat_writes_it_and_in_range():
    page = '<script>var ct = "{}";</script><h1>标题</h1><p>正文</p>'
    for value, expected in (
        ("1772440200", "2026-03-02T08:30:00+00:00"),
        ("9999999999", None),  # past 2100: not a publication time
    ):
        tree = LexborHTMLParser(page.format(value))
        assert published_time(tree, text="正文", headline="标题", timezone="Asia/Shanghai") == (
            expected
        )
    other = LexborHTMLParser('<script>var start = "1772440200";</script><p>正文</p>')
    assert published_time(other, text="正文", headline=None, timezone="Asia/Shanghai") is None
