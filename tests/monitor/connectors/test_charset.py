"""Decoding bodies as Chinese sites label (and mislabel) them."""

from __future__ import annotations

import codecs

import pytest

from yuqing.monitor.connectors.charset import canonical_charset, decode_body

TEXT = "朱镕基题词的老校门修缮完工，校友纷纷回校参观。"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("Big5", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("nope", None),
    ],
)
def test_canonical_charset(label, codec):
    assert canonical_charset(label) == codec


def test_http_charset_wins_when_it_fits():
    assert decode_body(TEXT.encode("gb18030"), "text/html; charset=GBK") == (TEXT, "gb18030")


def test_wrong_http_charset_falls_to_meta():
    html = f'<html><head><meta charset="gb2312"></head><body>{TEXT}</body></html>'
    text, codec = decode_body(html.encode("gbk"), "text/html; charset=utf-8")
    assert TEXT in text
    assert codec == "gb18030"


def test_latin1_default_does_not_beat_the_document():
    html = f'<meta http-equiv="Content-Type" content="text/html; charset=gbk"><p>{TEXT}</p>'
    text, _ = decode_body(html.encode("gbk"), "text/html; charset=ISO-8859-1")
    assert TEXT in text


def test_bom_wins():
    assert decode_body(codecs.BOM_UTF8 + TEXT.encode(), "text/html; charset=gbk") == (TEXT, "utf-8")


def test_unlabelled_gbk_is_guessed():
    body = ("<p>" + TEXT * 5 + "</p>").encode("gbk")
    text, _ = decode_body(body, None)
    assert TEXT in text
