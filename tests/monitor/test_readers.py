import io

import pytest

from tests.conftest import FIXTURES
from yuqing.core.errors import InvalidInput
from yuqing.monitor.readers import CSV_CELL_LIMIT, read_csv, read_json_array, read_jsonl


def test_jsonl_reports_bad_lines_by_number_and_goes_on() -> None:
    data = b'{"text": "a"}\n\nnot json\n\xff\xfe\n{"text": "b"}\n'
    records = list(read_jsonl(io.BytesIO(data)))
    assert [(r.line, r.error is None) for r in records] == [
        (1, True),
        (3, False),
        (4, False),
        (5, True),
    ]
    assert records[1].error is not None and records[1].error.startswith("不是有效的 JSON：")
    assert records[2].error == "第 1 字节处不是有效的 UTF-8"


def test_jsonl_skips_a_bom() -> None:
    (record,) = read_jsonl(io.BytesIO('\ufeff{"text": "a"}\n'.encode()))
    assert record.obj == {"text": "a"}


def test_raw_control_characters_inside_strings_are_read_not_refused() -> None:
    """docs18: a raw tab in a string (string-template exports write them) refused its
    line as "Invalid control character"; docs/formats.md keeps tabs and drops the rest."""
    data = b'{"text": "a\tb"}\n{"text": "c\x00d", "x": "e\x01"}\n{"text": "f",\t"g": "\x07",}\n'
    records = list(read_jsonl(io.BytesIO(data)))
    assert [r.obj for r in records] == [
        {"text": "a\tb"},
        {"text": "c\x00d", "x": "e\x01"},  # normalize drops them (test_normalize)
        {"text": "f", "g": "\x07"},
    ]
    (item,) = read_json_array(b'[{"text": "a\tb"}]') or []
    assert item.obj == {"text": "a\tb"}


def test_csv_counts_the_header_as_line_one_and_maps_engagement() -> None:
    data = "title,text,reposts,engagement.likes\nT,某学校,3,4\n,\n坏,x,many,1\n".encode()
    records = list(read_csv(io.BytesIO(data)))
    assert records[0].line == 2
    assert records[0].obj == {
        "title": "T",
        "text": "某学校",
        "engagement": {"reposts": 3, "likes": 4},
    }
    assert records[1].obj == {}
    assert records[2].line == 4
    assert records[2].error == "列 'reposts' 必须是数字，不能是 'many'"


def test_csv_in_gbk_is_read() -> None:
    data = "title,text\n标题,某学校食堂\n".encode("gbk")
    (record,) = read_csv(io.BytesIO(data))
    assert record.obj == {"title": "标题", "text": "某学校食堂"}


def test_csv_multiline_cell_keeps_the_start_line() -> None:
    data = b'text,title\n"line one\nline two",a\nx,b\n'
    records = list(read_csv(io.BytesIO(data)))
    assert [r.line for r in records] == [2, 4]


def test_csv_with_an_unclosed_quote_names_the_row_and_reads_the_rows_it_swallowed() -> None:
    """Issue 11: rows after an unclosed quote were fused silently into one post."""
    data = (FIXTURES / "posts" / "unclosed_quote.csv").read_bytes()
    records = list(read_csv(io.BytesIO(data)))
    assert [(r.line, r.error is None) for r in records] == [
        (2, False),
        (3, True),
        (4, True),
        (5, True),  # a quoted cell over two lines that closes cleanly: text with a break
        (7, False),
    ]
    assert records[0].error == (
        "未闭合的引号：从本行开始的带引号单元格一直延续到第 4 行；本行已跳过，之后的各行按行读取"
    )
    assert [r.obj["id"] for r in records[1:4]] == ["2", "3", "4"]
    assert records[3].obj["text"] == "第一段\n第二段"
    assert records[4].error == "CSV 格式有误：unexpected end of data"


def test_csv_row_over_lines_with_the_wrong_number_of_cells_is_refused() -> None:
    # The quote closes cleanly but a line too late: the row has fewer cells than the header.
    data = b'id,title,text\n1,"a,b\n2,c,d"\n3,e,f\n'
    records = list(read_csv(io.BytesIO(data)))
    assert [(r.line, r.error is None) for r in records] == [(2, False), (3, True), (4, True)]
    assert records[0].error is not None and "第 3 行" in records[0].error
    assert records[2].obj == {"id": "3", "title": "e", "text": "f"}


def test_csv_line_that_does_not_decode_costs_that_row_only() -> None:
    head = f"title,text\n标题,{'长' * 30_000}\n".encode()  # UTF-8, judged by the first 64 KiB
    data = head + b"bad,\xff\xfe\n" + "好,正文二\n".encode()
    records = list(read_csv(io.BytesIO(data)))
    assert [(r.line, r.error) for r in records] == [
        (2, None),
        (3, "无法将此行按 UTF-8 解码（第 5 字节）"),
        (4, None),
    ]


def test_csv_long_cells_are_read() -> None:
    text = "长" * 200_000
    (record,) = read_csv(io.BytesIO(f"text\n{text}\n".encode()))
    assert record.obj == {"text": text}


def test_integers_beyond_64_bits_keep_every_digit() -> None:
    # orjson would read them as inexact floats; ordinary floats stay as they are.
    data = b'{"id": 123456789012345678901234567890, "x": [1.5, {"y": 1e30}]}\n{"n": 2}\n'
    records = list(read_jsonl(io.BytesIO(data)))
    assert records[0].obj == {"id": 123456789012345678901234567890, "x": [1.5, {"y": 1e30}]}
    assert records[1].obj == {"n": 2}


def test_csv_with_the_column_names_of_a_monitoring_systems_export() -> None:
    """A GBK export with Chinese column names (标题, 正文, 发布时间, 点赞数 …): every row was
    refused as having neither text nor title."""
    data = (FIXTURES / "posts" / "monitoring_export_gbk.csv").read_bytes()
    records = list(read_csv(io.BytesIO(data)))
    assert [(r.line, r.error) for r in records] == [
        (2, None),
        (3, None),
        (4, None),
        (6, None),  # the third post's text runs over two lines
        (7, "列 '点赞数' 必须是数字，不能是 '很多'"),
    ]
    first = records[0].obj
    assert {k: first[k] for k in ("title", "source", "platform", "author", "published_at")} == {
        "title": "明德一中食堂饭菜变质？",
        "source": "新浪微博",
        "platform": "微博",
        "author": "明德生活圈",
        "published_at": "2026/3/2 9:05",
    }
    assert first["url"] == "https://weibo.example/7712004531/5011930012"
    assert first["engagement"] == {"reposts": 1342, "comments": 517, "likes": 2890, "views": 412000}
    assert (first["序号"], first["情感倾向"]) == ("1", "负面")  # other columns kept as written


def test_a_better_named_column_wins_and_the_other_is_kept() -> None:
    data = "摘要,Content,Title,Date\n短,长的正文,T,2026-03-02\n".encode()
    (record,) = read_csv(io.BytesIO(data))
    assert record.obj == {
        "摘要": "短",
        "text": "长的正文",
        "title": "T",
        "published_at": "2026-03-02",
    }


def test_csv_without_a_text_or_title_column_is_one_error_naming_its_columns() -> None:
    with pytest.raises(InvalidInput) as caught:
        list(read_csv(io.BytesIO("编号,地址\n1,x\n".encode())))
    assert caught.value.message == (
        "表头中没有 'text' 或 'title' 列（也没有 正文、内容、标题 等）；表头各列：编号, 地址"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Excel's "Unicode text": UTF-16 with a BOM, tab-separated, CRLF
        ("title\ttext\tlikes\r\n食堂\t饭菜变质\t1.2万\r\n".encode("utf-16"), "饭菜变质"),
        ("title\ttext\tlikes\n食堂\t饭菜变质\t12000\n".encode("utf-32"), "饭菜变质"),
        # Excel where the decimal separator is a comma writes `;`
        ("title;text;likes\n食堂;饭菜变质;12000\n".encode(), "饭菜变质"),
        # Windows-1252, undeclared: not GB18030 mojibake, not refused
        ("title,text,likes\nCafé crème,Ça coûte cher à Mingde,12000\n".encode("cp1252"),
         "Ça coûte cher à Mingde"),
    ],
)  # fmt: skip
def test_csv_in_other_encodings_and_separators(data: bytes, expected: str) -> None:
    (record,) = read_csv(io.BytesIO(data))
    assert record.error is None
    assert record.obj["text"] == expected
    assert record.obj["engagement"] == {"likes": 12000}


def test_jsonl_files_joined_with_their_byte_order_marks_lose_no_line() -> None:
    data = '\ufeff{"text": "a"}\n'.encode() + '\ufeff{"text": "b"}\n'.encode()
    assert [r.obj for r in read_jsonl(io.BytesIO(data))] == [{"text": "a"}, {"text": "b"}]


def test_a_gbk_file_with_a_stray_byte_stays_gbk_and_costs_that_row() -> None:
    data = (
        "title,text\n标题,某学校食堂\n".encode("gbk") + b"bad,\xff\n" + "二,正文二\n".encode("gbk")
    )
    records = list(read_csv(io.BytesIO(data)))
    assert [(r.line, r.obj) for r in records] == [
        (2, {"title": "标题", "text": "某学校食堂"}),
        (3, None),
        (4, {"title": "二", "text": "正文二"}),
    ]


def test_a_json_array_with_bad_items_costs_only_those_items() -> None:
    """Issue 11 (qa11): one item with a typo, or nested deeper than Python's parser goes,
    made the whole array unreadable: `yuqing ingest` stored none of its posts."""
    data = FIXTURES.joinpath("posts", "array_with_bad_items.json").read_bytes()
    records = read_json_array(data)
    assert records is not None
    assert [r.line for r in records] == [1, 2, 3, 4, 5]  # the trailing comma adds no item
    assert [r.obj["id"] for r in records if r.error is None] == ["arr-1", "arr-4", "arr-5"]
    assert records[3].obj["text"] == '正文里有 ],{"id": "fake"} 这样的字符，以及 \\ 反斜杠'
    assert records[1].error is not None and records[1].error.startswith("不是有效的 JSON：")
    assert records[2].error == "不是有效的 JSON：嵌套超过 32 层"


@pytest.mark.parametrize(
    "data",
    [b'[{"text": "a"}, {"text": "b', b'[{"text": "a"}, {"text": "b"}', b'[{"text": "a"}] {"x": 1}',
     b'[{"text": "a"}]]', b'[{"text": "a"}] x'],
)  # fmt: skip
def test_an_array_that_is_not_complete_is_not_split(data: bytes) -> None:
    # A file still being written, or not one array: read as JSON Lines, as before.
    assert read_json_array(data) is None


def test_a_line_nested_too_deep_says_so_in_words() -> None:
    (record,) = read_jsonl(io.BytesIO(b'{"text": "x", "raw": ' + b"[" * 5000 + b"]" * 5000 + b"}"))
    assert record.error == "不是有效的 JSON：嵌套超过 32 层"


def test_a_csv_cell_over_the_limit_costs_its_row_in_words() -> None:
    """qa11: the reason was the csv module's English, `field larger than field limit`."""
    data = b'id,text\nc0,ok\nc1,"' + b"x" * (CSV_CELL_LIMIT + 1) + b'"\nc2,ok2\n'
    records = list(read_csv(io.BytesIO(data)))
    assert [r.obj["id"] for r in records if r.error is None] == ["c0", "c2"]
    (refused,) = [r for r in records if r.error]
    assert (refused.line, refused.error) == (3, "CSV 格式有误：有单元格超过 16777216 个字符")


def test_csv_cells_kept_as_text_for_excel_are_read_as_their_text() -> None:
    """qa11: exports write `="00123"` so that Excel keeps an id's zeros and a count's
    digits; the id was stored as `="00123"` and the count refused the row."""
    data = 'id,text,likes\r\n="00123",食堂投诉,"=""1.2万"""\r\n="",无编号,="7"\r\n'.encode()
    records = list(read_csv(io.BytesIO(data)))
    assert [r.obj for r in records] == [
        {"id": "00123", "text": "食堂投诉", "engagement": {"likes": 12000}},
        {"text": "无编号", "engagement": {"likes": 7}},
    ]


def test_csv_with_excels_separator_line() -> None:
    """qa11: a `sep=;` first line, as Excel reads and some exports write it, refused the
    whole file ("no text or title column; columns: sep=")."""
    data = "sep=;\r\ntitle;text;likes\r\n标题;分号分隔的正文;12\r\n通报;正文;many\r\n".encode()
    records = list(read_csv(io.BytesIO(data)))
    assert records[0].line == 3 and records[0].obj["title"] == "标题"
    assert (records[1].line, records[1].error) == (4, "列 'likes' 必须是数字，不能是 'many'")
