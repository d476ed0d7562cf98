"""Stored report versions through the API and the pages: generate, edit, sign (frozen,
its hash in the audit trail), correct with a new version, download; and who may do it."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.reports.incident_fixtures import IncidentCase
from tests.web.conftest import csrf_of
from yuqing.auth import audit
from yuqing.auth import service as auth_service
from yuqing.auth.models import AuditEntry
from yuqing.core.clock import FrozenClock
from yuqing.reports import store as report_store
from yuqing.reports.models import ReportVersion

SignedIn = Callable[[str], tuple[TestClient, str]]
DAY = {"from": "2026-03-02", "to": "2026-03-03"}


def token_of(store: Store, clock: FrozenClock, user: str) -> dict[str, str]:
    with Session(store.engine) as session:
        raw, _row = auth_service.create_token(
            session=session, clock=clock, actor="test", user_name=user
        )
        session.commit()
    return {"Authorization": f"Bearer {raw}"}


def api(client: TestClient, store: Store, clock: FrozenClock, user: str) -> Callable[..., Any]:
    headers = token_of(store, clock, user)

    def call(method: str, path: str, **kw: Any) -> Any:
        return client.request(method, path, headers=headers, **kw)

    return call


def test_a_report_is_generated_edited_signed_frozen_and_corrected(
    incident_case: IncidentCase,
    users: list[str],
    client: TestClient,
    store: Store,
    clock: FrozenClock,
) -> None:
    office = api(client, store, clock, "office")
    leader = api(client, store, clock, "leader")
    made = office(
        "POST",
        "/api/v1/reports",
        json={"kind": "initial", "incident": incident_case.incident, "header": {"mark": "内部"}},
    )
    assert made.status_code == 201, made.text
    report = made.json()
    assert (report["status"], report["version"], report["incident_id"]) == (
        "draft",
        1,
        incident_case.incident,
    )
    assert report["sections"]["cause"] == "食材储存不当，冷库温控失灵"  # the incident's draft

    rid = report["id"]
    edited = office("PATCH", f"/api/v1/reports/{rid}", json={"sections": {"trend": "热度下降"}})
    assert edited.status_code == 200 and edited.json()["sections"]["trend"] == "热度下降"
    bad = office("PATCH", f"/api/v1/reports/{rid}", json={"sections": {"salary": "x"}})
    assert bad.status_code == 422 and "salary" in bad.json()["detail"]

    assert office("POST", f"/api/v1/reports/{rid}/sign").status_code == 403  # office drafts
    signed = leader("POST", f"/api/v1/reports/{rid}/sign")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    digest = signed.json()["content_hash"]
    with Session(store.engine) as session:
        row = session.get(ReportVersion, rid)
        assert row is not None and report_store.content_hash(row) == digest
        entry = session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "report.signed", AuditEntry.target == f"report:{rid}"
            )
        )
        assert entry is not None and entry.after["content_hash"] == digest
        assert entry.actor == "leader"
        assert audit.verify(session=session).problem is None

    frozen = office("PATCH", f"/api/v1/reports/{rid}", json={"sections": {"trend": "改"}})
    assert frozen.status_code == 409 and "签发" in frozen.json()["detail"]
    assert leader("POST", f"/api/v1/reports/{rid}/sign").status_code == 409

    corrected = office("POST", f"/api/v1/reports/{rid}/corrections")
    assert corrected.status_code == 201
    assert (corrected.json()["version"], corrected.json()["corrects"]) == (2, rid)
    assert corrected.json()["sections"]["trend"] == "热度下降"
    assert office("GET", f"/api/v1/reports/{rid}").json()["content_hash"] == digest

    listed = office("GET", f"/api/v1/reports?incident={incident_case.incident}").json()
    assert [r["version"] for r in listed["data"]] == [2, 1] and listed["count"] == 2

    pdf = office("GET", f"/api/v1/reports/{rid}/download?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    word = office("GET", f"/api/v1/reports/{rid}/download?format=docx")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "热度下降" in text and "初次报告" in text
    assert office("GET", f"/api/v1/reports/{rid}/download?format=odt").status_code == 422
    assert office("GET", "/api/v1/reports/999").status_code == 404


def test_a_period_report_is_stored_with_its_period(
    incident_case: IncidentCase,
    users: list[str],
    client: TestClient,
    store: Store,
    clock: FrozenClock,
) -> None:
    office = api(client, store, clock, "office")
    made = office("POST", "/api/v1/reports", json={"kind": "daily", **DAY})
    assert made.status_code == 201, made.text
    body = made.json()
    start = datetime.fromisoformat(body["period_start"])
    assert start == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    assert "共发布帖文 3 条" in body["sections"]["summary"]
    rid = body["id"]
    office("PATCH", f"/api/v1/reports/{rid}", json={"sections": {"remarks": "请各部门关注"}})
    data = office("GET", f"/api/v1/reports/{rid}/download?format=json").json()
    assert data["posts"] == 3 and data["sections"]["remarks"] == "请各部门关注"
    html = office("GET", f"/api/v1/reports/{rid}/download?format=html").text
    assert "请各部门关注" in html

    for payload, message in (
        ({"kind": "closing"}, "需要 --incident"),
        ({"kind": "daily", "incident": incident_case.incident}, "周期报告不能使用 --incident"),
        ({"kind": "yearly"}, "未知报告类型"),
        ({"kind": "flash", "incident": 999}, "没有事件 999"),
        ({"kind": "daily", "from": "2026-03-03", "to": "2026-03-02"}, "时段颠倒"),
        ({"kind": "daily", "header": {"colour": "red"}}, "colour"),
    ):
        answer = office("POST", "/api/v1/reports", json=payload)
        assert answer.status_code in (404, 422) and message in answer.json()["detail"], payload
    with Session(store.engine) as session:
        assert len(session.scalars(select(ReportVersion)).all()) == 1  # nothing half-made
    again = office("POST", "/api/v1/reports", json={"kind": "daily", **DAY})
    assert again.json()["version"] == 2  # the same period and scope: its next version


def test_the_pages_generate_edit_sign_and_correct(
    incident_case: IncidentCase, signed_in: SignedIn
) -> None:
    office, csrf = signed_in("office")
    answer = office.post(
        "/reports",
        data={"kind": "flash", "incident": str(incident_case.incident), "csrf_token": csrf},
    )
    assert answer.status_code == 303, answer.text
    page_path = answer.headers["location"]
    page = office.get(page_path)
    assert page.status_code == 200 and "<h1>" in page.text and "舆情快报" in page.text
    # The flash report's text is what happened and the first measures (快报事实).
    assert 'name="content"' in page.text and 'name="cause"' not in page.text
    assert "/sign" not in page.text  # office cannot sign
    edited = office.post(
        f"{page_path}/edit",
        data={"content": "<script>x</script>原因待查", "csrf_token": csrf},
    )
    assert edited.status_code == 303
    page = office.get(page_path)
    assert "&lt;script&gt;x&lt;/script&gt;原因待查" in page.text
    assert office.post(f"{page_path}/edit", data={"content": "x"}).status_code == 403  # no CSRF

    preview = office.get(f"{page_path}/preview")
    assert preview.status_code == 200 and "原因待查" in preview.text
    assert "<script>x" not in preview.text
    csp = preview.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert preview.headers["x-frame-options"] == "DENY"
    assert preview.headers["x-content-type-options"] == "nosniff"
    assert office.get(f"{page_path}/download/pdf").content.startswith(b"%PDF")

    leader, leader_csrf = signed_in("leader")
    assert 'action="' + page_path + '/sign"' in leader.get(page_path).text
    signed = leader.post(f"{page_path}/sign", data={"csrf_token": leader_csrf})
    assert signed.status_code == 303
    page = leader.get(page_path)
    assert "SHA-256" in page.text and 'name="content"' not in page.text
    refused = office.post(f"{page_path}/edit", data={"content": "y", "csrf_token": csrf})
    assert refused.status_code == 409 and "已签发" in refused.text

    corrected = office.post(f"{page_path}/correct", data={"csrf_token": csrf})
    assert corrected.status_code == 303 and corrected.headers["location"] != page_path
    listing = office.get("/reports")
    assert listing.status_code == 200 and listing.text.count("/reports/") >= 2


# Every report route: who may use it. Others get 403; anonymous visitors 401 / the login.
# A department user only on their own department's period reports
# (tests/reports/pages/test_department_report_pages.py).
READ = ("admin", "auditor", "department", "leader", "office")
WRITE = ("admin", "department", "leader", "office")
SIGN = ("admin", "leader")
ROUTES: list[tuple[str, str, tuple[str, ...], dict[str, Any]]] = [
    ("GET", "/api/v1/reports", READ, {}),
    ("POST", "/api/v1/reports", WRITE, {"json": {"kind": "daily", **DAY}}),
    ("GET", "/api/v1/reports/{id}", READ, {}),
    ("PATCH", "/api/v1/reports/{id}", WRITE, {"json": {"sections": {"remarks": "x"}}}),
    ("POST", "/api/v1/reports/{id}/sign", SIGN, {}),
    ("POST", "/api/v1/reports/{id}/corrections", WRITE, {}),
    ("GET", "/api/v1/reports/{id}/download?format=json", READ, {}),
    ("GET", "/reports", READ, {}),
    ("POST", "/reports", WRITE, {"data": {"kind": "daily", "start": "2026-03-02"}}),
    ("GET", "/reports/{id}", READ, {}),
    ("GET", "/reports/{id}/preview", READ, {}),
    ("POST", "/reports/{id}/edit", WRITE, {"data": {"remarks": "x"}}),
    ("POST", "/reports/{id}/sign", SIGN, {}),
    ("POST", "/reports/{id}/correct", WRITE, {}),
    ("POST", "/reports/{id}/propose-summary", WRITE, {}),
    ("GET", "/reports/{id}/download/json", READ, {}),
]


def _report(store: Store, clock: FrozenClock) -> int:
    with Session(store.engine) as session:
        leader = auth_service.actor_of(
            auth_service.get_user_or_raise(session=session, name="leader")
        )
        version = report_store.create(
            session=session,
            clock=clock,
            actor=leader,
            subject=report_store.Subject(kind="bulletin"),
        )
        session.commit()
        return version.id


def test_every_report_route_is_in_the_table(client: TestClient) -> None:
    listed = {(m, p.split("?")[0].replace("{id}", "{report_id}")) for m, p, _r, _k in ROUTES}
    schema = client.get("/api/v1/openapi.json").json()["paths"]
    found = {
        (method.upper(), path)
        for path, methods in schema.items()
        if path.startswith(("/api/v1/reports", "/reports"))
        # Scheduled reports' files and runs have their rows in tests/web/test_authorization.py.
        and not path.startswith(("/reports/files/", "/reports/runs/"))
        for method in methods
    }
    found.add(("GET", "/reports/{report_id}/download/{fmt}"))
    listed = {(m, p.replace("/download/json", "/download/{fmt}")) for m, p in listed}
    assert found - listed == set()


@pytest.mark.parametrize(
    ("method", "path", "roles", "kw"), ROUTES, ids=[f"{m} {p}" for m, p, _r, _k in ROUTES]
)
def test_each_report_route_refuses_anonymous_and_wrong_roles(
    method: str,
    path: str,
    roles: tuple[str, ...],
    kw: dict[str, Any],
    signed_in: SignedIn,
    client: TestClient,
    store: Store,
    clock: FrozenClock,
) -> None:
    path = path.replace("{id}", str(_report(store, clock)))
    is_api = path.startswith("/api/")
    csrf = csrf_of(client.get("/login").text)
    if is_api:
        anonymous = client.request(method, path, **kw)
    elif method == "POST":
        anonymous = client.post(path, data={**kw.get("data", {}), "csrf_token": csrf})
    else:
        anonymous = client.get(path)
    if is_api:
        assert anonymous.status_code == 401
    else:
        assert (anonymous.status_code, anonymous.headers.get("location")) == (303, "/login")

    for role in [r for r in ("monitor", "auditor", "office") if r not in roles]:
        user_client, user_csrf = signed_in(role)
        if is_api:
            answer = user_client.request(method, path, headers=token_of(store, clock, role), **kw)
        else:
            form = {**kw.get("data", {}), "csrf_token": user_csrf}
            answer = (
                user_client.request(method, path, data=form)
                if method == "POST"
                else (user_client.get(path))
            )
        assert answer.status_code == 403, (role, answer.text)


def test_the_forms_example_dates_come_from_the_clock(
    signed_in: SignedIn, clock: FrozenClock
) -> None:
    # 00:30 on 15 July in Shanghai is still 14 July in UTC: the plan's (or the
    # deployment's) days count, and yesterday's daily report is the example.
    clock.set(datetime(2026, 7, 14, 16, 30, tzinfo=UTC))
    office, _csrf = signed_in("office")
    page = office.get("/reports").text
    assert 'name="start" placeholder="2026-07-14"' in page
    assert 'name="end" placeholder="2026-07-15"' in page
