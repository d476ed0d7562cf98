"""The `/risks` page through the app (TestClient) on both stores: the month's register
with overdue and missing marks, hostile text escaped, the forms, refusals on the page,
and who may open it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.risks.conftest import Desk
from yuqing.auth.models import AuditEntry
from yuqing.risks import service
from yuqing.risks.models import RiskMonth, RiskPoint

SignedIn = Callable[[str], tuple[TestClient, str]]
HOSTILE = '<script>alert("x")</script>'


def _post(client: TestClient, csrf: str, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf, **data})


def test_the_register_page_marks_and_escapes(desk: Desk, signed_in: SignedIn) -> None:
    late = service.add_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                            title=HOSTILE, lead_department="health", departments=["edu"],
                            measures=f"措施{HOSTILE}", deadline=date(2026, 1, 1))  # fmt: skip
    service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                         risk_id=late.id, effect=f"成效{HOSTILE}")  # fmt: skip
    service.add_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                     title="债务风险", lead_department="health")  # fmt: skip
    desk.session.commit()
    office, _csrf = signed_in("office")
    page = office.get("/risks")
    assert page.status_code == 200
    html = page.text
    assert HOSTILE not in html and "&lt;script&gt;alert(" in html
    assert "风险点台账" in html and "2026-03" in html
    assert "已超时" in html and "本月未报" in html
    assert "/risks/export?month=2026-03&amp;format=xlsx" in html
    assert 'href="/risks"' in office.get("/").text  # the menu entry
    # Another month: nothing recorded then, so both are missing their status.
    february = office.get("/risks?month=2026-02").text
    assert february.count("本月未报") >= 2 and f"成效{HOSTILE}" not in february
    bad = office.get("/risks?month=2026-13")
    assert bad.status_code == 422 and 'role="alert"' in bad.text


def test_the_download_links_answer_a_signed_in_browser(desk: Desk, signed_in: SignedIn) -> None:
    """The page's links went to the API's export, which wants a token: a person signed in
    by cookie got a 401 in JSON (saved as export.json) instead of the workbook."""
    service.add_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                     title="债务风险", lead_department="health")  # fmt: skip
    desk.session.commit()
    office, _csrf = signed_in("office")
    page = office.get("/risks").text
    assert "/api/v1/risks/export" not in page
    for fmt in ("xlsx", "csv"):
        assert f'href="/risks/export?month=2026-03&amp;format={fmt}"' in page
        answer = office.get(f"/risks/export?month=2026-03&format={fmt}")
        assert answer.status_code == 200, answer.text
        disposition = answer.headers["content-disposition"]
        assert disposition == f'attachment; filename="risk-register-2026-03.{fmt}"'
    assert "债务风险" in office.get("/risks/export?format=csv").content.decode("utf-8-sig")
    bad = office.get("/risks/export?format=pdf")
    assert bad.status_code == 422 and "pdf" in bad.text


def test_forms_add_record_close(desk: Desk, signed_in: SignedIn) -> None:
    department, csrf = signed_in("department2")  # health
    added = _post(department, csrf, "/risks", title="院感防控", lead_department="health",
                  departments="edu，", deadline="2026-04-30", month="2026-03")  # fmt: skip
    assert added.status_code == 303 and added.headers["location"] == "/risks?month=2026-03"
    risk_id = desk.session.scalars(select(RiskPoint.id)).one()
    desk.session.rollback()
    page = department.get("/risks").text
    assert f'action="/risks/{risk_id}/month"' in page
    recorded = _post(department, csrf, f"/risks/{risk_id}/month", month="2026-03",
                     effect="平稳", next_steps="继续巡查")  # fmt: skip
    assert recorded.status_code == 303
    replaced = _post(department, csrf, f"/risks/{risk_id}/month", month="2026-03", effect="好转")
    assert replaced.status_code == 303
    rows = desk.session.scalars(select(RiskMonth.effect)).all()
    desk.session.rollback()
    assert rows == ["好转"]
    stale = _post(department, csrf, f"/risks/{risk_id}/status", status="closed", version="9")
    assert stale.status_code == 409 and 'role="alert"' in stale.text
    closed = _post(department, csrf, f"/risks/{risk_id}/status", status="closed",
                   version="1", reason="已化解")  # fmt: skip
    assert closed.status_code == 303
    point = desk.session.get(RiskPoint, risk_id)
    assert point is not None and point.status == "closed"
    desk.session.rollback()
    refused = _post(department, csrf, "/risks", title="x", lead_department="health",
                    deadline="tomorrow")  # fmt: skip
    assert refused.status_code == 422 and "deadline" in refused.text
    assert desk.session.scalars(select(RiskPoint.id)).all() == [risk_id]
    desk.session.rollback()


def test_the_page_edits_a_points_fields_against_its_version(
    desk: Desk, signed_in: SignedIn
) -> None:
    """The page edited only a point's status; its fields changed through the API alone."""
    point = service.add_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                             title="食品安全", lead_department="health", departments=["edu"],
                             owner="王", deadline=date(2026, 4, 30))  # fmt: skip
    risk_id = point.id
    desk.session.commit()
    office, csrf = signed_in("office")
    page = office.get("/risks").text
    assert f'action="/risks/{risk_id}/edit"' in page
    assert f'id="title-{risk_id}" name="title" required maxlength="500" value="食品安全"' in page
    assert 'name="departments" value="edu" checked' in page  # the point's own, ticked
    fields = {"title": f"食品安全{HOSTILE}", "lead_department": "edu", "departments": "health",
              "description": "食堂", "domain": "", "owner": "", "measures": "每周抽查",
              "deadline": "2026-05-31", "month": "2026-03"}  # fmt: skip
    stale = _post(office, csrf, f"/risks/{risk_id}/edit", version="9", **fields)
    assert stale.status_code == 409 and 'role="alert"' in stale.text
    bad = _post(
        office, csrf, f"/risks/{risk_id}/edit", version="1", **{**fields, "deadline": "5月"}
    )
    assert bad.status_code == 422 and "deadline" in bad.text
    desk.session.rollback()
    unchanged = desk.session.get(RiskPoint, risk_id)
    assert unchanged is not None and (unchanged.title, unchanged.version) == ("食品安全", 1)
    desk.session.rollback()
    saved = _post(office, csrf, f"/risks/{risk_id}/edit", version="1", **fields)
    assert saved.status_code == 303 and saved.headers["location"] == "/risks?month=2026-03"
    point = desk.session.get(RiskPoint, risk_id)
    assert point is not None
    assert (point.title, point.lead_department, point.departments) == (
        f"食品安全{HOSTILE}", "edu", ["health"])  # fmt: skip
    assert (point.owner, point.deadline, point.measures) == (None, date(2026, 5, 31), "每周抽查")
    assert point.version == 2
    desk.session.rollback()
    page = office.get("/risks").text
    assert HOSTILE not in page and 'name="version" value="2"' in page
    actions = desk.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    desk.session.rollback()
    assert actions[-1].endswith("changed")  # the edit is on the audit trail, once
    assert sum(a.endswith("changed") for a in actions) == 1


def test_who_opens_the_page(desk: Desk, signed_in: SignedIn) -> None:
    point = service.add_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                             title="食品安全", lead_department="health")  # fmt: skip
    risk_id = point.id
    desk.session.commit()  # and no read on it while the pages write: SQLite would lock them out
    for name in ("monitor", "spokesperson"):
        client, _csrf = signed_in(name)
        assert client.get("/risks").status_code == 403
        assert 'href="/risks"' not in client.get("/").text
    auditor, csrf = signed_in("auditor")
    page = auditor.get("/risks").text
    assert "食品安全" in page and 'action="/risks/' not in page  # reads, no forms
    assert 'method="post" action="/risks"' not in page
    assert _post(auditor, csrf, f"/risks/{risk_id}/month", note="x").status_code == 403
    edu, edu_csrf = signed_in("department")  # edu: not its point
    assert "食品安全" not in edu.get("/risks").text
    assert _post(edu, edu_csrf, f"/risks/{risk_id}/month", note="x").status_code == 404
    assert _post(edu, "wrong", "/risks", title="x", lead_department="edu").status_code == 403
