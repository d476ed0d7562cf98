"""Feeds as servers label (and mislabel) them: titles come out as written, in any script."""

from __future__ import annotations

import pytest

from yuqing.monitor.connectors import get_connector


def titles(server, http, clock, spec_for, path, fixture, content_type):
    server.serve(path, fixture, content_type)
    spec = spec_for("rss", path)
    return [
        i["title"]
        for i in get_connector("rss").fetch(spec, cursor=None, http=http, now=clock.now()).items
    ]


@pytest.mark.parametrize(
    "content_type",
    ["application/rss+xml", "application/rss+xml; charset=UTF-16", "text/xml; charset=utf-32"],
)
def test_utf8_feed_declaring_utf16(server, http, clock, spec_for, content_type):
    # UTF-8 bytes, no BOM, a prolog (and maybe a header) saying UTF-16: read as UTF-8.
    got = titles(
        server,
        http,
        clock,
        spec_for,
        "/bilingual.xml",
        "feeds/utf8_declared_utf16.xml",
        content_type,
    )
    assert got == ["Café et 食堂 : la cantine rouvre", "市民热线 12345 本周答复率 98%"]


@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml; charset=ISO-8859-1"])
def test_undeclared_windows_1252_feed(server, http, clock, spec_for, content_type):
    got = titles(
        server, http, clock, spec_for, "/europe.xml", "feeds/cp1252_undeclared.xml", content_type
    )
    assert got == [
        "Café de Flore: l’été sera chaud",
        "Müller übernimmt den Vorsitz in Köln",
        "El señor Núñez dijo “sí” al año nuevo",
        "Prix du ticket: 2 € – « trop cher »",
    ]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("feeds/gb2312_undeclared.xml", ["菜价回落 市民菜篮子更轻松"]),
        ("feeds/big5_undeclared.xml", ["颱風逼近 學校明日停課", "香港立法會通過新法案"]),
        ("feeds/gbk_prolog.xml", ["朱镕基题词的老校门修缮完工", "菜价回落 市民菜篮子更轻松"]),
        ("feeds/big5_feed.xml", ["颱風逼近 學校明日停課"]),
        ("feeds/rss2_news.xml", ["市一中食堂出现学生集体腹泻 校方回应正在调查"]),
    ],
)
def test_chinese_feeds_with_and_without_a_label(server, http, clock, spec_for, fixture, expected):
    got = titles(server, http, clock, spec_for, "/cjk.xml", fixture, "application/rss+xml")
    assert got[: len(expected)] == expected
