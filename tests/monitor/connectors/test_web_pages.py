"""Web pages as sources, from the pages that showed each problem, over a real HTTP server.

An article with navigation, related links and a ranking sidebar; titles with a site
suffix; a script before `<html>`; a list whose links all fail; a page with only a bare
year and dated links; a page whose precision pass keeps only the comments.
"""

from __future__ import annotations

import json

import pytest
from bench.extract import day_of, f1
from typer.testing import CliRunner

from tests.monitor.connectors.conftest import FIXTURES
from tests.monitor.connectors.test_fetch_cli import make_app
from yuqing.core.errors import SourceParseError
from yuqing.monitor.connectors import get_connector
from yuqing.monitor.connectors.article import extract_post
from yuqing.monitor.connectors.charset import decode_body
from yuqing.monitor.connectors.listpage import page_layout

BENCH = json.loads((FIXTURES / "pages" / "bench" / "expected.json").read_text("utf-8"))["pages"]


def poll(spec, http, clock, cursor=None):
    return get_connector("web").fetch(spec, cursor=cursor, http=http, now=clock.now())


def page_requests(server) -> list[str]:
    return [seen.path for seen in server.requests if seen.path != "/robots.txt"]


def test_article_with_navigation_and_related_links_is_one_article(server, http, clock, spec_for):
    path = "/live/2026/0306/10301.html"
    server.serve(path, "pages/article_with_related.html", "text/html; charset=utf-8")
    fetched = poll(spec_for("web", path), http, clock)
    (item,) = fetched.items
    assert item["title"] == "城东菜市场周末起试行夜市"
    assert item["published_at"] == "2026-03-06T00:10:00+00:00"  # the byline, Beijing time
    assert item["text"].startswith("记者从城东区市场监管局获悉")
    assert "热点排行" not in item["text"] and "相关新闻" not in item["text"]
    # Nine same-site headlines in "related" and the ranking: none of them was followed.
    assert page_requests(server) == [path]


@pytest.mark.parametrize(
    "name",
    ["zh_portal_finance.html", "zh_gbk_portal.html", "zh_donghu_news.html", "en_harbor_news.html"],
)
def test_headline_without_site_suffix(server, http, clock, spec_for, name):
    # "…-海川财经" (og:title too), "…_新闻中心_云港网" (GBK), "…｜东湖网", "… - Harbor News".
    server.serve("/a.html", f"pages/bench/{name}", "text/html")
    (item,) = poll(spec_for("web", "/a.html"), http, clock).items
    assert item["title"] == BENCH[name]["title"]


def test_script_before_html_still_yields_the_gbk_article(server, http, clock, spec_for):
    # A 5 KB ad script before <!DOCTYPE> pushes the GB2312 <meta> past the first 4 KiB.
    server.serve("/bd/4521.shtml", "pages/bench/zh_script_before_html.html", "text/html")
    (item,) = poll(spec_for("web", "/bd/4521.shtml"), http, clock).items
    assert item["title"] == "老城区雨污分流改造工程进入收尾阶段"
    assert item["text"].startswith("记者昨日从市城管局获悉")
    assert item["published_at"] == "2026-03-01T23:45:00+00:00"


def test_bare_year_and_dated_links_give_no_date(server, http, clock, spec_for):
    path = "/people/2026/0302/10251.html"
    server.serve(path, "pages/bench/zh_bare_year.html", "text/html; charset=utf-8")
    (item,) = poll(spec_for("web", path), http, clock).items
    assert item["title"] == "老字号糕点铺的第四代传人"
    # "2019年", "2025年", "© 2026" and /2026/0301/ links: none of them is a publication date.
    assert "published_at" not in item
    assert page_requests(server) == [path]


def test_a_wechat_article_is_dated_by_its_script(server, http, clock, spec_for):
    # mp.weixin.qq.com states the time only as `var ct = "<Unix seconds>"`; its visible
    # <em id="publish_time"> is empty until that script runs.
    server.serve("/s/mdyz-0302", "pages/wechat_article.html", "text/html; charset=utf-8")
    (item,) = poll(spec_for("web", "/s/mdyz-0302"), http, clock).items
    assert item["title"] == "关于我校食堂近期饭菜质量问题的情况说明"
    assert item["published_at"] == "2026-03-02T08:30:00+00:00"  # 16:30 in Beijing
    assert item["text"].startswith("3月2日，有家长在网上反映明德一中食堂饭菜质量问题。")


def test_comments_only_precision_falls_back_to_recall(server, http, clock, spec_for):
    server.serve("/t/1.html", "pages/article_comments_only.html", "text/html; charset=utf-8")
    (item,) = poll(spec_for("web", "/t/1.html"), http, clock).items
    assert item["text"] == (
        "有轨电车T1线今天上午开通试运营，全长十二公里，设站十五座，连接滨江新区与高铁站。\n"
        "试运营期间票价两元，可使用公交卡和乘车码，换乘公交享受优惠。"
    )
    assert item["published_at"] == "2026-03-05T02:20:00+00:00"


def test_list_whose_links_all_fail_falls_back_to_the_page(server, http, clock, spec_for):
    server.serve("/society/", "pages/bench/list_zh_channel.html", "text/html; charset=utf-8")
    fetched = poll(spec_for("web", "/society/"), http, clock)
    (item,) = fetched.items
    assert item["url"] == server.url("/society/")
    assert item["title"] == "社会新闻"
    # Each failed link, then the fallback, is said.
    assert sum("HTTP 404" in w for w in fetched.warnings) == 16
    assert "16 个文章链接均无结果，改为读取页面本身" in fetched.warnings[-1]


LIST_OF_TWO = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head>
<body><ul><li><a href="/n/2026/0301/1.html">关于春季学期开学安排的通知</a></li>
<li><a href="/n/2026/0228/2.html">关于调整部分公交线路的公告</a></li></ul></body></html>"""


def test_fetch_list_with_failing_links_says_so_and_prints_the_page(server):
    server.route("/n/", LIST_OF_TWO)
    result = CliRunner().invoke(
        make_app(), ["fetch", server.url("/n/"), "--kind", "web", "--internal"]
    )
    assert result.exit_code == 0, result.output
    (post,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert post["url"] == server.url("/n/")
    assert post["title"] == "通知公告"
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 3
    assert all(line.startswith("警告：") for line in warnings)
    assert "HTTP 404" in warnings[0] and "HTTP 404" in warnings[1]
    assert "2 个文章链接均无结果" in warnings[2]


def test_page_with_nothing_to_read_is_an_error(server, http, clock, spec_for):
    server.route("/empty.html", "<html><body><script>var a = 1;</script></body></html>")
    with pytest.raises(SourceParseError, match="未找到标题或正文"):
        poll(spec_for("web", "/empty.html"), http, clock)


@pytest.mark.parametrize("name", sorted(BENCH))
def test_bench_pages_are_told_apart(name):
    page = BENCH[name]
    html, _codec = decode_body((FIXTURES / "pages" / "bench" / name).read_bytes(), "text/html")
    assert page_layout(html, base=page["url"]).is_list == (page["kind"] == "list")


@pytest.mark.parametrize("name", sorted(n for n, p in BENCH.items() if p["kind"] == "article"))
def test_bench_articles_headline_and_day(name):
    page = BENCH[name]
    html, _codec = decode_body((FIXTURES / "pages" / "bench" / name).read_bytes(), "text/html")
    item = extract_post(html, url=page["url"], options={}, timezone=page["timezone"])
    assert item["title"] == page["title"]
    assert day_of(item.get("published_at"), page["timezone"]) == day_of(
        page["published"], page["timezone"]
    )
    assert f1(item.get("text"), page["text"], page["lang"]) > 0.9
