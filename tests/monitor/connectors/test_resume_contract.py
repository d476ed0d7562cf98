"""Contract: every connector resumes from its stored cursor without gaps or duplicates.

Each scenario publishes a growing set of posts in its kind's format; polls are cut short
by `max_items`, the cursor goes through JSON as the store keeps it, and in the end every
post has been yielded exactly once.
"""

from __future__ import annotations

import json
from html import escape

import pytest

from yuqing.monitor.connectors import Cursor, SourceSpec, get_connector


def title(n: int) -> str:
    return f"第{n}条 江城本地新闻标题"


def body(n: int) -> str:
    return f"这是第{n}条新闻的正文内容，记者在现场进行了采访报道。" * 3


class RssScenario:
    kind = "rss"

    def __init__(self, server, tmp_path):
        self.server = server

    def publish(self, count: int) -> None:
        entries = "".join(
            f"<item><title>{title(n)}</title><guid isPermaLink='false'>post-{n}</guid>"
            f"<link>/news/{n}.html</link><description>{body(n)}</description></item>"
            for n in range(count, 0, -1)
        )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
            f"<channel><title>t</title>{entries}</channel></rss>"
        )
        self.server.route("/feed.xml", feed, content_type="application/rss+xml", etag=f'"{count}"')

    def spec(self, max_items: int) -> SourceSpec:
        return SourceSpec(
            "s",
            "rss",
            self.server.url("/feed.xml"),
            internal=True,
            options={"max_items": max_items},
        )


class WebScenario:
    kind = "web"

    def __init__(self, server, tmp_path):
        self.server = server

    def publish(self, count: int) -> None:
        links = "".join(
            f'<li><a href="/news/2025/{1000 + n}.html">{title(n)}</a></li>'
            for n in range(count, 0, -1)
        )
        self.server.route("/news/", f"<html><body><ul>{links}</ul></body></html>")
        for n in range(1, count + 1):
            self.server.route(
                f"/news/2025/{1000 + n}.html",
                f"<html><head><title>{escape(title(n))}</title></head><body><h1>{title(n)}</h1>"
                f"<div class='content'><p>{body(n)}</p></div></body></html>",
            )

    def spec(self, max_items: int) -> SourceSpec:
        return SourceSpec(
            "s",
            "web",
            self.server.url("/news/"),
            internal=True,
            options={"max_items": max_items, "title_selector": "h1", "text_selector": ".content"},
        )


class JsonApiScenario:
    kind = "jsonapi"

    def __init__(self, server, tmp_path):
        self.server = server

    def publish(self, count: int) -> None:
        data = [{"id": n, "title": title(n), "text": body(n)} for n in range(count, 0, -1)]
        self.server.route("/api", json.dumps({"data": data}), content_type="application/json")

    def spec(self, max_items: int) -> SourceSpec:
        return SourceSpec(
            "s",
            "jsonapi",
            self.server.url("/api"),
            internal=True,
            options={"max_items": max_items, "items_path": "data"},
        )


class FileScenario:
    kind = "file"

    def __init__(self, server, tmp_path):
        self.path = tmp_path / "drop.jsonl"

    def publish(self, count: int) -> None:
        lines = [
            json.dumps({"id": str(n), "title": title(n), "text": body(n)}, ensure_ascii=False)
            for n in range(1, count + 1)
        ]
        self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def spec(self, max_items: int) -> SourceSpec:
        return SourceSpec("s", "file", str(self.path), options={"max_items": max_items})


@pytest.mark.parametrize("scenario_type", [RssScenario, WebScenario, JsonApiScenario, FileScenario])
@pytest.mark.parametrize("max_items", [2, 100])
def test_resume_without_gaps_or_duplicates(scenario_type, max_items, server, http, clock, tmp_path):
    scenario = scenario_type(server, tmp_path)
    connector = get_connector(scenario.kind)
    spec = scenario.spec(max_items)
    stored = None  # the cursor as the store keeps it: JSON text
    yielded: list[str] = []

    def poll_until_quiet() -> None:
        nonlocal stored
        for _ in range(10):
            cursor = Cursor.from_json(stored)
            fetched = connector.fetch(spec, cursor=cursor, http=http, now=clock.now())
            assert fetched.warnings == []
            stored = json.dumps(fetched.cursor.to_json())
            assert len(fetched.items) <= max_items
            yielded.extend(item["title"] for item in fetched.items)
            if not fetched.items:
                return
        raise AssertionError("never ran dry")

    scenario.publish(3)
    poll_until_quiet()
    scenario.publish(5)
    poll_until_quiet()
    scenario.publish(6)
    poll_until_quiet()
    assert sorted(yielded) == sorted(title(n) for n in range(1, 7))
    assert len(yielded) == len(set(yielded))
