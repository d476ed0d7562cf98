"""Issue 11: one bad value never stops a run or costs the good posts around it.

`bad_values.jsonl` holds the records that stopped `yuqing ingest` (OverflowError on
`1e400`, ValueError on `http://[::1`, PostgreSQL refusing NUL, NaN and lone surrogates in
JSON) beside the other edges: each is repaired where its meaning is certain, or its line
is refused with a reason, and every other line is stored, on both stores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import FIXTURES, Cli, Store
from yuqing.monitor.models import StoredPost

BAD_VALUES = FIXTURES / "posts" / "bad_values.jsonl"
REFUSED = {
    8: "字段 'engagement.likes' 必须是非负数",
    9: "字段 'engagement.likes' 必须是非负数",
    11: "字段 'published_at' 不是时间：'0000-01-01T00:00:00'",
    12: "字段 'published_at' 不是时间：'99999-01-01'",
    13: "字段 'published_at' 不是合理的时间（年份 1）：'0001-01-01T00:00:00+08:00'",
    16: "附加字段嵌套超过 32 层",
    19: "字段 'title' 超过 4096 个字符",
}


def stored(store: Store) -> dict[str, StoredPost]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(StoredPost)).all()
    return {row.post_id: row for row in rows}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_every_good_line_is_stored_and_each_bad_one_named(
    cli: Cli, store: Store, workers: str
) -> None:
    run = Cli({**cli.env, "YUQING_WORKERS": workers})
    result = run("ingest", str(BAD_VALUES))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "read": 21,
        "accepted": 14,
        "duplicates": 0,
        "copies": 0,
        "rejected": 7,
        "matched": 0,
        "stored": 14,
        "updated": 0,
    }
    assert result.stderr.splitlines() == [f"LINE {n}: {why}" for n, why in REFUSED.items()]
    posts = stored(store)
    assert sorted(posts) == [f"v{n:02}" for n in range(1, 22) if n not in REFUSED]
    assert posts["v02"].engagement == {"likes": 2**62}
    assert (posts["v03"].url, posts["v03"].extra) == (None, {"url_invalid": "http://[::1"})
    assert posts["v04"].extra == {"foo": "ab"}
    v05 = posts["v05"]
    assert (v05.text, v05.title, v05.author) == ("正文有孤立代理\ufffd", "标题\ufffd", "作者")
    assert posts["v06"].extra == {"meta": {"k": ["\ufffd", {"z": ""}], "n": None}}
    assert posts["v07"].engagement == {"views": 2**62}
    assert posts["v07"].extra == {"big": "99999999999999999999999999"}
    assert (posts["v10"].engagement, posts["v10"].extra) == ({"reposts": 2**62}, {"score": None})
    v14, v15 = posts["v14"], posts["v15"]
    assert (v14.platform, v14.media_tier) == ("microblog", "central")
    assert v14.extra == {"platform_name": "微博", "media_tier_name": "央媒"}
    assert (v15.platform, v15.media_tier) == ("other", None)
    assert v15.extra == {"platform_name": "某某圈", "media_tier_name": "不知道"}
    assert posts["v17"].extra == {"url_invalid": "http://example.com:99999/x"}
    assert posts["v18"].extra == {"\ufffd": "v"}
    assert posts["v20"].engagement == {"likes": 1234, "views": 100_000}


@pytest.mark.parametrize(
    "command", [["match", "--rule", "食堂"], ["classify"], ["dedup"], ["cluster"]]
)
def test_stream_commands_take_every_line_and_write_valid_utf8_json(
    cli: Cli, command: list[str]
) -> None:
    data = BAD_VALUES.read_bytes()
    result = cli(*command, input=data)
    assert result.code == 0, result.stderr
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == [
        f"LINE {n}" for n in REFUSED
    ]
    out: list[dict[str, Any]] = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["id"] for p in out] == [f"v{n:02}" for n in range(1, 22) if n not in REFUSED]
    by_id = {p["id"]: p for p in out}
    assert by_id["v05"]["title"] == "标题\ufffd"
    assert by_id["v06"]["meta"] == {"k": ["\ufffd", {"z": ""}], "n": None}
    assert by_id["v03"]["url"] == "http://[::1"  # the input as it came, repaired only


def test_a_csv_row_with_an_unclosed_quote_is_named_and_the_rows_after_it_stored(
    cli: Cli, store: Store
) -> None:
    result = cli("ingest", str(FIXTURES / "posts" / "unclosed_quote.csv"))
    assert result.code == 0, result.stderr
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["LINE 2", "LINE 7"]
    posts = stored(store)
    assert sorted(posts) == ["2", "3", "4"]
    assert (posts["2"].title, posts["2"].text) == ("标题二", "正文二")  # not fused into row 1
    assert (posts["4"].platform, posts["4"].extra) == ("qa", {"platform_name": "知乎"})


def test_a_monitoring_systems_gbk_export_with_chinese_columns_is_stored(
    cli: Cli, store: Store
) -> None:
    """Columns `标题,正文,发布时间,原文链接,点赞数 …` in GBK: every row was refused."""
    result = cli("ingest", str(FIXTURES / "posts" / "monitoring_export_gbk.csv"))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["stored"] == 4
    assert result.stderr.splitlines() == ["LINE 7: 列 '点赞数' 必须是数字，不能是 '很多'"]
    posts = {p.url: p for p in stored(store).values()}
    weibo = posts["https://weibo.example/7712004531/5011930012"]
    assert (weibo.title, weibo.source, weibo.platform, weibo.author) == (
        "明德一中食堂饭菜变质？", "新浪微博", "microblog", "明德生活圈",
    )  # fmt: skip
    assert weibo.engagement == {"reposts": 1342, "comments": 517, "likes": 2890, "views": 412000}
    assert weibo.extra == {"序号": "1", "情感倾向": "负面", "platform_name": "微博"}
    news = posts["https://www.mdxw.example/news/2026-03/02/content_0131.html"]
    assert news.platform == "news"  # 网站, as such exports name news sites
    assert news.published_at.replace(tzinfo=None).isoformat() == "2026-03-02T03:20:00"


def test_a_csv_with_no_text_column_is_one_line_naming_the_file(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("编号,地址\n1,x\n", encoding="utf-8")
    result = cli("ingest", str(path))
    assert result.code == 2
    assert result.stderr == (
        f"yuqing: {path}: 表头中没有 'text' 或 'title' 列（也没有 正文、内容、标题 等）；"
        "表头各列：编号, 地址\n"
    )


def test_a_json_array_file_is_taken_as_the_api_takes_it(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    """A `.json` file as tools save it (one pretty-printed array): every line was refused."""
    posts = [{"id": "j1", "text": "明德一中食堂饭菜"}, {"id": "j2", "text": "二"}, [3]]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(posts, ensure_ascii=False, indent=2), encoding="utf-8")
    result = cli("ingest", str(path))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["stored"] == 2
    assert result.stderr == "LINE 3: 帖文必须是 JSON 对象，不能是 list\n"  # its place in the array
    piped = cli("ingest", input=json.dumps([{"id": "j3", "text": "三"}]))
    assert json.loads(piped.stdout.splitlines()[-1])["stored"] == 1, piped.stderr
    assert sorted(stored(store)) == ["j1", "j2", "j3"]


def test_a_workbook_is_one_line_asking_for_csv(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "posts.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    result = cli("ingest", str(path))
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"yuqing: {path}: 这是电子表格工作簿或其他二进制文件，不是帖文：请另存为 CSV（UTF-8）或 JSON Lines\n"
    )
