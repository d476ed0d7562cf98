"""What a county office is really sent, through `yuqing ingest` on real files, both
stores: CSV joined from Excel's UTF-8 and GBK exports, JSON Lines with trailing commas,
times written relative to when they were read."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from yuqing.monitor.models import StoredPost

BEIJING = ZoneInfo("Asia/Shanghai")


def ingest(cli: Cli, path: Path) -> dict[str, Any]:
    result = cli("ingest", str(path))
    assert result.code in (0, 3), result.stderr  # 3: some lines refused
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def stored(store: Store) -> dict[str, StoredPost]:
    with Session(store.engine) as session:
        return {p.post_id: p for p in session.scalars(select(StoredPost))}


def test_csv_joined_from_utf8_and_gbk_exports_loses_no_row(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    utf8 = "\ufeffid,标题,正文,发布时间\nu1,医院,县医院门诊排队三小时没人管,2026-12-07 09:00\n"
    gbk = "g1,学校,学校\ng2,食堂,明德一中食堂饭菜变质，家长很气愤,2026/12/7 10:00\n"
    again = "\ufeffid,标题,正文,发布时间\nu2,道路,县城东路施工，交通拥堵,2026-12-07 11:00\n"
    path = tmp_path / "joined.csv"
    path.write_bytes(utf8.encode() + gbk.encode("gbk") + again.encode())
    summary = ingest(cli, path)
    assert summary["rejected"] == 0 and summary["stored"] == 4
    posts = stored(store)
    assert {k: (p.title, p.text) for k, p in posts.items()} == {
        "u1": ("医院", "县医院门诊排队三小时没人管"),
        "g1": ("学校", "学校"),  # GBK bytes that are also UTF-8 ("ѧУ"): read as GBK
        "g2": ("食堂", "明德一中食堂饭菜变质，家长很气愤"),
        "u2": ("道路", "县城东路施工，交通拥堵"),  # the repeated header is no post
    }


def test_a_gbk_csv_with_one_utf8_row_reads_both(cli: Cli, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        "id,标题,正文\ng1,食堂,县一中食堂饭菜变质\n".encode("gbk")
        + "u1,医院,县医院排队三小时\n".encode()
        + "g2,学校,学校\n".encode("gbk")
    )
    assert ingest(cli, path)["stored"] == 3
    assert {k: p.text for k, p in stored(store).items()} == {
        "g1": "县一中食堂饭菜变质", "u1": "县医院排队三小时", "g2": "学校"
    }  # fmt: skip


def test_a_damaged_utf8_line_is_still_refused_not_misread(
    cli: Cli, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(
        "id,正文\nu1,县医院排队三小时\nu2,坏".encode() + b"\xe5\xad" + "的一行\n".encode()
    )
    result = cli("ingest", str(path))
    assert "LINE 3: 无法将此行按 UTF-8 解码（第 7 字节）" in result.stderr
    assert set(stored(store)) == {"u1"}


def test_json_lines_with_trailing_commas_are_read(cli: Cli, store: Store, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(
        '{"id": "t1", "text": "尾逗号的帖子",}\n'
        '{"id": "t2", "text": "从数组里剪下的一行"},\n'
        '{"id": "t3", "text": "字符串里的逗号,}", "tags": ["a", "b",],}\n'
        '{"id": "t4", "text": "真的坏了",,}\n',
        encoding="utf-8",
    )
    summary = ingest(cli, path)
    assert summary["stored"] == 3 and summary["rejected"] == 1
    posts = stored(store)
    assert {k: p.text for k, p in posts.items()} == {
        "t1": "尾逗号的帖子", "t2": "从数组里剪下的一行", "t3": "字符串里的逗号,}"
    }  # fmt: skip
    assert posts["t3"].extra == {"tags": ["a", "b"]}
    assert "LINE 4: 不是有效的 JSON" in cli("ingest", str(path)).stderr


def test_times_written_relative_to_their_reading(cli: Cli, store: Store, tmp_path: Path) -> None:
    written = {
        "r1": "3分钟前",
        "r2": "半小时前",
        "r3": "刚刚",
        "r4": "2 hours ago",
        "d1": "昨天 14:20",
        "d2": "前天",
        "d3": "今天 上午8:05",
        "a1": "2026年12月7日 上午9:30",
    }
    path = tmp_path / "times.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": k, "text": f"时间 {v}", "published_at": v}, ensure_ascii=False) + "\n"
            for k, v in written.items()
        ),
        encoding="utf-8",
    )
    assert ingest(cli, path)["stored"] == len(written)
    posts = stored(store)
    received = posts["r1"].received_at
    ago = {k: posts[k].received_at - posts[k].published_at for k in ("r1", "r2", "r3", "r4")}
    assert ago == {
        "r1": timedelta(minutes=3), "r2": timedelta(minutes=30), "r3": timedelta(0),
        "r4": timedelta(hours=2),
    }  # fmt: skip
    today = received.astimezone(BEIJING).date()

    def local(key: str) -> str:
        return posts[key].published_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")

    assert local("d1") == f"{today - timedelta(days=1)} 14:20"
    assert local("d2") == f"{today - timedelta(days=2)} 00:00"
    assert local("d3") == f"{today} 08:05"
    assert local("a1") == "2026-12-07 09:30"
    # The text as written stays beside the time read from it; an absolute time has none.
    assert posts["r1"].extra == {"published_at_text": "3分钟前"}
    assert posts["d1"].extra == {"published_at_text": "昨天 14:20"}
    assert posts["a1"].extra == {}
