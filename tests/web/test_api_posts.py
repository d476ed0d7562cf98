"""The push API (`POST /api/v1/posts`) under a real server on 127.0.0.1, both stores."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import FIXTURES, Store
from yuqing.analysis.models import EventPost
from yuqing.analysis.steps import ClusterStep
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.watches import load_watch_text
from yuqing.web.app import create_app
from yuqing.worker.live import build_pipeline

TOKEN = "push-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSONL = {**AUTH, "Content-Type": "application/x-ndjson"}
JSON_TYPE = {"Content-Type": "application/json"}


@contextmanager
def serving(web: FastAPI) -> Iterator[httpx.Client]:
    """`web` under a real uvicorn server on 127.0.0.1, and a client for it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):  # waits on the server's own flag, not on time
        if server.started:
            break
        started.wait(0.01)
    assert server.started
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=60
        ) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def api(store: Store, clock: FrozenClock, settings: Settings) -> Iterator[httpx.Client]:
    web = create_app(engine=store.engine, clock=clock, settings=settings, api_tokens=[TOKEN])
    with serving(web) as client:
        yield client


def post(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"p{n}", "source": "论坛", "text": f"第{n}条：明德县第{n}中学门口道路施工，家长接送不便",
            "published_at": "2026-03-02T10:00:00+08:00", **extra}  # fmt: skip


def stored_ids(store: Store) -> set[str]:
    with Session(store.engine) as session:
        return set(session.scalars(select(StoredPost.post_id)))


def test_pushing_needs_a_token(api: httpx.Client, store: Store) -> None:
    assert api.post("/api/v1/posts", json=[post(1)]).status_code == 401
    wrong = api.post("/api/v1/posts", json=[post(1)], headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "需要有效的 API 令牌（Authorization: Bearer …）"
    assert stored_ids(store) == set()


def test_a_json_array_is_taken_and_a_repush_counts_duplicates(
    api: httpx.Client, store: Store
) -> None:
    body = [post(1), post(2), {"id": "empty", "title": ""}, 42, post(3, engagement="lots")]
    first = api.post("/api/v1/posts", json=body, headers=AUTH)
    assert first.status_code == 200
    answer = first.json()
    assert {k: answer[k] for k in ("read", "accepted", "duplicates", "rejected", "stored")} == {
        "read": 5, "accepted": 2, "duplicates": 0, "rejected": 3, "stored": 2,
    }  # fmt: skip
    # Item numbers in the array, with the same reasons `yuqing ingest` gives.
    assert [r["line"] for r in answer["rejections"]] == [3, 4, 5]
    reasons = [r["reason"] for r in answer["rejections"]]
    assert reasons == [
        "帖文既无 'text' 也无 'title'",
        "帖文必须是 JSON 对象，不能是 int",
        "字段 'engagement' 必须是对象",
    ]
    assert answer["rejections_omitted"] == 0
    assert stored_ids(store) == {"p1", "p2"}
    with Session(store.engine) as session:  # through the whole pipeline: events too
        assert session.scalar(select(func.count()).select_from(EventPost)) == 2
    again = api.post("/api/v1/posts", json=body, headers=AUTH).json()
    assert (again["accepted"], again["duplicates"], again["stored"]) == (2, 2, 0)
    assert again["updated"] == 0
    # Pushed again hours later with more likes: the stored post is updated, not dropped.
    more = api.post("/api/v1/posts", json=[post(1, engagement={"likes": 9})], headers=AUTH)
    assert {k: more.json()[k] for k in ("duplicates", "stored", "updated")} == {
        "duplicates": 0, "stored": 0, "updated": 1,
    }  # fmt: skip
    with Session(store.engine) as session:
        row = session.scalars(select(StoredPost).where(StoredPost.post_id == "p1")).one()
        assert row.engagement == {"likes": 9}
    single = api.post("/api/v1/posts", json=post(4), headers=AUTH).json()  # an array of one
    assert (single["read"], single["stored"]) == (1, 1)


def test_json_lines_are_taken_line_by_line(api: httpx.Client, store: Store) -> None:
    lines = [json.dumps(post(1), ensure_ascii=False), "{not json", "", json.dumps(post(2))]
    body = ("\n".join(lines) + "\n").encode()
    answer = api.post("/api/v1/posts?source=推送", content=body, headers=JSONL).json()
    assert (answer["read"], answer["accepted"], answer["rejected"]) == (3, 2, 1)
    (rejection,) = answer["rejections"]
    assert rejection["line"] == 2 and rejection["reason"].startswith("不是有效的 JSON：")
    assert stored_ids(store) == {"p1", "p2"}
    repeat = api.post("/api/v1/posts", content=body, headers=JSONL).json()
    assert (repeat["duplicates"], repeat["stored"]) == (2, 0)
    # No content type: the first character tells an array from JSON Lines.
    sniffed = api.post("/api/v1/posts", content=json.dumps(post(3)).encode(), headers=AUTH)
    assert sniffed.status_code == 200 and sniffed.json()["stored"] == 1


def test_bad_bodies_get_one_line_reasons(
    api: httpx.Client, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def push(content: bytes, kind: str = "application/json") -> httpx.Response:
        return api.post("/api/v1/posts", content=content, headers={**AUTH, "Content-Type": kind})

    broken = push(b'[{"id": "a", "text": "x"},')
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("不是有效的 JSON：")
    assert "\n" not in broken.json()["detail"]
    lines = push(b'{"text": "a"}\n{"text": "b"}\n')
    assert lines.status_code == 400
    assert (
        "（如果是 JSON Lines，请发送 Content-Type: application/x-ndjson）" in lines.json()["detail"]
    )
    scalar = push(b'"posts"')
    assert scalar.status_code == 400
    assert scalar.json()["detail"] == "请求体必须是帖文的 JSON 数组，不能是字符串"
    assert push(b"\xff[]").json()["detail"] == "请求体不是 UTF-8（第 1 字节）"
    csv = push(b"text", "text/csv")
    assert csv.status_code == 415 and csv.json()["detail"].startswith("不支持的内容类型 'text/csv'")
    # The server's language (YUQING_LANG) words the reasons; the status codes stay.
    monkeypatch.setenv("YUQING_LANG", "en")
    scalar = push(b'"posts"')
    assert scalar.json()["detail"] == "the body must be a JSON array of posts, not a string"
    assert push(b"\xff[]").json()["detail"] == "the body is not UTF-8 (byte 1)"
    assert stored_ids(store) == set()


def test_an_oversize_body_is_refused(store: Store, clock: FrozenClock, settings: Settings) -> None:
    small = replace(settings, max_push_bytes=1024)
    web = create_app(engine=store.engine, clock=clock, settings=small, api_tokens=[TOKEN])
    big = ("\n".join(json.dumps(post(n)) for n in range(40)) + "\n").encode()
    assert len(big) > 1024
    with serving(web) as api:
        declared = api.post("/api/v1/posts", content=big, headers=JSONL)
        assert declared.status_code == 413
        assert declared.json()["detail"].startswith("请求体超过 1024 字节（YUQING_MAX_PUSH_BYTES）")
        # Chunked: no length announced, counted as it arrives.
        chunked = api.post("/api/v1/posts", content=iter([big[:600], big[600:]]), headers=JSONL)
        assert chunked.status_code == 413
        fits = api.post("/api/v1/posts", content=big[:900].rsplit(b"\n", 1)[0], headers=JSONL)
        assert fits.status_code == 200 and fits.json()["stored"] >= 1
    assert "p39" not in stored_ids(store)


def test_the_api_shares_the_service_pipeline(
    store: Store, clock: FrozenClock, settings: Settings
) -> None:
    """Pushes run through the worker's pipeline, one at a time, even pushed together."""
    pipeline = build_pipeline(engine=store.engine, clock=clock, settings=settings)
    web = create_app(
        engine=store.engine, clock=clock, settings=settings, api_tokens=[TOKEN], pipeline=pipeline
    )
    answers: list[dict[str, Any]] = []
    with serving(web) as api:
        assert "/api/v1/posts" in api.get("/api/v1/openapi.json").json()["paths"]

        def push(start: int) -> None:
            body = [post(n) for n in range(start, start + 5)]
            answers.append(api.post("/api/v1/posts", json=body, headers=AUTH).json())

        threads = [threading.Thread(target=push, args=(start,)) for start in (0, 10, 20, 30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(a["stored"] for a in answers) == 20 and len(stored_ids(store)) == 20
    clusterer = cast(ClusterStep, pipeline.stateful[0]).clusterer
    assert clusterer.live_count() >= 1  # the service's own clusterer saw the pushed posts


def test_a_pipeline_of_its_own_reloads_watches(
    api: httpx.Client, store: Store, clock: FrozenClock
) -> None:
    """With no worker beside it, the API's pipeline reads edits as the worker loop would."""
    assert api.post("/api/v1/posts", json=[post(1)], headers=AUTH).json()["stored"] == 1
    with Session(store.engine) as session:
        watches = load_watch_text("watches:\n  - name: fire\n    rule: 火灾\n", filename="w.yaml")
        service.upsert_watches(session=session, clock=clock, watches=watches)
        session.commit()
    clock.advance(timedelta(seconds=31))
    answer = api.post(
        "/api/v1/posts", json=[post(2), post(3, text="明德县城东发生火灾")], headers=AUTH
    )
    assert (answer.json()["matched"], answer.json()["stored"]) == (1, 1)
    assert stored_ids(store) == {"p1", "p3"}


def test_bad_values_cost_only_their_own_records(api: httpx.Client, store: Store) -> None:
    """Issue 11: a record with `1e400`, `http://[::1`, NUL or lone surrogates gave a
    plain-text 500 and lost the good records of the push."""
    lines = FIXTURES.joinpath("posts", "bad_values.jsonl").read_bytes().splitlines()
    array = api.post(
        "/api/v1/posts", content=b"[" + b",".join(lines) + b"]", headers={**AUTH, **JSON_TYPE}
    )
    assert array.status_code == 200, array.text
    answer = array.json()
    assert (answer["read"], answer["stored"], answer["rejected"]) == (21, 14, 7)
    assert [r["line"] for r in answer["rejections"]] == [8, 9, 11, 12, 13, 16, 19]
    assert answer["rejections"][-1]["reason"] == "字段 'title' 超过 4096 个字符"
    assert len(stored_ids(store)) == 14
    with Session(store.engine) as session:
        v05 = session.scalars(select(StoredPost).where(StoredPost.post_id == "v05")).one()
        assert v05.title == "标题\ufffd"
    # The same records as JSON Lines: the same answer, all duplicates now.
    again = api.post("/api/v1/posts", content=b"\n".join(lines), headers=JSONL).json()
    assert (again["read"], again["duplicates"], again["rejected"]) == (21, 14, 7)


def test_raw_control_characters_in_strings_are_dropped_not_refused(
    api: httpx.Client, store: Store
) -> None:
    """docs18: a raw tab or NUL inside a JSON string refused the record (or the array)."""
    posts = b'{"id": "c1", "text": "\xe9\xa3\x9f\xe5\xa0\x82\ta"}\n{"id": "c2", "text": "b\x00c"}'
    for body, headers in ((b"[" + posts.replace(b"\n", b",") + b"]", {**AUTH, **JSON_TYPE}),
                          (posts, JSONL)):  # fmt: skip
        answer = api.post("/api/v1/posts", content=body, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["rejected"] == 0
    with Session(store.engine) as session:
        texts = {
            row[0]: row[1] for row in session.execute(select(StoredPost.post_id, StoredPost.text))
        }
    assert texts == {"c1": "食堂\ta", "c2": "bc"}


def test_an_array_with_bad_items_costs_only_those_items(api: httpx.Client, store: Store) -> None:
    """Issue 11 (qa11): a typo or a too-deep value in one item answered 400 and lost the
    good posts of the push."""
    body = FIXTURES.joinpath("posts", "array_with_bad_items.json").read_bytes()
    answer = api.post("/api/v1/posts", content=body, headers={**AUTH, **JSON_TYPE})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["read"], result["rejected"], result["stored"]) == (5, 2, 3)
    assert [r["line"] for r in result["rejections"]] == [2, 3]
    assert result["rejections"][1]["reason"] == "不是有效的 JSON：嵌套超过 32 层"
    assert stored_ids(store) == {"arr-1", "arr-4", "arr-5"}
    deep = api.post(
        "/api/v1/posts", content=b"[" * 5000 + b"]" * 5000, headers={**AUTH, **JSON_TYPE}
    )
    assert (deep.json()["read"], deep.json()["rejected"]) == (1, 1)  # one item, refused
