"""The rss connector on real feed fixtures served over HTTP."""

from __future__ import annotations

import pytest

from yuqing.core.errors import SourceParseError
from yuqing.monitor.connectors import Cursor, detect_and_fetch, get_connector
from yuqing.monitor.connectors.rss import looks_like_feed


def poll(spec, http, clock, cursor=None):
    return get_connector("rss").fetch(spec, cursor=cursor, http=http, now=clock.now())


def test_rss2_news_feed(server, http, clock, spec_for):
    server.serve("/society/rss.xml", "feeds/rss2_news.xml", "application/rss+xml")
    fetched = poll(spec_for("rss", "/society/rss.xml"), http, clock)
    assert [item["id"] for item in fetched.items] == ["jcrb-10234", "jcrb-10233", "jcrb-10198"]
    first = fetched.items[0]
    assert first["title"] == "市一中食堂出现学生集体腹泻 校方回应正在调查"
    # content:encoded wins over the teaser, tracking parameters leave the URL.
    assert "封存留样" in first["text"]
    assert first["text"].startswith("<p>")
    assert first["url"] == "https://news.jiangcheng.example/society/2025/0301/10234.html"
    assert first["published_at"] == "2025-03-01T01:15:00+00:00"
    assert first["author"] == "记者 李明"
    assert first["engagement"] == {"comments": 42}
    assert fetched.warnings == []
    assert fetched.cursor.seen == ["id:jcrb-10234", "id:jcrb-10233", "id:jcrb-10198"]


def test_atom_feed(server, http, clock, spec_for):
    server.serve("/forum.atom", "feeds/atom_forum.xml", "application/atom+xml")
    items = poll(spec_for("rss", "/forum.atom"), http, clock).items
    assert [i["author"] for i in items] == ["江城老街坊", "踏青小分队"]
    assert items[0]["id"] == "tag:bbs.jiangcheng.example,2025:thread-88231"
    assert items[0]["published_at"] == "2025-03-01T02:20:00+00:00"
    # Only <updated>: that is the time we have.
    assert items[1]["published_at"] == "2025-03-01T01:02:00+00:00"
    assert "<p>幸福里小区东门" in items[0]["text"]


@pytest.mark.parametrize("content_type", ["text/xml; charset=utf-8", "text/xml", None])
def test_gbk_declared_only_in_prolog(server, http, clock, spec_for, content_type):
    # The HTTP label is wrong (utf-8) or missing; the prolog says gb2312 and the text
    # uses 镕, which only GBK/GB18030 have.
    server.serve("/gbk.xml", "feeds/gbk_prolog.xml", content_type)
    items = poll(spec_for("rss", "/gbk.xml"), http, clock).items
    assert [i["title"] for i in items] == [
        "朱镕基题词的老校门修缮完工",
        "菜价回落 市民菜篮子更轻松",
    ]
    assert items[0]["id"] == "nlwb-3321"  # a guid is an id, not a link to resolve


def test_big5_feed(server, http, clock, spec_for):
    server.serve("/big5.xml", "feeds/big5_feed.xml", "application/rss+xml")
    (item,) = poll(spec_for("rss", "/big5.xml"), http, clock).items
    assert item["title"] == "颱風逼近 學校明日停課"
    assert item["text"] == "氣象局發布颱風警報，教育局宣布全市學校明日停課。"


def test_bozo_feed_read_with_warning(server, http, clock, spec_for):
    server.serve("/bozo.xml", "feeds/bozo_feed.xml", "text/xml")
    fetched = poll(spec_for("rss", "/bozo.xml"), http, clock)
    assert [i["id"] for i in fetched.items] == ["county-501", "county-502"]
    assert fetched.items[0]["title"] == "县城自来水今日恢复供应 & 水质检测合格"
    assert fetched.items[1]["text"].strip() == "各乡镇抢抓农时开展春耕生产。"
    # The bare '&' and the unclosed description are repaired; the HTML <br> is read leniently.
    assert len(fetched.warnings) == 2
    assert "2 处裸 '&'" in fetched.warnings[0] and "1 处" in fetched.warnings[0]
    assert "订阅源格式不规范，已尽量读取" in fetched.warnings[1]


def test_relative_links_and_missing_dates(server, http, clock, spec_for):
    server.serve("/jyj/tzgg/rss.xml", "feeds/relative_links.xml", "text/xml")
    items = poll(spec_for("rss", "/jyj/tzgg/rss.xml"), http, clock).items
    assert [i["url"] for i in items] == [
        server.url("/jyj/tzgg/202502/t20250215_1001.html"),
        server.url("/jyj/tzgg/t20250301_1002.html"),
    ]
    assert all("published_at" not in i for i in items)  # the pipeline uses arrival time
    assert all("id" not in i for i in items)


def test_not_a_feed(server, http, clock, spec_for):
    server.serve("/index.html", "pages/not_a_feed.html", "text/html")
    with pytest.raises(SourceParseError, match="不是 RSS、Atom 或 RDF 订阅源"):
        poll(spec_for("rss", "/index.html"), http, clock)


def test_conditional_get_not_modified(server, http, clock, spec_for):
    server.serve("/rss.xml", "feeds/rss2_news.xml", "application/rss+xml", etag='"abc"')
    spec = spec_for("rss", "/rss.xml")
    first = poll(spec, http, clock)
    assert first.cursor.etag == '"abc"'
    second = poll(spec, http, clock, cursor=first.cursor)
    assert second.not_modified
    assert second.items == []
    assert second.cursor == first.cursor


def test_max_items_forgets_validators_so_the_rest_comes_next(server, http, clock, spec_for):
    server.serve("/rss.xml", "feeds/rss2_news.xml", "application/rss+xml", etag='"abc"')
    spec = spec_for("rss", "/rss.xml", max_items=2)
    first = poll(spec, http, clock)
    assert len(first.items) == 2
    assert first.cursor.etag is None
    second = poll(spec, http, clock, cursor=first.cursor)
    assert [i["id"] for i in second.items] == ["jcrb-10198"]
    assert second.cursor.etag == '"abc"'


def test_seen_items_skipped_and_cursor_round_trips(server, http, clock, spec_for):
    server.serve("/rss.xml", "feeds/rss2_news.xml", "application/rss+xml")
    spec = spec_for("rss", "/rss.xml")
    first = poll(spec, http, clock)
    stored = Cursor.from_json(first.cursor.to_json())
    assert stored == first.cursor
    assert poll(spec, http, clock, cursor=stored).items == []


def test_detect_feed_or_page(server, http, clock, spec_for):
    server.serve("/rss.xml", "feeds/rss2_news.xml", "text/html")  # mislabeled on purpose
    kind, fetched = detect_and_fetch(
        spec_for("web", "/rss.xml"), cursor=None, http=http, now=clock.now()
    )
    assert kind == "rss"
    assert len(fetched.items) == 3
    server.serve("/index.html", "pages/not_a_feed.html", "text/html")
    kind, _ = detect_and_fetch(
        spec_for("web", "/index.html"), cursor=None, http=http, now=clock.now()
    )
    assert kind == "web"


@pytest.mark.parametrize(
    ("text", "feed"),
    [
        ('<?xml version="1.0"?>\n<!-- hi -->\n<rss version="2.0"><channel/></rss>', True),
        ('\ufeff<feed xmlns="http://www.w3.org/2005/Atom">', True),
        ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="x">', True),
        ("<!DOCTYPE html><html><body>rss feed</body></html>", False),
        ('{"items": []}', False),
    ],
)
def test_looks_like_feed(text, feed):
    assert looks_like_feed(text) is feed


COUNTY_FEED = "feeds/county_45_items.xml"  # 45 items: more than the old silent cap of 20


def test_every_item_of_a_long_feed(server, http, clock, spec_for):
    server.serve("/county.xml", COUNTY_FEED, "application/rss+xml", etag='"v45"')
    fetched = poll(spec_for("rss", "/county.xml"), http, clock)
    assert [i["id"] for i in fetched.items] == [f"county-{n:03d}" for n in range(45, 0, -1)]
    assert fetched.left_out == 0
    assert fetched.items[-1]["title"] == "东湖乡自来水停水通知（第1期）"
    assert fetched.cursor.etag == '"v45"'


def test_max_items_counts_what_it_holds_back(server, http, clock, spec_for):
    server.serve("/county.xml", COUNTY_FEED, "application/rss+xml", etag='"v45"')
    spec = spec_for("rss", "/county.xml", max_items=20)
    first = poll(spec, http, clock)
    assert (len(first.items), first.left_out) == (20, 25)
    assert first.cursor.etag is None  # the next poll must not get a 304
    second = poll(spec, http, clock, cursor=first.cursor)
    assert (len(second.items), second.left_out) == (20, 5)
    third = poll(spec, http, clock, cursor=second.cursor)
    assert (len(third.items), third.left_out) == (5, 0)
    ids = [i["id"] for i in first.items + second.items + third.items]
    assert sorted(ids) == sorted(f"county-{n:03d}" for n in range(1, 46))


def test_a_feed_longer_than_the_seen_window_is_not_fetched_again(server, http, clock, spec_for):
    # 600 items: the cursor keeps every key the feed still shows, not just the last 500.
    entries = "".join(
        f"<item><guid>big-{n}</guid><title>第{n}条</title></item>" for n in range(600)
    )
    server.route(
        "/big.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>',
        content_type="application/rss+xml",
    )
    spec = spec_for("rss", "/big.xml")
    first = poll(spec, http, clock)
    assert len(first.items) == 600
    stored = Cursor.from_json(first.cursor.to_json())
    assert poll(spec, http, clock, cursor=stored).items == []


def test_a_malformed_link_costs_only_that_link(server, http, clock, spec_for):
    """`http://[::1` or a port past 65535 in one item never fails the poll of the feed."""
    server.serve("/bad_link.xml", "feeds/bad_link.xml", "application/rss+xml")
    fetched = poll(spec_for("rss", "/bad_link.xml"), http, clock)
    assert [item["id"] for item in fetched.items] == ["md-1", "md-2", "md-3"]
    assert fetched.items[0]["url"] == "http://[::1"  # normalization keeps it aside
    assert fetched.items[1]["url"] == "https://news.mingde.example/2026/0302/2.html"


def test_chinese_feed_dates_are_read_as_posts_times_are(server, http, clock, spec_for):
    """feedparser read `2026年03月02日 11:30` and `2026/03/04 16:30` as 1 December, and a time
    without an offset as UTC; a Chinese government feed means Beijing time."""
    server.serve("/tzgg/rss.xml", "feeds/chinese_dates.xml", "application/rss+xml")
    items = poll(spec_for("rss", "/tzgg/rss.xml"), http, clock).items
    assert [i.get("published_at") for i in items] == [
        "2026-03-02T03:30:00+00:00",
        "2026-03-04T08:30:00+00:00",
        "2026-03-05T01:00:00+00:00",
        "2026-03-06T00:00:00+00:00",
        None,  # 31 February: no date rather than an invented one
    ]
