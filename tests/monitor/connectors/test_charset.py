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


@pytest.mark.parametrize("label", ["utf-16", "UTF-16LE", "utf-32"])
def test_wide_label_on_ascii_compatible_bytes_is_ignored(label):
    body = f'<?xml version="1.0" encoding="{label}"?><p>{TEXT} Café</p>'.encode()
    assert decode_body(body, f"text/xml; charset={label}")[1] == "utf-8"
    assert decode_body(body, None)[0].endswith(f"<p>{TEXT} Café</p>")


def test_wide_label_on_wide_bytes_still_counts():
    body = f"<p>{TEXT}</p>".encode("utf-16-le")  # no BOM: only the label says so
    assert decode_body(body, "text/xml; charset=utf-16le") == (f"<p>{TEXT}</p>", "utf-16-le")


@pytest.mark.parametrize(
    "sentence",
    [
        "Le président a inauguré la nouvelle école à Noël; l’élève a reçu un prix de 50 €.",
        "El señor Núñez dijo “sí” al año nuevo; la niña pidió un café por 5 €.",
        "Müller und Schäfer fahren über die Brücke nach Köln – die Straße ist gesperrt.",
        "A população de São João não está satisfeita com a decisão do governo.",
    ],
)
def test_undeclared_western_text_is_windows_1252(sentence):
    assert decode_body(sentence.encode("cp1252"), None) == (sentence, "cp1252")


@pytest.mark.parametrize(
    "sentence",
    [
        # Polish: ł, ą, ż would be "³", "¹", "¿" inside words in Windows-1252.
        "Zażółć gęślą jaźń. Prezydent Łodzi powiedział, że miasto będzie rozwijać się szybciej.",
        # Czech: ť is 0x9D, which Windows-1252 does not have.
        "Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda schválila nový zákon o účetnictví.",
        "Vláda schválila nový zákon o účetnictví a daních pro příští rok.",
    ],
)
def test_central_european_bytes_keep_their_code_page(sentence):
    assert decode_body(sentence.encode("cp1250"), None) == (sentence, "cp1250")
