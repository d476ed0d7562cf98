"""`yuqing fetch URL [--kind rss|web] [--internal]` against the local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import typer
from typer.testing import CliRunner

from yuqing.cli import fetch

# The real entry point (`yuqing.cli.main.run`) with `fetch` registered, in a child
# process: exit codes and the one-line error are what a user sees.
RUN_WITH_FETCH = "from yuqing.cli import fetch, main; fetch.register(main.app); main.run()"


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    fetch.register(app)
    return app


def test_fetch_detects_feed_and_prints_json_lines(server):
    server.serve("/rss.xml", "feeds/rss2_news.xml", "application/rss+xml")
    result = CliRunner().invoke(make_app(), ["fetch", server.url("/rss.xml"), "--internal"])
    assert result.exit_code == 0, result.output
    posts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["id"] for p in posts] == ["jcrb-10234", "jcrb-10233", "jcrb-10198"]
    assert posts[0]["title"] == "市一中食堂出现学生集体腹泻 校方回应正在调查"
    assert posts[0]["published_at"] == "2025-03-01T01:15:00+00:00"


def test_fetch_web_article_with_kind(server):
    server.serve("/a/10198.html", "pages/article_10198.html", "text/html")
    result = CliRunner().invoke(
        make_app(), ["fetch", server.url("/a/10198.html"), "--kind", "web", "--internal"]
    )
    assert result.exit_code == 0, result.output
    (post,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert post["title"] == "市人民医院开通夜间门诊"
    assert post["url"] == server.url("/a/10198.html")


def run_cli(*args: str, home) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "YUQING_HOME": str(home)}
    env.pop("YUQING_ALLOW_INTERNAL_FETCH", None)
    return subprocess.run(
        [sys.executable, "-c", RUN_WITH_FETCH, "fetch", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_fetch_refuses_loopback_without_internal(server, tmp_path):
    server.serve("/rss.xml", "feeds/rss2_news.xml", "application/rss+xml")
    done = run_cli(server.url("/rss.xml"), home=tmp_path)
    assert done.returncode == 6  # SourceError's exit code
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"yuqing: {server.url('/rss.xml')}: ")
    assert "已拒绝：127.0.0.1 是或解析为非公网地址 127.0.0.1" in lines[0]
    assert server.requests == []


def test_fetch_not_a_feed_with_kind_rss(server, tmp_path):
    server.serve("/index.html", "pages/not_a_feed.html", "text/html")
    done = run_cli(server.url("/index.html"), "--kind", "rss", "--internal", home=tmp_path)
    assert done.returncode == 6
    assert done.stderr.strip().endswith("不是 RSS、Atom 或 RDF 订阅源")


def test_fetch_unknown_kind():
    result = CliRunner().invoke(make_app(), ["fetch", "http://127.0.0.1/", "--kind", "ftp"])
    assert result.exit_code != 0
    assert "--kind 只能是 rss, web 之一" in str(result.exception)


def test_fetch_prints_every_item_of_a_long_feed(server):
    server.serve("/county.xml", "feeds/county_45_items.xml", "application/rss+xml")
    result = CliRunner().invoke(
        make_app(), ["fetch", server.url("/county.xml"), "--kind", "rss", "--internal"]
    )
    assert result.exit_code == 0, result.output
    posts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [p["id"] for p in posts] == [f"county-{n:03d}" for n in range(45, 0, -1)]
    assert result.stderr == ""


def test_fetch_max_items_says_it_stopped(server):
    server.serve("/county.xml", "feeds/county_45_items.xml", "application/rss+xml")
    args = ["fetch", server.url("/county.xml"), "--internal", "--max-items", "20"]
    result = CliRunner().invoke(make_app(), args)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 20
    assert result.stderr.splitlines() == ["已按 --max-items 在 20 条后停止，另有 25 条未输出"]
    english = CliRunner(env={"YUQING_LANG": "en"}).invoke(make_app(), args)
    assert english.stderr.splitlines() == [
        "stopped after 20 posts because of --max-items; 25 more not printed"
    ]
