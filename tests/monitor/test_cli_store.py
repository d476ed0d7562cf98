"""The store commands as a user runs them: init, watch, ingest, search, source, tip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import FIXTURES, Cli, Store
from yuqing.alerts.models import Alert
from yuqing.analysis.models import Event
from yuqing.db.migrate import HEAD
from yuqing.monitor.models import StoredPost

WATCH_FILE = FIXTURES / "watches.yaml"
POSTS_FILE = FIXTURES / "posts" / "school_canteen.jsonl"


def summary(stdout: str) -> dict[str, int]:
    return json.loads(stdout.strip().splitlines()[-1])


def test_init_is_idempotent(cli: Cli) -> None:
    first, second = cli("init"), cli("init")
    assert first.code == second.code == 0
    assert f"版本 {HEAD}" in second.stdout


def test_ingest_jsonl_stores_and_search_finds(cli: Cli) -> None:
    assert cli("watch", "import", str(WATCH_FILE)).code == 0
    result = cli("ingest", str(POSTS_FILE))
    assert result.code == 0, result.stderr
    counts = summary(result.stdout)
    assert counts == {
        "read": 8,
        "accepted": 7,
        "duplicates": 1,
        "copies": 2,
        "rejected": 1,
        "matched": 5,
        "stored": 5,
        "updated": 0,
    }
    assert result.stderr.strip().startswith("LINE 6: 不是有效的 JSON：")
    again = summary(cli("ingest", str(POSTS_FILE)).stdout)
    # The unmatched post was never stored, so it is not a duplicate the second time.
    assert (again["stored"], again["duplicates"], again["matched"]) == (0, 6, 0)
    found = cli("search", "食堂", "--json")
    posts = [json.loads(line) for line in found.stdout.splitlines()]
    assert [p["id"] for p in posts][1:] == ["wb-1003", "wb-1002", "wb-1001"]
    news = posts[0]
    assert news["url"] == "https://news.example.com/2026/03/01/canteen.html"
    assert "track()" not in news["text"] and "涉事供应商" in news["text"]
    assert posts[-1]["copies"] == 2
    assert {posts[1]["duplicate_of"], posts[2]["duplicate_of"]} == {"wb-1001"}
    assert cli("search", "食堂", "--watch", "hospital").stdout == ""


def test_ingest_in_worker_processes_is_the_same(cli: Cli, tmp_path: Path) -> None:
    # Two files, each run by worker processes started before the pipeline (YUQING_WORKERS
    # forces them for small files): the same summary, rejections and stored posts as the
    # serial run of the same files into another store.
    second = tmp_path / "second.jsonl"
    second.write_text('{"id": "x1", "text": "某学校食堂又被投诉"}\n[1]\n', encoding="utf-8")
    results = {}
    for workers in ("1", "2"):
        run = Cli({**cli.env, "YUQING_WORKERS": workers, "YUQING_HOME": str(tmp_path / workers)})
        if workers == "1":  # the parallel run gets the fixture's store (SQLite, PostgreSQL)
            run = Cli({**run.env, "YUQING_DB": f"sqlite:///{tmp_path / 'serial.db'}"})
        assert run("init").code == 0
        assert run("watch", "import", str(WATCH_FILE)).code == 0
        result = run("ingest", str(POSTS_FILE), str(second))
        assert result.code == 0, result.stderr
        found = run("search", "食堂", "--json").stdout.splitlines()
        results[workers] = (
            summary(result.stdout),
            result.stderr,
            [json.loads(f)["id"] for f in found],
        )
    assert results["1"] == results["2"]
    assert results["2"][0]["stored"] == 6 and results["2"][0]["rejected"] == 2
    assert "LINE 2: " in results["2"][1] and f"({second})" in results["2"][1]
    bad = Cli({**cli.env, "YUQING_WORKERS": "many"})("ingest", str(POSTS_FILE))
    assert bad.code != 0
    assert bad.stderr.strip() == "yuqing: YUQING_WORKERS 必须是数字，不能是 'many'"


def test_ingest_csv_and_stdin(cli: Cli, tmp_path: Path) -> None:
    csv_file = tmp_path / "posts.csv"
    csv_file.write_text("id,title,text,reposts\na1,标题,某学校食堂,5\na2,,\n", encoding="utf-8")
    result = cli("ingest", str(csv_file))
    assert summary(result.stdout)["stored"] == 1
    assert result.stderr.strip() == "LINE 3: 帖文既无 'text' 也无 'title'"
    piped = cli("ingest", input='{"text": "来自标准输入"}\n')
    assert summary(piped.stdout)["stored"] == 1
    # YUQING_LANG=en: the reason in English, the `LINE N:` prefix as it always is.
    english = Cli({**cli.env, "YUQING_LANG": "en"})("ingest", str(csv_file))
    assert english.stderr.strip() == "LINE 3: post has neither 'text' nor 'title'"


def test_strict_and_unreadable_inputs_fail(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "ok"}\n{oops\n')
    strict = cli("ingest", "--strict", str(bad))
    assert strict.code != 0
    assert summary(strict.stdout)["rejected"] == 1
    assert strict.stderr.splitlines()[-1] == "yuqing: 使用 --strict 时有 1 行被拒收，未存储任何内容"
    missing = cli("ingest", str(tmp_path / "nope.jsonl"))
    assert missing.code != 0
    assert missing.stderr.startswith("yuqing: 无法读取")
    assert "Traceback" not in missing.stderr


def test_strict_is_all_or_nothing(cli: Cli, store: Store, tmp_path: Path) -> None:
    from tests.alerts.test_alerting_flow import PLAN

    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.format(webhook="https://hooks.test/x"), encoding="utf-8")
    assert cli("plan", "load", str(plan)).code == 0
    assert cli("watch", "import", str(WATCH_FILE)).code == 0
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "g1", "text": "某学校食堂整改通报"}\n', encoding="utf-8")

    def stored() -> tuple[int, int, int]:
        with Session(store.engine) as session:
            return cast(
                tuple[int, int, int],
                tuple(
                    session.scalar(select(func.count()).select_from(table))
                    for table in (StoredPost, Event, Alert)
                ),
            )

    # The fixture's line 6 is not JSON: with --strict, none of its good lines is stored,
    # nor those of another file of the same command, in one process or in workers.
    for workers in ("1", "2"):
        run = Cli({**cli.env, "YUQING_WORKERS": workers})
        strict = run("ingest", "--strict", str(good), str(POSTS_FILE))
        assert strict.code != 0
        assert summary(strict.stdout) == {
            "read": 9, "accepted": 8, "duplicates": 0, "copies": 0, "rejected": 1,
            "matched": 7, "stored": 0, "updated": 0,
        }  # fmt: skip
        assert strict.stderr.startswith("LINE 6: 不是有效的 JSON：")
        assert (
            strict.stderr.splitlines()[-1]
            == "yuqing: 使用 --strict 时有 1 行被拒收，未存储任何内容"
        )
        assert stored() == (0, 0, 0)
    piped = cli("ingest", "--strict", input=POSTS_FILE.read_bytes())
    assert piped.code != 0 and summary(piped.stdout)["stored"] == 0
    assert stored() == (0, 0, 0)
    # Without a rejected line, --strict stores as usual (stdin read twice from its copy).
    assert summary(cli("ingest", "--strict", input=good.read_bytes()).stdout)["stored"] == 1
    # A later run without --strict stores the good lines; the story raises its alert then.
    result = cli("ingest", str(POSTS_FILE))
    assert result.code == 0 and summary(result.stdout)["stored"] == 5
    posts, events, alerts = stored()
    assert posts == 6 and events >= 1 and alerts >= 1


def test_oversized_post_is_rejected(cli: Cli) -> None:
    big = json.dumps({"text": "字" * 400_000})  # 1.2 MB of UTF-8
    result = cli("ingest", input=big + "\n" + '{"text": "small"}\n')
    counts = summary(result.stdout)
    assert (counts["rejected"], counts["stored"]) == (1, 1)
    assert result.stderr.strip() == "LINE 1: 字段 'text' 超过 1048576 字节"


def test_bad_watch_file_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    assert cli("watch", "import", str(WATCH_FILE)).code == 0
    bad = tmp_path / "w.yaml"
    bad.write_text("watches:\n  - name: canteen\n    rule: '学校 AND'\n", encoding="utf-8")
    result = cli("watch", "import", str(bad))
    assert result.code != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "w.yaml:3" in result.stderr
    listed = cli("watch", "list", "--json").stdout
    assert json.loads(listed.splitlines()[0])["rule"] == "学校 食堂"


def test_source_add_list_remove(cli: Cli) -> None:
    added = cli(
        "source",
        "add",
        "county-news",
        "--kind",
        "rss",
        "--url",
        "https://news.example.com/rss",
        "--platform",
        "news",
        "--tier",
        "municipal",
        "--interval",
        "600",
    )
    assert added.code == 0, added.stderr
    dup = cli("source", "add", "county-news", "--kind", "rss", "--url", "https://e.com/x")
    assert dup.code != 0 and "已有名为 'county-news' 的信息源" in dup.stderr
    bad = cli("source", "add", "x", "--kind", "ftp", "--url", "https://e.com")
    assert bad.code != 0 and "kind" in bad.stderr
    bad_tier = cli("source", "add", "y", "--kind", "rss", "--url", "https://e.com", "--tier", "god")
    assert bad_tier.code != 0 and "tier 只能是 central, " in bad_tier.stderr
    usual = ("--platform", "新浪微博", "--tier", "央媒")  # the usual names map, as in posts
    assert cli("source", "add", "wb", "--kind", "rss", "--url", "https://e.com/r", *usual).code == 0
    rows = [json.loads(line) for line in cli("source", "list", "--json").stdout.splitlines()]
    row, weibo = sorted(rows, key=lambda r: r["name"])
    assert (weibo["platform"], weibo["media_tier"]) == ("microblog", "central")
    assert cli("source", "remove", "wb").code == 0
    assert row["name"] == "county-news" and row["media_tier"] == "municipal"
    assert row["interval_s"] == 600 and row["last_success_at"] is None
    assert cli("source", "remove", "county-news").code == 0
    gone = cli("source", "remove", "county-news")
    assert gone.code != 0 and "没有名为 'county-news' 的信息源" in gone.stderr


def test_source_options_are_set_checked_and_changed(cli: Cli) -> None:
    """docs18: docs/monitoring.md lists each connector's options; nothing could set them."""
    added = cli("source", "add", "api", "--kind", "jsonapi", "--url", "https://api.example.com/v1",
                "--option", "items_path=data.list", "--option", 'fields={"text": "content.body"}',
                "--option", "max_items=20")  # fmt: skip
    assert added.code == 0, added.stderr
    changed = cli("source", "update", "api", "--option", "max_items=",
                  "--option", "page_param=page", "--option", "max_pages=3")  # fmt: skip
    assert changed.code == 0, changed.stderr
    (row,) = [json.loads(line) for line in cli("source", "list", "--json").stdout.splitlines()]
    assert row["options"] == {"items_path": "data.list", "fields": {"text": "content.body"},
                              "page_param": "page", "max_pages": 3}  # fmt: skip
    refused = {
        (
            "link_selector=a",
        ): "yuqing: 未知的选项 'link_selector'（jsonapi 信息源可用：items_path, ",
        ("max_items=0",): "yuqing: 选项 'max_items' 必须是正整数，不能是 0",
        ("max_items",): "yuqing: --option 的格式必须是 KEY=VALUE，不能是 'max_items'",
        (
            "timezone=Mars/Base",
        ): "yuqing: 选项 'timezone' 必须是合法的 IANA 时区名（如 Asia/Shanghai）",
    }
    for options, message in refused.items():
        for command in (["add", "api2", "--kind", "jsonapi", "--url", "https://e.com"],
                        ["update", "api"]):  # fmt: skip
            result = cli("source", *command, *(x for o in options for x in ("--option", o)))
            assert result.code == 2 and result.stderr.startswith(message), result.stderr
            assert result.stderr.count("\n") == 1
    page = cli(
        "source", "add", "w", "--kind", "web", "--url", "https://e.com", "--option", "page=x"
    )
    assert page.stderr == "yuqing: 选项 'page' 必须是以下之一：list, article，不能是 'x'\n"
    (row,) = [json.loads(line) for line in cli("source", "list", "--json").stdout.splitlines()]
    assert row["options"]["max_pages"] == 3  # a refused change changed nothing


def test_a_source_name_with_a_tab_or_a_line_break_is_refused(cli: Cli) -> None:
    for name in ("a\tb", "a\nb", "a\x07b"):
        result = cli("source", "add", name, "--kind", "rss", "--url", "https://e.com/rss")
        assert result.code == 2 and result.stderr.startswith("yuqing: 信息源名称不能含控制字符")
    assert cli("source", "list").stdout.strip() == "没有信息源"


def test_a_port_out_of_range_is_a_usage_error_not_a_silent_hang(cli: Cli) -> None:
    """docs18: `yuqing serve --port 99999` printed its URL and then hung."""
    for args in (["serve", "--port", "99999"], ["demo", "--port", "70000", "--no-browser"]):
        result = cli(*args)
        assert result.code == 2 and "is not in the range" in result.stderr, result.stderr


def test_ids_past_the_stores_range_are_usage_errors_not_internal_ones(cli: Cli) -> None:
    """docs18: `alerts ack 999999999999999999999` was `内部错误：OverflowError` (exit 70)."""
    big = str(2**63)
    for args in (["alerts", "ack", big, "--by", "x"], ["token", "revoke", big],
                 ["plan", "show", "--version", big], ["plan", "diff", "1", big],
                 ["incident", "show", big], ["incident", "task", "done", big],
                 ["incident", "open", "--alert", big],
                 ["report", "generate", "special", "--incident", big, "--format", "json",
                  "-o", "r.json"]):  # fmt: skip
        result = cli(*args)
        assert result.code == 2, (args, result.stderr)
        assert f"{big} is not in the range 1<=x<=9223372036854775807" in result.stderr
        assert "Traceback" not in result.stderr and "内部错误" not in result.stderr


def test_tip_is_always_kept(cli: Cli) -> None:
    assert cli("watch", "import", str(WATCH_FILE)).code == 0
    result = cli("tip", "add", "--text", "有家长来电反映校车超载", "--channel", "phone")
    assert summary(result.stdout)["stored"] == 1
    (post,) = [json.loads(x) for x in cli("search", "校车", "--json").stdout.splitlines()]
    assert post["source"] == "tip" and post["channel"] == "phone"


def test_bad_rule_in_search_is_one_line(cli: Cli) -> None:
    result = cli("search", "(学校 | ")
    assert result.code != 0
    assert result.stderr.startswith("yuqing: column")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_overlong_source_name_is_one_line_and_stores_nothing(cli, store) -> None:
    line = '{"id": "a1", "text": "明德一中食堂饭菜有异味"}\n'
    for name in ("s" * 257, "bad\x07name"):
        result = cli("ingest", "--source", name, input=line)
        assert result.code != 0
        assert result.stderr.strip().count("\n") == 0
        assert "--source" in result.stderr
    assert cli("search", "食堂", "--json").stdout.strip() == ""


def test_ingest_of_a_json_array_with_bad_items_stores_the_good_ones(cli: Cli, store: Store) -> None:
    """Issue 11 (qa11): a typo or a too-deep value in one item of a `.json` array cost
    every post of the file (`read 1, rejected 1`)."""
    result = cli("ingest", str(FIXTURES / "posts" / "array_with_bad_items.json"))
    assert result.code == 0, result.stderr
    counts = summary(result.stdout)
    assert (counts["read"], counts["rejected"], counts["stored"]) == (5, 2, 3)
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("LINE 2: 不是有效的 JSON：")
    assert errors[1] == "LINE 3: 不是有效的 JSON：嵌套超过 32 层"
    with Session(store.engine) as session:
        ids = set(session.scalars(select(StoredPost.post_id)))
    assert ids == {"arr-1", "arr-4", "arr-5"}


def test_ingest_reads_json_lines_saved_as_utf16(cli: Cli, store: Store, tmp_path: Path) -> None:
    """qa11: Windows PowerShell 5 writes `tool > posts.jsonl` in UTF-16 with a byte-order
    mark; every line was refused as "not UTF-8"."""
    lines = '{"id": "w16a", "text": "明德一中食堂投诉"}\r\n{"id": "w16b", "text": "\\ud800孤立代理"}\r\n'
    path = tmp_path / "posts.jsonl"
    path.write_bytes(lines.encode("utf-16"))
    result = cli("ingest", str(path))
    assert result.code == 0, result.stderr
    assert (summary(result.stdout)["read"], summary(result.stdout)["stored"]) == (2, 2)
    piped = cli("ingest", input=lines.encode("utf-32"))  # stdin too, and UTF-32
    assert summary(piped.stdout)["duplicates"] == 2
    with Session(store.engine) as session:
        texts = set(session.scalars(select(StoredPost.text)))
    assert texts == {"明德一中食堂投诉", "\ufffd孤立代理"}
