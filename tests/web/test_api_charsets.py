"""JSON bodies declared in GBK, GB18030, Big5 or UTF-16 (docs/api.md "Charsets"), under
a real server on 127.0.0.1, both stores: the push API and a route with a JSON body."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.test_api_posts import AUTH, serving
from tests.web.test_app import alert  # noqa: F401 - fixture
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor.models import StoredPost
from yuqing.web.app import create_app
from yuqing.web.charsets import BodyRefused, declared_charset, to_utf8

TOKEN = "push-token-0123456789"
# Characters of GBK, of Big5 (traditional) and of both, and the ones JSON escapes.
SIMPLIFIED = "明德县第一中学食堂饭菜变质，家长“很气愤”！\\ 路径 C:\\temp"
TRADITIONAL = "請問縣醫院門診排隊為何要三個小時？"


@pytest.fixture
def api(store: Store, clock: FrozenClock, settings: Settings) -> Iterator[httpx.Client]:
    web = create_app(engine=store.engine, clock=clock, settings=settings, api_tokens=[TOKEN])
    with serving(web) as client:
        yield client


def texts(store: Store) -> dict[str, str]:
    with Session(store.engine) as session:
        rows = session.execute(select(StoredPost.post_id, StoredPost.text))
        return {row.post_id: row.text for row in rows}


def push(api: httpx.Client, body: bytes, content_type: str) -> httpx.Response:
    return api.post("/api/v1/posts", content=body, headers={**AUTH, "Content-Type": content_type})


def array(*posts: tuple[str, str]) -> str:
    return json.dumps([{"id": i, "source": "bbs", "text": t} for i, t in posts], ensure_ascii=False)


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("gbk", SIMPLIFIED),
        ("GB2312", "县医院排队太久"),
        ("gb18030", SIMPLIFIED + "𠮷"),  # beyond the BMP: four bytes in GB18030
        ("big5", TRADITIONAL),
        ("Big5-HKSCS", TRADITIONAL),
        ("utf-16", SIMPLIFIED),  # with its BOM
        ("utf-16le", SIMPLIFIED),
        ("utf-32", SIMPLIFIED),
        ("hz-gb-2312", "县医院排队太久"),  # seven bits: valid UTF-8, yet not UTF-8
        ("iso-2022-jp", "病院の待ち時間が長い"),
    ],
    ids=lambda value: value if value.isascii() else "",
)
def test_an_array_in_its_declared_charset_is_stored_intact(
    api: httpx.Client, store: Store, charset: str, text: str
) -> None:
    body = array(("p1", text), ("p2", "又一：" + text)).encode(charset)
    answer = push(api, body, f"application/json; charset={charset}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 2
    assert texts(store) == {"p1": text, "p2": "又一：" + text}


def test_utf16_without_bom_is_read_in_the_order_its_zero_bytes_show(
    api: httpx.Client, store: Store
) -> None:
    body = array(("p1", SIMPLIFIED)).encode("utf-16-be")  # no BOM: RFC 2781 says big-endian
    assert push(api, body, 'application/json; charset="UTF-16"').status_code == 200
    lines = f'{{"id": "p2", "text": "{TRADITIONAL}"}}\r\n'.encode("utf-16-le")
    assert push(api, lines, "application/x-ndjson; charset=utf-16").json()["stored"] == 1
    assert texts(store) == {"p1": SIMPLIFIED, "p2": TRADITIONAL}


def test_json_lines_in_gbk_lose_only_the_line_that_is_not_gbk(
    api: httpx.Client, store: Store
) -> None:
    good = [json.dumps({"id": f"L{n}", "text": f"第{n}行：{SIMPLIFIED}"}, ensure_ascii=False)
            for n in (1, 2, 4)]  # fmt: skip
    body = b"\r\n".join(
        [good[0].encode("gbk"), good[1].encode("gbk"), b'{"id": "L3", "text": "\x81\x20"}',
         good[2].encode("utf-8")]  # a line already in UTF-8 (files joined) is kept as it is
    )  # fmt: skip
    answer = push(api, body, "application/x-ndjson; charset=GBK").json()
    assert answer["stored"] == 3 and answer["rejected"] == 1
    assert answer["rejections"] == [{"line": 3, "reason": "第 23 字节处不是有效的 GBK"}]
    assert texts(store) == {f"L{n}": f"第{n}行：{SIMPLIFIED}" for n in (1, 2, 4)}


def test_utf8_under_another_label_is_read_as_utf8(api: httpx.Client, store: Store) -> None:
    # Clients that stamp a fixed label on UTF-8 bodies worked before and still do.
    body = array(("p1", SIMPLIFIED)).encode("utf-8")
    assert push(api, body, "application/json; charset=iso-8859-1").status_code == 200
    assert push(api, body, "application/json; charset=gbk").json()["duplicates"] == 1
    assert texts(store) == {"p1": SIMPLIFIED}


@pytest.mark.parametrize("charset", ["klingon", "base64", "rot13", "utf-7", "idna"])
def test_an_unknown_charset_is_refused_naming_it(
    api: httpx.Client, store: Store, charset: str
) -> None:
    body = array(("p1", "abc")).encode("ascii")
    for content_type in ("application/json", "application/x-ndjson"):
        answer = push(api, body, f"{content_type}; charset={charset}")
        assert answer.status_code == 415
        assert answer.json()["detail"].startswith(f"不支持 Content-Type 头中的字符集 '{charset}'")
    assert texts(store) == {}


def test_an_array_not_valid_in_its_charset_is_refused_whole(
    api: httpx.Client, store: Store
) -> None:
    body = array(("p1", SIMPLIFIED)).encode("gbk") + b"\x81"
    answer = push(api, body, "application/json; charset=gbk")
    assert answer.status_code == 400
    assert answer.json() == {"detail": f"请求体不是有效的 GBK（第 {len(body)} 字节）"}
    odd = push(api, b"\xff\xfe[\x00\x00\xd8", "application/json; charset=utf-16")
    assert odd.status_code == 400 and "UTF-16" in odd.json()["detail"]
    assert texts(store) == {}


def test_a_json_body_of_another_route_is_decoded_too(
    api: httpx.Client,
    alert: tuple[int, str],  # noqa: F811 - fixture
) -> None:
    alert_id, _ = alert
    url = f"/api/v1/alerts/{alert_id}/ack"
    refused = api.post(url, content=b"{}", headers={**AUTH, "Content-Type": "application/json; charset=x-nope"})  # fmt: skip
    assert refused.status_code == 415 and "'x-nope'" in refused.json()["detail"]
    broken = api.post(url, content=b'{"by": "\x81"}', headers={**AUTH, "Content-Type": "application/json; charset=gbk"})  # fmt: skip
    assert (
        broken.status_code == 400 and broken.json()["detail"] == "请求体不是有效的 GBK（第 9 字节）"
    )
    body = json.dumps({"by": "值班员张三"}, ensure_ascii=False).encode("gb18030")
    acked = api.post(url, content=body, headers={**AUTH, "Content-Type": "application/json;charset=gb18030"})  # fmt: skip
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_by"] == "值班员张三"


def test_the_charset_parameter_is_read_as_http_writes_it() -> None:
    assert declared_charset("application/json") is None
    assert declared_charset("application/json; charset=UTF-8") is None
    assert declared_charset("application/json; Charset = 'cp936' ; q=1") == "gbk"
    assert declared_charset("application/json; charset=x-gbk") == "gbk"  # a browser's label
    # GBK is read as GB18030 reads it: the pairs Python's GBK lacks are kept too.
    assert to_utf8(b"\xfe\x50", "gbk") == "\u2e81".encode()
    with pytest.raises(BodyRefused) as refused:
        declared_charset("application/json; charset=hex")
    assert refused.value.status == 415
    assert to_utf8("县".encode("gbk"), "gbk") == "县".encode()
