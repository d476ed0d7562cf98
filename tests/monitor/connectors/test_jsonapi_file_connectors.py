"""The jsonapi connector (mapped fields, pages) and the file connector (resumable)."""

from __future__ import annotations

import json

import pytest

from yuqing.core.errors import SourceParseError, SourceUnavailable
from yuqing.monitor.connectors import SourceSpec, get_connector

WEIBO_FIELDS = {
    "id": "mid",
    "text": "content.body",
    "author": "user.screen_name",
    "published_at": "created_at",
    "url": "share_url",
    "engagement.reposts": "stats.reposts",
    "engagement.comments": "stats.comments",
    "engagement.likes": "stats.likes",
}


def poll(kind, spec, http, clock, cursor=None):
    return get_connector(kind).fetch(spec, cursor=cursor, http=http, now=clock.now())


def test_jsonapi_mapping(server, http, clock, spec_for):
    server.serve("/api/posts", "pages/api_posts.json", "application/json")
    spec = spec_for("jsonapi", "/api/posts", items_path="data.list", fields=WEIBO_FIELDS)
    fetched = poll("jsonapi", spec, http, clock)
    assert [i["id"] for i in fetched.items] == ["4987001", "4987002", "4987004"]
    first, second, third = fetched.items
    assert first == {
        "id": "4987001",
        "url": "https://weibo.example/u/1001/4987001",
        "text": "江城地铁3号线今天又晚点了，早高峰挤成沙丁鱼 #江城地铁#",
        "author": "通勤打工人",
        "published_at": "2025-03-01T01:30:00+00:00",
        "engagement": {"reposts": 12, "comments": 30, "likes": 88},
    }
    assert second["url"] == server.url("/u/1002/4987002")  # relative, resolved
    assert second["published_at"] == "2025-03-01T00:52:00+00:00"  # naive: Beijing time
    assert "published_at" not in third  # "not a time": left to the arrival time
    assert fetched.warnings == [
        f"{spec.url}: 第 3 项既无标题也无正文，已跳过",
        f"{spec.url}: 第 4 项不是对象，已跳过",
    ]


def test_jsonapi_bad_json(server, http, clock, spec_for):
    server.route("/api", "<html>502 Bad Gateway</html>", content_type="application/json")
    with pytest.raises(SourceParseError, match="不是有效的 JSON"):
        poll("jsonapi", spec_for("jsonapi", "/api"), http, clock)


def test_jsonapi_items_path_not_a_list(server, http, clock, spec_for):
    server.route("/api", json.dumps({"data": {"list": "nope"}}), content_type="application/json")
    with pytest.raises(SourceParseError, match=r"'data\.list' 处没有条目列表"):
        poll("jsonapi", spec_for("jsonapi", "/api", items_path="data.list"), http, clock)


def test_jsonapi_pages(server, http, clock, spec_for):
    def page(*ids):
        return json.dumps({"items": [{"id": i, "text": f"post {i}"} for i in ids]})

    server.route("/api?page=1", page(5, 4), content_type="application/json")
    server.route("/api?page=2", page(3, 2), content_type="application/json")
    server.route("/api?page=3", page(), content_type="application/json")
    spec = spec_for("jsonapi", "/api", items_path="items", page_param="page", max_pages=5)
    first = poll("jsonapi", spec, http, clock)
    assert [i["id"] for i in first.items] == ["5", "4", "3", "2"]
    server.route("/api?page=1", page(6, 5), content_type="application/json")
    second = poll("jsonapi", spec, http, clock, first.cursor)
    assert [i["id"] for i in second.items] == ["6"]
    assert server.hits("/api?page=2") == 1  # page 1 held known posts: no need to go on


def file_spec(path, **options):
    return SourceSpec(name="drop", kind="file", url=str(path), options=options)


def test_file_jsonl_resumes_from_offset(tmp_path, http, clock):
    path = tmp_path / "drop.jsonl"
    path.write_text(
        '{"id": "a", "text": "第一条"}\nnot json\n{"id": "b"}\n{"id": "c", "text": "第三',
        encoding="utf-8",
    )
    first = poll("file", file_spec(path), http, clock)
    assert [i["id"] for i in first.items] == ["a"]
    assert first.warnings[0].startswith(f"{path}:2: 不是有效的 JSON：")
    assert first.warnings[1] == f"{path}:3: 既无正文也无标题，已跳过"
    # The last line was still being written: it comes next time, whole.
    with path.open("a", encoding="utf-8") as handle:
        handle.write('条"}\n{"id": "d", "title": "第四条"}\n')
    second = poll("file", file_spec(path), http, clock, first.cursor)
    assert [(i["id"], i.get("text")) for i in second.items] == [("c", "第三条"), ("d", None)]
    assert poll("file", file_spec(path), http, clock, second.cursor).items == []


def test_file_csv_with_header_and_max_items(tmp_path, http, clock):
    path = tmp_path / "tips.csv"
    path.write_text(
        "title,text,engagement.likes\n"
        '"食堂, 一号窗口","饭菜里有异物\n已拍照",5\n'
        "二号,第二条,\n"
        "三号,第三条,1\n",
        encoding="utf-8",
    )
    first = poll("file", file_spec(path, max_items=2), http, clock)
    assert first.items == [
        {"title": "食堂, 一号窗口", "text": "饭菜里有异物\n已拍照", "engagement": {"likes": 5}},
        {"title": "二号", "text": "第二条"},
    ]
    second = poll("file", file_spec(path, max_items=2), http, clock, first.cursor)
    assert second.items == [{"title": "三号", "text": "第三条", "engagement": {"likes": 1}}]


def test_file_csv_in_gbk_with_chinese_columns_reads_as_ingest_does(tmp_path, http, clock):
    """A GBK export with `标题,正文,点赞数` dropped into a folder was stored as mojibake,
    its counts as text."""
    path = tmp_path / "export.csv"
    path.write_bytes(
        '标题,正文,平台,转发数,点赞数\n食堂,饭菜变质,微博,"1,234",1.2万\n'.encode("gbk")
    )
    first = poll("file", file_spec(path), http, clock)
    assert first.items == [
        {"title": "食堂", "text": "饭菜变质", "platform": "微博",
         "engagement": {"reposts": 1234, "likes": 12000}},
    ]  # fmt: skip
    with path.open("ab") as handle:  # the encoding and the header are kept between polls
        handle.write("二号,第二条,论坛,,很多\n三号,第三条,贴吧,,\n".encode("gbk"))
    second = poll("file", file_spec(path), http, clock, first.cursor)
    assert second.items == [{"title": "三号", "text": "第三条", "platform": "贴吧"}]
    assert second.warnings == [f"{path}:3: 列 '点赞数' 必须是数字，不能是 '很多'"]


def test_file_csv_with_excels_separator_line_reads_its_header_and_rows(tmp_path, http, clock):
    """`yuqing ingest` took a `sep=;` first line; the file source took it as the header and
    failed the source ("no text or title column")."""
    path = tmp_path / "export.csv"
    path.write_text("sep=;\r\ntitle;text;likes\r\n标题;分号分隔的正文;12\r\n", encoding="utf-8")
    first = poll("file", file_spec(path), http, clock)
    assert first.items == [{"title": "标题", "text": "分号分隔的正文", "engagement": {"likes": 12}}]
    with path.open("a", encoding="utf-8") as handle:  # the separator is kept between polls
        handle.write("二号;第二条;oops\r\n三号;第三条;3\r\n")
    second = poll("file", file_spec(path), http, clock, first.cursor)
    assert second.items == [{"title": "三号", "text": "第三条", "engagement": {"likes": 3}}]
    assert second.warnings == [f"{path}:4: 列 'likes' 必须是数字，不能是 'oops'"]


def test_file_csv_without_a_text_column_fails_the_source_in_one_line(tmp_path, http, clock):
    path = tmp_path / "export.csv"
    path.write_text("编号,地址\n1,x\n", encoding="utf-8")
    with pytest.raises(SourceUnavailable, match=r"export\.csv: 表头中没有 'text' 或 'title' 列"):
        poll("file", file_spec(path), http, clock)


def test_file_replaced_is_read_again(tmp_path, http, clock):
    path = tmp_path / "drop.jsonl"
    path.write_text('{"text": "old one"}\n{"text": "old two"}\n', encoding="utf-8")
    first = poll("file", file_spec(path), http, clock)
    path.write_text('{"text": "new"}\n', encoding="utf-8")
    second = poll("file", file_spec(path), http, clock, first.cursor)
    assert [i["text"] for i in second.items] == ["new"]
    assert second.warnings[0] == f"{path}: 文件已被替换；从头读取"


def test_file_missing(tmp_path, http, clock):
    with pytest.raises(SourceUnavailable, match=r"nope\.jsonl: 无法读取："):
        poll("file", file_spec(tmp_path / "nope.jsonl"), http, clock)


def test_file_csv_in_utf16_is_refused_in_one_line(tmp_path, http, clock):
    path = tmp_path / "unicode.csv"
    path.write_bytes("title\ttext\n食堂\t饭菜\n".encode("utf-16"))
    with pytest.raises(SourceUnavailable, match=r"unicode\.csv: .*UTF-16.*UTF-8"):
        poll("file", file_spec(path), http, clock)


def test_file_holding_one_json_array_is_followed_by_its_items(tmp_path, http, clock):
    # A tool that saves `.json` writes one pretty-printed array and rewrites it as it grows.
    path = tmp_path / "export.json"

    def save(records: list[object]) -> None:
        path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")

    save([{"id": "a", "text": "第一条"}, {"id": "b"}, {"id": "c", "text": "第三条"}])
    first = poll("file", file_spec(path, max_items=1), http, clock)
    assert [i["id"] for i in first.items] == ["a"]
    assert first.warnings == []  # not one warning per line of the pretty-printed array
    second = poll("file", file_spec(path), http, clock, first.cursor)
    assert [i["id"] for i in second.items] == ["c"]
    assert second.warnings == [f"{path}: [2]: 既无正文也无标题，已跳过"]
    assert poll("file", file_spec(path), http, clock, second.cursor).items == []
    save([{"id": "a", "text": "第一条"}, {"id": "b"}, {"id": "c", "text": "第三条"},
          {"id": "d", "title": "第四条"}])  # fmt: skip
    third = poll("file", file_spec(path), http, clock, second.cursor)
    assert [i["id"] for i in third.items] == ["d"]
    # Cut off while being written: nothing taken, said once, read whole next time.
    path.write_text(path.read_text(encoding="utf-8")[:-3], encoding="utf-8")
    cut = poll("file", file_spec(path), http, clock, third.cursor)
    assert cut.items == []
    assert cut.warnings and "JSON" in cut.warnings[-1]


def test_json_lines_whose_first_line_is_an_array_stay_json_lines(tmp_path, http, clock):
    path = tmp_path / "drop.jsonl"
    path.write_text('[1, 2]\n{"id": "a", "text": "第一条"}\n', encoding="utf-8")
    fetched = poll("file", file_spec(path), http, clock)
    assert [i["id"] for i in fetched.items] == ["a"]
    assert fetched.warnings == [f"{path}:1: 不是 JSON 对象，已跳过"]


def test_file_csv_that_gets_gbk_rows_appended_stores_no_replaced_characters(tmp_path, http, clock):
    """inputs16: a drop file written by Excel's "CSV UTF-8" and then appended to by its
    plain "CSV" (GBK) was stored with U+FFFD in place of every Chinese character."""
    path = tmp_path / "tips.csv"
    path.write_bytes("\ufeffid,标题,正文\nu1,医院,县医院排队三小时\n".encode())
    first = poll("file", file_spec(path), http, clock)
    assert [i["text"] for i in first.items] == ["县医院排队三小时"]
    with path.open("ab") as handle:
        handle.write("g1,食堂,明德一中食堂饭菜变质，家长很气愤\n".encode("gbk"))
        handle.write("\ufeffid,标题,正文\n".encode())  # another export joined on
        handle.write("u2,坏行,坏".encode() + b"\xe5\xad" + "的一行\n".encode())
        handle.write("u3,道路,县城东路施工\n".encode())
    second = poll("file", file_spec(path), http, clock, first.cursor)
    assert [(i["id"], i["text"]) for i in second.items] == [
        ("g1", "明德一中食堂饭菜变质，家长很气愤"), ("u3", "县城东路施工")
    ]  # fmt: skip
    assert second.warnings == [f"{path}:5: 无法将此行按 UTF-8 解码（第 14 字节）"]


def test_file_jsonl_with_trailing_commas_and_a_gbk_line(tmp_path, http, clock):
    path = tmp_path / "drop.jsonl"
    path.write_bytes(
        '{"id": "a", "text": "尾逗号",}\n{"id": "b", "text": "数组里剪下的"},\n'.encode()
        + '{"id": "c", "text": "这一行是 GBK"}\n'.encode("gbk")
    )
    fetched = poll("file", file_spec(path), http, clock)
    assert [(i["id"], i["text"]) for i in fetched.items] == [
        ("a", "尾逗号"), ("b", "数组里剪下的"), ("c", "这一行是 GBK")
    ]  # fmt: skip
    assert fetched.warnings == []
