"""`/api/v1/risks…` on both stores: each user with their own API token."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from tests.risks.conftest import Desk
from yuqing.auth import service as auth_service

BASE = "/api/v1/risks"


@pytest.fixture
def as_(desk: Desk) -> dict[str, dict[str, str]]:
    headers = {}
    for name in ("office", "leader", "auditor", "monitor", "department", "department2"):
        raw, _row = auth_service.create_token(
            session=desk.session, clock=desk.clock, actor="test", user_name=name
        )
        headers[name] = {"Authorization": f"Bearer {raw}"}
    desk.session.commit()
    return headers


def test_the_register_through_the_api(client: TestClient, as_: dict[str, dict[str, str]]) -> None:
    body = {"title": "院感防控", "lead_department": "health", "departments": ["edu"],
            "deadline": "2026-02-28", "measures": "每周巡查"}  # fmt: skip
    created = client.post(BASE, json=body, headers=as_["office"])
    assert created.status_code == 201, created.text
    point = created.json()
    url = f"{BASE}/{point['id']}"
    listed = client.get(BASE, headers=as_["department"]).json()  # edu shares it
    assert listed["month"] == "2026-03" and listed["count"] == 1
    assert listed["data"][0]["overdue"] and listed["data"][0]["month_missing"]
    month = client.put(f"{url}/months", json={"effect": "平稳"}, headers=as_["department2"])
    assert month.status_code == 200 and month.json()["month"] == "2026-03"
    again = client.put(f"{url}/months", json={"effect": "好转"}, headers=as_["department2"])
    assert again.json()["effect"] == "好转"
    detail = client.get(url, headers=as_["auditor"]).json()
    assert [m["effect"] for m in detail["months"]] == ["好转"]
    patched = client.patch(url, json={"expected_version": 1, "status": "mitigated",
                                      "deadline": None}, headers=as_["leader"])  # fmt: skip
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert patched.json()["deadline"] is None
    stale = client.patch(url, json={"expected_version": 1, "title": "x"}, headers=as_["office"])
    assert stale.status_code == 409
    closed = client.post(f"{url}/close", json={"reason": "已化解"}, headers=as_["office"])
    assert closed.json()["status"] == "closed"
    reopened = client.post(f"{url}/reopen", json={}, headers=as_["office"])
    assert reopened.json()["status"] == "open"
    assert client.get(f"{BASE}?missing=true", headers=as_["office"]).json()["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},  # no title nor lead
        {"title": "x", "lead_department": "health", "colour": "red"},  # unknown key
        {"title": "x", "lead_department": "health", "deadline": "2026-02-30"},
        {"title": "x\u0000", "lead_department": "health"},
        {"title": "x", "lead_department": "nowhere"},
        {"title": "x", "lead_department": "health", "departments": "edu"},
        {"title": ["x"], "lead_department": "health"},
    ],
)
def test_bad_bodies_are_422(
    client: TestClient, as_: dict[str, dict[str, str]], body: dict[str, object]
) -> None:
    answer = client.post(BASE, json=body, headers=as_["office"])
    assert answer.status_code == 422, answer.text
    assert "\n" not in answer.json()["detail"]


def test_bad_queries_and_months_are_422(client: TestClient, as_: dict[str, dict[str, str]]) -> None:
    risk_id = client.post(BASE, json={"title": "x", "lead_department": "health"},
                          headers=as_["office"]).json()["id"]  # fmt: skip
    assert client.get(f"{BASE}?month=2026-13", headers=as_["office"]).status_code == 422
    assert client.get(f"{BASE}?status=gone", headers=as_["office"]).status_code == 422
    assert client.get(f"{BASE}/export?format=pdf", headers=as_["office"]).status_code == 422
    bad = client.put(f"{BASE}/{risk_id}/months", json={"month": "2026-3", "note": "x"},
                     headers=as_["office"])  # fmt: skip
    assert bad.status_code == 422
    assert client.get(f"{BASE}/{2**63}", headers=as_["office"]).status_code == 422


def test_roles_403_and_404(client: TestClient, as_: dict[str, dict[str, str]]) -> None:
    body = {"title": "债务风险", "lead_department": "health"}
    assert client.post(BASE, json=body, headers=as_["monitor"]).status_code == 403
    assert client.post(BASE, json=body, headers=as_["auditor"]).status_code == 403
    assert client.post(BASE, json=body, headers=as_["department"]).status_code == 403
    assert client.get(BASE).status_code == 401
    risk_id = client.post(BASE, json=body, headers=as_["office"]).json()["id"]
    url = f"{BASE}/{risk_id}"
    assert client.get(url, headers=as_["department"]).status_code == 404  # not edu's
    assert client.get(url, headers=as_["department2"]).status_code == 200  # health leads
    assert client.get(f"{BASE}/999", headers=as_["office"]).status_code == 404
    assert client.get(BASE, headers=as_["monitor"]).status_code == 403
    assert client.patch(url, json={"title": "y"}, headers=as_["auditor"]).status_code == 403


def test_export_downloads(client: TestClient, as_: dict[str, dict[str, str]]) -> None:
    client.post(BASE, json={"title": "=HYPERLINK(1)", "lead_department": "health"},
                headers=as_["office"])  # fmt: skip
    xlsx = client.get(f"{BASE}/export?month=2026-03", headers=as_["auditor"])
    assert xlsx.status_code == 200
    assert "risk-register-2026-03.xlsx" in xlsx.headers["content-disposition"]
    assert zipfile.ZipFile(io.BytesIO(xlsx.content)).testzip() is None
    csv = client.get(f"{BASE}/export?format=csv", headers=as_["auditor"])
    text = csv.content.decode("utf-8-sig")
    assert text.startswith("序号,存在风险点") and "'=HYPERLINK(1)" in text
