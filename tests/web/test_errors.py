"""Every error answer is one line of JSON `detail` (docs/api.md), on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.conftest import PG_ADMIN_URL, Store
from tests.web.conftest import csrf_of
from tests.web.test_api_posts import serving
from yuqing.alerts import service as alerts_service
from yuqing.alerts.models import Alert
from yuqing.alerts.routing import RoutePlan
from yuqing.analysis.models import Event
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.db.engine import make_engine
from yuqing.web.app import create_app

TOKEN = "errors-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api(store: Store, clock: FrozenClock, settings: Settings) -> Iterator[httpx.Client]:
    web = create_app(engine=store.engine, clock=clock, settings=settings, api_tokens=[TOKEN])
    with serving(web) as client:
        yield client


@pytest.fixture
def alert(store: Store, clock: FrozenClock) -> tuple[int, str]:
    with Session(store.engine) as session:
        session.add(Event(id="ev-1", partition="", title="县医院门诊楼起火", keywords=[],
                          first_source="s", first_at=clock.now(), last_at=clock.now(), posts=1,
                          copies=0, negative=0, positive=0, reposts=0, comments=0, likes=0,
                          views=0, sites=1, heat=0.0, updated_at=clock.now(), extra={}))  # fmt: skip
        session.flush()
        raised = alerts_service.raise_alert(session=session, clock=clock, event_id="ev-1",
                                            level="I", level_rank=1, title="县医院门诊楼起火",
                                            text="正文", route=RoutePlan(recipients=[]))  # fmt: skip
        assert raised is not None
        ids = (raised.id, raised.ack_token)
        session.commit()
    return ids


def one_line_error(answer: httpx.Response, status: int) -> str:
    """The answer is `status` with a JSON body holding exactly a one-line string detail."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str)
    detail: str = body["detail"]
    assert detail and "\n" not in detail and len(detail) <= 500
    return detail


@pytest.mark.parametrize("limit", ["-1", "0", "1001", "10" * 20, "abc", "1.5", ""])
def test_a_bad_alerts_limit_is_422_naming_the_parameter(api: httpx.Client, limit: str) -> None:
    detail = one_line_error(api.get("/api/v1/alerts", params={"limit": limit}, headers=AUTH), 422)
    assert detail.startswith("查询参数 'limit'：")


def test_alerts_limit_within_range_is_taken(api: httpx.Client, alert: tuple[int, str]) -> None:
    for limit in ("1", "1000"):
        answer = api.get("/api/v1/alerts", params={"limit": limit}, headers=AUTH)
        assert answer.status_code == 200 and answer.json()["count"] == 1
    assert api.get("/api/v1/alerts", params={"open_only": "maybe"}, headers=AUTH).status_code == 422


def test_validation_details_are_in_english_too(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_LANG", "en")  # the server's language words the detail
    answer = api.get("/api/v1/alerts?limit=-1", headers=AUTH)
    assert one_line_error(answer, 422) == (
        "query parameter 'limit': Input should be greater than or equal to 1 (got '-1')"
    )


@pytest.mark.parametrize("alert_id", ["0", "-5", str(2**63), str(2**70), "abc"])
def test_a_bad_alert_id_is_422(api: httpx.Client, alert_id: str) -> None:
    answer = api.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "clerk"}, headers=AUTH)
    assert one_line_error(answer, 422).startswith("路径参数 'alert_id'：")


def test_an_unknown_alert_id_is_404(api: httpx.Client) -> None:
    answer = api.post(f"/api/v1/alerts/{2**63 - 1}/ack", json={"by": "clerk"}, headers=AUTH)
    one_line_error(answer, 404)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"by": "a\x00b"}, "请求体字段 'by'"),
        ({"by": ""}, "请求体字段 'by'"),
        ({"by": "x" * 201}, "请求体字段 'by'"),
        ({}, "请求体字段 'by'"),
        ([1, 2], "请求体"),
        # docs18: a misspelt or extra key was ignored; now named, as the incidents API does
        ({"by": "clerk", "note": "x"}, "请求体字段 'note'：不接受此字段"),
    ],
)
def test_a_bad_ack_body_is_422_and_changes_nothing(
    api: httpx.Client, alert: tuple[int, str], store: Store, body: object, where: str
) -> None:
    alert_id, _ = alert
    answer = api.post(f"/api/v1/alerts/{alert_id}/ack", json=body, headers=AUTH)
    assert one_line_error(answer, 422).startswith(where)
    with Session(store.engine) as session:
        stored = session.get(Alert, alert_id)
        assert stored is not None and stored.acknowledged_at is None


def post_ack(
    api: httpx.Client, alert_id: int, body: bytes, content_type: str = "application/json"
) -> httpx.Response:
    headers = {**AUTH, "Content-Type": content_type}
    return api.post(f"/api/v1/alerts/{alert_id}/ack", content=body, headers=headers)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"by": "clerk"', "请求体第 1 行第 15 列：不是有效的 JSON：此处缺少逗号 ','（位于请求体末尾）"),
        (
            b'{\n  "by": "clerk",\n  "note": 1,,\n}',
            "请求体第 3 行第 13 列：不是有效的 JSON：此处应为用双引号括起的字段名（位于 ',\\n}'）",
        ),
        (b"{'by': 'clerk'}", "请求体第 1 行第 2 列：不是有效的 JSON：此处应为用双引号括起的字段名（位于 \"'by': 'clerk…\"）"),
        (
            b'{"by": "clerk"} {"by": "other"}',
            "请求体第 1 行第 17 列：不是有效的 JSON：JSON 值之后还有多余内容（位于 '{\"by\": \"othe…'）",
        ),
        (b'{"by": "a\nb"}', "请求体第 1 行第 10 列：不是有效的 JSON：字符串中有未转义的控制字符（如换行）（位于 '\\nb\"}'）"),
        (b'{"by": }', "请求体第 1 行第 8 列：不是有效的 JSON：此处缺少值（位于 '}'）"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_json_is_422_naming_line_and_column(
    api: httpx.Client, alert: tuple[int, str], store: Store, body: bytes, detail: str
) -> None:
    alert_id, _ = alert
    assert one_line_error(post_ack(api, alert_id, body), 422) == detail
    with Session(store.engine) as session:
        stored = session.get(Alert, alert_id)
        assert stored is not None and stored.acknowledged_at is None


def test_json_errors_in_english_keep_pythons_words(
    api: httpx.Client, alert: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUQING_LANG", "en")
    alert_id, _ = alert
    answer = post_ack(api, alert_id, b'{\n  "by": "clerk",\n}')
    assert one_line_error(answer, 422) == (
        "the body, line 3 column 1: not valid JSON: "
        "Expecting property name enclosed in double quotes (at '}')"
    )
    answer = post_ack(api, alert_id, b"")
    assert one_line_error(answer, 422) == "the body: no JSON body was sent"
    answer = post_ack(api, alert_id, b'{"by": 5}')
    assert one_line_error(answer, 422) == "body field 'by': Input should be a valid string"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        (b"", "application/json", 422, "请求体：没有发送 JSON 请求体"),
        (b'{"by": "clerk"}', "text/plain", 422,
         "请求体：未按 JSON 读取：Content-Type 为 'text/plain'，而不是 application/json"),
        (b'{"by": 5}', "application/json", 422, "请求体字段 'by'：应为字符串"),
        (b'{"by": "\xff"}', "application/json", 400, "请求体不是有效的 UTF-8（第 9 字节）"),
        (b"[" * 100_000, "application/json", 400, "请求体：不是有效的 JSON：嵌套层数过多"),
    ],
)  # fmt: skip
def test_a_body_that_cannot_be_read_says_why_in_one_line(
    api: httpx.Client,
    alert: tuple[int, str],
    body: bytes,
    content_type: str,
    status: int,
    detail: str,
) -> None:
    alert_id, _ = alert
    assert one_line_error(post_ack(api, alert_id, body, content_type), status) == detail


def test_other_json_routes_name_the_field_in_chinese(api: httpx.Client) -> None:
    answer = api.post("/api/v1/incidents", json={"title": "x", "colour": "red"}, headers=AUTH)
    assert one_line_error(answer, 422) == "请求体字段 'colour'：不接受此字段"
    answer = api.post("/api/v1/incidents", json={"title": 5, "colour": 1}, headers=AUTH)
    assert one_line_error(answer, 422) == "请求体字段 'title'：应为字符串；另有 1 处问题"
    answer = api.post(
        "/api/v1/incidents",
        content=b'{"title": "x",}',
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert one_line_error(answer, 422).startswith("请求体第 1 行第 15 列：不是有效的 JSON：")


@pytest.mark.parametrize(
    ("method", "path", "body", "detail"),
    [
        ("GET", f"/api/v1/incidents/{2**63}", None, "路径参数 'incident_id'：应小于或等于"),
        ("GET", f"/api/v1/incidents/cases/{2**70}", None, "路径参数 'incident_id'：应小于或等于"),
        ("POST", f"/api/v1/incidents/1/tasks/{2**63}/done", {}, "路径参数 'task_id'：应小于或等于"),
        ("GET", f"/api/v1/reports/{2**63}", None, "路径参数 'report_id'：应小于或等于"),
        ("GET", f"/api/v1/reports?incident={2**63}", None, "查询参数 'incident'：应小于或等于"),
        ("GET", "/api/v1/incidents?limit=-1", None, "查询参数 'limit'：应大于或等于 1"),
        ("GET", "/api/v1/incidents/cases?limit=0", None, "查询参数 'limit'：应大于或等于 1"),
        ("POST", "/api/v1/incidents", {"alert_id": 2**63}, "请求体字段 'alert_id'：应小于或等于"),
        (
            "POST",
            "/api/v1/reports",
            {"kind": "special", "incident": 2**63},
            "请求体字段 'incident'",
        ),
        ("POST", "/api/v1/incidents/1/reports", {"kind": "flash", "corrects": 2**63}, "请求体字段"),
    ],
)
def test_ids_and_limits_out_of_the_stores_range_are_422_not_500(
    api: httpx.Client, method: str, path: str, body: object, detail: str
) -> None:
    """docs18: an id past 2⁶³−1 reached the store (SQLite's OverflowError, a 500)."""
    answer = api.request(method, path, json=body, headers=AUTH)
    assert one_line_error(answer, 422).startswith(detail)


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("/api/v1/incidents", {"tip_channel": "phone", "tip_text": "a\x00b"}, "请求体字段 'tip_text'"),
        ("/api/v1/incidents", {"tip_channel": "phone", "tip_text": "x" * 1_048_577},
         "请求体字段 'tip_text'：最多 1048576 个字符"),
        ("/api/v1/incidents", {"event_ids": ["ev-1\x00"]}, "请求体字段 'event_ids'：Value error, must not contain control"),
        ("/api/v1/incidents", {"event_ids": ["ev-1"] * 1001}, "请求体字段 'event_ids'：列表最多 1000 项，收到 1001 项"),
        ("/api/v1/incidents/1/fact-sheet", {"facts": "ok", "figures": {"n": "\x00"}},
         "请求体字段 'figures'"),
        ("/api/v1/reports", {"kind": "daily", "watch": "a\x00"}, "请求体字段 'watch'"),
    ],
)  # fmt: skip
def test_incident_and_report_bodies_refuse_nul_and_huge_values(
    api: httpx.Client, path: str, body: object, detail: str
) -> None:
    """docs18: a NUL reached PostgreSQL (a 500 there) and a 20 MiB tip was stored."""
    method = "PUT" if path.endswith("fact-sheet") else "POST"
    answer = api.request(method, path, json=body, headers=AUTH)
    assert one_line_error(answer, 422).startswith(detail)


def test_texts_with_windows_line_breaks_and_tabs_are_taken(api: httpx.Client) -> None:
    body = {"tip_channel": "phone", "tip_text": "家长来电：\r\n食堂\t饭菜有异味"}
    answer = api.post("/api/v1/incidents", json=body, headers=AUTH)
    # The body passes; the service then says no plan is loaded in this store.
    assert answer.json()["detail"] == "尚未加载预案：请先加载（yuqing plan load FILE）"


def test_odd_acknowledgement_links_find_nothing(api: httpx.Client) -> None:
    # A page, so the answer is the error page (HTML), not JSON.
    for token in ("%00", "a%00b", "x" * 65, "%E4%B8%AD", "a b"):
        answer = api.get(f"/ack/{token}")
        assert answer.status_code == 404
        assert "没有与此确认链接对应的预警" in answer.text


def test_a_name_with_control_characters_is_cleaned_on_the_link_page(
    api: httpx.Client, alert: tuple[int, str], store: Store
) -> None:
    alert_id, token = alert
    csrf = csrf_of(api.get(f"/ack/{token}").text)  # the link page sets its CSRF cookie
    page = api.post(f"/ack/{token}", data={"by": "李\x00老师\x07", "csrf_token": csrf})
    assert page.status_code == 200
    with Session(store.engine) as session:
        stored = session.get(Alert, alert_id)
        assert stored is not None and stored.acknowledged_by == "link:李老师"


def test_push_source_parameter_problems_are_422(api: httpx.Client) -> None:
    answer = api.post("/api/v1/posts", params={"source": "s" * 257}, json=[], headers=AUTH)
    assert one_line_error(answer, 422).startswith("查询参数 'source'：")


@pytest.mark.parametrize("header", [b"Bearer \xe4\xbb\xa4\xe7\x89\x8c", b"Bearer \xff", b"Basic x"])
def test_an_odd_authorization_header_is_401(api: httpx.Client, header: bytes) -> None:
    answer = api.get("/api/v1/alerts", headers={"Authorization": header})
    assert one_line_error(answer, 401) == "需要有效的 API 令牌（Authorization: Bearer …）"


def test_unknown_paths_and_methods_are_json(api: httpx.Client) -> None:
    assert one_line_error(api.get("/api/v1/nothing", headers=AUTH), 404)
    assert one_line_error(api.delete("/api/v1/alerts", headers=AUTH), 405)
    assert one_line_error(api.get("/api/v1/alerts"), 401)


def test_the_schema_describes_errors_as_they_are(api: httpx.Client) -> None:
    schema = api.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["detail"] and error["properties"]["detail"]["type"] == "string"
    limit = next(
        p for p in schema["paths"]["/api/v1/alerts"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == 1000
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = ("401", "422", "500") if path.startswith("/api/v1/") else ("422", "500")
            for status in statuses:
                ref = operation["responses"][status]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/ErrorOut"}, (path, method, status)
            assert path.startswith("/api/v1/") or "401" not in operation["responses"]


def broken_store_urls(tmp_path: Path) -> dict[str, str]:
    """Stores that fail: a SQLite file never initialized, a PostgreSQL database that is not."""
    return {
        "sqlite": f"sqlite:///{tmp_path / 'never-initialized.db'}",
        "postgresql": PG_ADMIN_URL.rsplit("/", 1)[0] + "/yuqing_no_such_database",
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_failure_inside_is_500_without_traceback_or_sql(
    tmp_path: Path, clock: FrozenClock, backend: str
) -> None:
    url = broken_store_urls(tmp_path)[backend]
    engine = make_engine(url)
    settings = Settings(home=tmp_path, db_url=url)
    web = create_app(engine=engine, clock=clock, settings=settings, api_tokens=[TOKEN])
    try:
        with serving(web) as api:
            for answer in (api.get("/healthz"), api.get("/api/v1/alerts", headers=AUTH)):
                detail = one_line_error(answer, 500)
                assert detail == "内部错误：服务器无法应答，原因见服务器日志"
                assert "Traceback" not in answer.text and "SELECT" not in answer.text
                assert "alembic_version" not in answer.text and "yuqing_no_such" not in answer.text
    finally:
        engine.dispose()


def test_a_push_source_with_a_nul_is_refused_whole(api: httpx.Client, store: Store) -> None:
    answer = api.post(
        "/api/v1/posts", params={"source": "论坛\x00"}, json=[{"text": "明德县食堂"}], headers=AUTH
    )
    assert one_line_error(answer, 422).startswith("查询参数 'source'：")
