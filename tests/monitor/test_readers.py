import io

from yuqing.monitor.readers import read_csv, read_jsonl


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
