"""Feeds that are ill-formed XML in the common ways, served over HTTP: every item they
hold comes out, its text intact, with one warning saying what was repaired."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from yuqing.core.errors import SourceParseError
from yuqing.monitor.connectors import get_connector
from yuqing.monitor.connectors.feedrepair import repair_xml
from yuqing.monitor.normalize import parse_post


def poll(spec: Any, http: Any, clock: Any) -> Any:
    return get_connector("rss").fetch(spec, cursor=None, http=http, now=clock.now())


def feed(*items: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>县政府</title>'
            + "".join(items) + "</channel></rss>")  # fmt: skip


def item(n: int, title: str, text: str = "正文") -> str:
    return (f"<item><title>{title}</title><link>http://gov.example/{n}.html</link>"
            f"<guid>g{n}</guid><description>{text}</description></item>")  # fmt: skip


def test_a_county_feed_with_every_common_fault_yields_every_item(
    server: Any, http: Any, clock: Any, spec_for: Any
) -> None:
    # GB2312 prolog; bare '&' in text and links, &nbsp; &ldquo; &mdash;, AT&T;, a bare
    # '<', a misspelt </descripton>, a CDATA section never closed.
    server.serve("/tzgg/rss.xml", "feeds/malformed_county.xml", "text/xml")
    fetched = poll(spec_for("rss", "/tzgg/rss.xml"), http, clock)
    items = {i["id"]: i for i in fetched.items}
    first_url = "http://www.mingde.gov.example/tzgg/show.jsp?id=901&cat=3"
    assert list(items) == [first_url, "mingde-902", "mingde-903", "mingde-904", "mingde-905"]
    first = items[first_url]
    assert first["title"] == "关于县城区R&D产业园供水管网改造停水的通知"
    assert first["url"] == first_url
    assert first["text"] == "受管网改造影响，12月8日\xa08:00至18:00停水。请居民“提前储水”——县水务局"
    assert first["published_at"] == "2026-12-07T01:30:00+00:00"
    assert items["mingde-902"]["title"] == "县医院与AT&T;合作远程会诊系统上线"
    assert items["mingde-902"]["text"] == "远程会诊覆盖全县12个乡镇卫生院，费用<1元/次。"
    assert items["mingde-903"]["title"] == "2026年冬季供暖问答（Q&A）"
    assert items["mingde-903"]["text"] == "供暖时间为11月15日至次年3月15日。"
    assert items["mingde-904"]["text"] == "<p>全县中小学1月20日开始放寒假。</p>"
    assert items["mingde-905"]["text"] == "<p>本次抽检食品&amp;饮料共200批次。</p>"
    assert fetched.warnings == [
        f"{server.url('/tzgg/rss.xml')}: 已修复不规范的 XML 后读取："
        "6 处裸 '&'，6 个 HTML 实体（如 &nbsp;），1 处裸 '<'，1 处拼错或缺失的结束标签",
        f"{server.url('/tzgg/rss.xml')}: 5 个条目中的 5 个逐条读取（一个损坏的条目使其后的条目无法读出）",
    ]


@pytest.mark.parametrize(
    ("fault", "title", "expected"),
    [
        ("bare ampersand", "Q&A 专栏", "Q&A 专栏"),
        ("undefined entity", "县城&nbsp;停水&hellip;", "县城\xa0停水…"),
        ("ampersand word with semicolon", "AT&T;合作", "AT&T;合作"),
        ("bare less-than", "气温<0度", "气温<0度"),
        ("control characters", "通知\x08公告\x0b", "通知公告"),
    ],
)
def test_each_fault_in_the_first_item_costs_no_item(
    server: Any, http: Any, clock: Any, spec_for: Any, fault: str, title: str, expected: str
) -> None:
    server.route("/f.xml", feed(item(1, title), item(2, "第二条"), item(3, "第三条")),
                 content_type="application/rss+xml")  # fmt: skip
    fetched = poll(spec_for("rss", "/f.xml"), http, clock)
    assert [i["title"] for i in fetched.items] == [expected, "第二条", "第三条"], fault
    assert [i["id"] for i in fetched.items] == ["g1", "g2", "g3"]
    assert len(fetched.warnings) == 1 and "已修复不规范的 XML 后读取" in fetched.warnings[0]


def test_a_cdata_section_left_open_costs_neither_its_item_nor_the_next(
    server: Any, http: Any, clock: Any, spec_for: Any
) -> None:
    unclosed = (
        "<item><title>停水</title><guid>g1</guid><description><![CDATA[<p>明日停水</description>"
    )
    server.route("/f.xml", feed(unclosed, item(2, "第二条"), item(3, "第三条")),
                 content_type="text/xml")  # fmt: skip
    fetched = poll(spec_for("rss", "/f.xml"), http, clock)
    assert [(i["id"], i["text"]) for i in fetched.items] == [
        ("g1", "<p>明日停水"),
        ("g2", "正文"),
        ("g3", "正文"),
    ]
    assert "3 个条目中的 3 个逐条读取" in fetched.warnings[-1]


def test_an_item_too_damaged_to_read_is_counted_never_silent(
    server: Any, http: Any, clock: Any, spec_for: Any
) -> None:
    # The first item's title is opened and never closed, nor is its item: nothing says
    # where the title ends; the lenient parser keeps what it can, the rest is warned of.
    broken = "<item><title>残缺<guid>g1</guid>"
    server.route("/f.xml", feed(broken, item(2, "第二条"), item(3, "第三条")),
                 content_type="text/xml")  # fmt: skip
    fetched = poll(spec_for("rss", "/f.xml"), http, clock)
    assert [i["title"] for i in fetched.items] == ["第二条", "第三条"]
    assert fetched.warnings[-1].endswith("第 1 个条目既无标题也无正文，已跳过")


def test_a_well_formed_feed_is_not_touched() -> None:
    text = feed(item(1, "A &amp; B &#8220;引&#x201D; &lt;p&gt;"), "<![CDATA[ & < ]]><!-- & -->")
    assert repair_xml(text) == (text, repair_xml(text)[1])
    assert not repair_xml(text)[1]
    declared = '<!DOCTYPE rss [<!ENTITY county "明德县">]>' + feed(item(1, "&county;"))
    assert not repair_xml(declared)[1]  # its own DTD declares the entity


def test_a_document_that_is_no_feed_is_still_refused(
    server: Any, http: Any, clock: Any, spec_for: Any
) -> None:
    server.route("/f.xml", "<html><body>R&D &nbsp;</body></html>", content_type="text/xml")
    with pytest.raises(SourceParseError):
        poll(spec_for("rss", "/f.xml"), http, clock)


def test_times_relative_to_the_poll_are_read_against_its_fetch(
    server: Any, http: Any, clock: Any, spec_for: Any
) -> None:
    dated = [
        item(1, "第一条").replace("</guid>", "</guid><pubDate>3分钟前</pubDate>"),
        item(2, "第二条").replace("</guid>", "</guid><pubDate>昨天 14:20</pubDate>"),
        item(3, "第三条").replace("</guid>", "</guid><pubDate>某天</pubDate>"),
    ]
    server.route("/f.xml", feed(*dated), content_type="text/xml")
    fetched_at = clock.now()  # 2025-03-01 17:00 in Beijing
    items = poll(spec_for("rss", "/f.xml"), http, clock).items
    assert [i.get("published_at") for i in items] == [
        (fetched_at - timedelta(minutes=3)).isoformat(),
        "2025-02-28T06:20:00+00:00",  # 14:20 the day before, Beijing time
        None,  # no time: the pipeline uses the arrival time
    ]
    assert [i.get("published_at_text") for i in items] == ["3分钟前", "昨天 14:20", None]
    # The pipeline keeps the time as read and the text as written, however late it runs.
    post = parse_post(items[0], received_at=fetched_at + timedelta(hours=1), max_post_bytes=1 << 20)
    assert post.published_at == fetched_at - timedelta(minutes=3)
    assert post.extra["published_at_text"] == "3分钟前"


def test_an_unclosed_comment_costs_only_its_own_item(
    server: Any, http: Any, clock: Any, spec_for: Any
) -> None:
    broken = item(1, "第一条", "正文<!-- 编辑备注")
    many = "<!-- " * 5000  # and thousands more: each scan stops at the next one
    server.route("/f.xml", feed(broken, item(2, "第二条"), item(3, "第三条", many)),
                 content_type="text/xml")  # fmt: skip
    fetched = poll(spec_for("rss", "/f.xml"), http, clock)
    assert [i["title"] for i in fetched.items][-2:] == ["第二条", "第三条"]
    assert any("逐条读取" in warning for warning in fetched.warnings)
