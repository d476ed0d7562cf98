"""The web connector: list pages, article pages, GBK sites, selector overrides."""

from __future__ import annotations

from datetime import timedelta

import pytest

from yuqing.core.errors import SourceParseError
from yuqing.monitor.connectors import get_connector
from yuqing.monitor.connectors.web import article_links


def poll(spec, http, clock, cursor=None):
    return get_connector("web").fetch(spec, cursor=cursor, http=http, now=clock.now())


def serve_jiangcheng(server):
    server.serve("/society/", "pages/list_utf8.html", "text/html; charset=utf-8")
    for path, name in [
        ("/society/2025/0301/10234.html", "article_10234"),
        ("/society/2025/0301/10233.html", "article_10233"),
        ("/society/2025/0228/10198.html", "article_10198"),
    ]:
        server.serve(path, f"pages/{name}.html", "text/html; charset=utf-8")


def test_list_page_links_are_articles_only(fixture_file):
    html = fixture_file("pages/list_utf8.html").decode()
    links = article_links(html, base="https://news.jiangcheng.example/society/", options={})
    assert links == [
        "https://news.jiangcheng.example/society/2025/0301/10234.html",
        "https://news.jiangcheng.example/society/2025/0301/10233.html",
        "https://news.jiangcheng.example/society/2025/0228/10198.html",
    ]


def test_list_page_to_articles(server, http, clock, spec_for):
    serve_jiangcheng(server)
    start = clock.now()
    fetched = poll(spec_for("web", "/society/"), http, clock)
    assert [i["title"] for i in fetched.items] == [
        "市一中食堂出现学生集体腹泻 校方回应正在调查",
        "城区部分路段今晚施工 公交线路临时调整",
        "市人民医院开通夜间门诊",
    ]
    first, second, _ = fetched.items
    assert first["url"] == server.url("/society/2025/0301/10234.html")
    assert first["published_at"] == "2025-03-01T01:15:00+00:00"
    assert first["author"] == "记者 李明"
    assert first["text"].startswith("3月1日上午")
    # Navigation, related links and footer are not the post's words.
    assert "首页" not in first["text"]
    assert "版权所有" not in first["text"]
    assert "相关阅读" not in second["text"]
    # No time in the page's metadata: the visible date, read as Asia/Shanghai.
    assert second["published_at"] == "2025-03-01T00:40:00+00:00"
    assert fetched.warnings == []
    # Each request after the first to the same host waited a second on the clock.
    assert clock.now() - start == timedelta(seconds=3)


def test_article_page_itself(server, http, clock, spec_for):
    serve_jiangcheng(server)
    fetched = poll(spec_for("web", "/society/2025/0228/10198.html"), http, clock)
    (item,) = fetched.items
    assert item["title"] == "市人民医院开通夜间门诊"
    assert "夜间门诊" in item["text"]
    assert server.hits("/society/2025/0227/10150.html") == 0  # the related link not followed
    assert (
        poll(spec_for("web", "/society/2025/0228/10198.html"), http, clock, fetched.cursor).items
        == []
    )


def test_gbk_site_with_selectors(server, http, clock, spec_for):
    server.serve("/bd/", "pages/list_gbk.html", "text/html")  # no charset in HTTP
    server.serve("/bd/2025/0301/3321.shtml", "pages/article_3321.html", "text/html")
    server.serve("/bd/2025/0301/3320.shtml", "pages/article_3320.html", "text/html")
    spec = spec_for(
        "web",
        "/bd/",
        title_selector="#artititle",
        text_selector="#artibody p",
        time_selector=".pubtime",
        author_selector=".editor",
    )
    items = poll(spec, http, clock).items
    assert [i["title"] for i in items] == [
        "朱镕基题词的老校门修缮完工",
        "菜价回落 市民菜篮子更轻松",
    ]
    assert items[0]["published_at"] == "2025-02-28T22:00:00+00:00"  # 06:00 Beijing time
    assert items[0]["author"] == "编辑：陈静"
    assert items[0]["text"].count("<p>") == 3
    assert "首页" not in items[0]["text"]


def test_link_selector_override_and_max_items(server, http, clock, spec_for):
    serve_jiangcheng(server)
    spec = spec_for("web", "/society/", link_selector="ul.news-list li a", max_items=2)
    first = poll(spec, http, clock)
    assert len(first.items) == 2
    second = poll(spec, http, clock, first.cursor)
    assert [i["title"] for i in second.items] == ["市人民医院开通夜间门诊"]
    # The selector also matched the off-site ad link: not followed (same_site defaults on).
    assert second.warnings == []


def test_broken_article_warns_and_is_retried(server, http, clock, spec_for):
    serve_jiangcheng(server)
    server.route("/society/2025/0301/10233.html", "oops", status=500)
    first = poll(spec_for("web", "/society/"), http, clock)
    assert len(first.items) == 2
    assert len(first.warnings) == 1
    assert "HTTP 500" in first.warnings[0]
    server.serve("/society/2025/0301/10233.html", "pages/article_10233.html", "text/html")
    second = poll(spec_for("web", "/society/"), http, clock, first.cursor)
    assert [i["title"] for i in second.items] == ["城区部分路段今晚施工 公交线路临时调整"]


def test_a_page_moved_by_meta_refresh_is_followed(server, http, clock, spec_for):
    """qa11: a page that moves visitors on with `<meta http-equiv="refresh">` (as sites
    do for moved articles) gave "no title or text found"."""
    serve_jiangcheng(server)
    moved = '<html><head><meta http-equiv="Refresh" content="0; URL=\'{to}\'"></head></html>'
    server.route("/old/10198.html", moved.format(to="/society/2025/0228/10198.html"))
    (item,) = poll(spec_for("web", "/old/10198.html"), http, clock).items
    assert item["title"] == "市人民医院开通夜间门诊"
    assert item["url"] == server.url("/society/2025/0228/10198.html")
    # A loop of refreshes ends after a few hops with the usual one-line failure.
    server.route("/a.html", moved.format(to="b.html"))
    server.route("/b.html", moved.format(to="a.html"))
    with pytest.raises(SourceParseError):
        poll(spec_for("web", "/a.html"), http, clock)
    assert server.hits("/a.html") + server.hits("/b.html") == 4
    # A page that only reloads itself every few minutes is read as it is.
    page = "<html><head><meta http-equiv='refresh' content='300; url=/elsewhere.html'>"
    server.route(
        "/live.html", page + "<title>滚动新闻</title></head><body><p>今日要闻正文</p></body></html>"
    )
    (live,) = poll(spec_for("web", "/live.html"), http, clock).items
    assert live["text"] == "今日要闻正文" and server.hits("/elsewhere.html") == 0


def test_a_pdf_or_image_says_what_it_is(server, http, clock, spec_for):
    """qa11: a PDF given as a page answered "no title or text found", which reads as if
    the page were broken."""
    server.route("/report.pdf", b"%PDF-1.4\n\x00\x01binary", content_type="application/pdf")
    with pytest.raises(SourceParseError) as caught:
        poll(spec_for("web", "/report.pdf"), http, clock)
    assert caught.value.reason == "不是网页，而是 application/pdf：没有可读取的标题或正文"
