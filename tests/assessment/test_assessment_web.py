"""`/assessment` and `/api/v1/assessment`: who may read it, the figures, the workbook."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.assessment.conftest import Scenario
from yuqing.auth import service as auth_service
from yuqing.incidents.models import Incident

Open = Callable[[str], tuple[TestClient, str]]
DAY = "from=2026-03-02&to=2026-03-03"
API = "/api/v1/assessment"


def _bearer(scenario: Scenario, role: str) -> dict[str, str]:
    """An API token of a user of `role` (made here: the page tests sign in instead)."""
    w = scenario.world
    name = f"api_{role}"
    w.add(name, role, "edu" if role == "department" else None)
    raw, _row = auth_service.create_token(
        session=w.session, clock=w.clock, actor="test", user_name=name
    )
    w.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_the_page_shows_the_tables_and_the_items(scenario: Scenario, signed_in: Open) -> None:
    w = scenario.world
    incident = w.session.get(Incident, scenario.a)
    assert incident is not None
    incident.title = "<script>alert(1)</script>食堂"  # a title anyone typed, escaped
    w.session.commit()
    w.session.close()
    client, _csrf = signed_in("auditor")
    page = client.get(f"/assessment?{DAY}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert 'href="/assessment"' in html  # in the menu
    assert f'href="/incidents/{scenario.a}"' in html and 'href="/events/ev-3"' in html
    assert "25.0%" in html and "monitor1" in html
    assert 'href="/assessment/xlsx?from=2026-03-02&amp;to=2026-03-03' in html


def test_the_items_name_reports_and_fields_in_words(scenario: Scenario, signed_in: Open) -> None:
    """The items showed the clocks' keys (report:flash) and a correction's field keys
    (harm) where a person reads 快报 and 危害程度."""
    client, _csrf = signed_in("auditor")
    html = client.get(f"/assessment?{DAY}").text
    assert "report:" not in html and " · harm" not in html
    assert "快报" in html and "专报" in html and "危害" in html


def test_people_are_shown_by_name(scenario: Scenario, signed_in: Open, client: TestClient) -> None:
    """The people table and the items showed sign-in names (duty_office) where a person
    reads 值班室小王; the sign-in name stays beside it, and the API keeps it as the id."""
    w = scenario.world
    auth_service.update_user(
        session=w.session, clock=w.clock, actor="test",
        user=auth_service.get_user_or_raise(session=w.session, name="duty_office"),
        display_name="值班室小王",
    )  # fmt: skip
    w.session.commit()
    page_client, _csrf = signed_in("auditor")
    html = page_client.get(f"/assessment?{DAY}").text
    assert '<th scope="row">值班室小王</th><td>duty_office</td>' in html
    assert '<span title="duty_office">值班室小王</span>' in html
    assert '<span title="monitor1">monitor1</span>' in html  # no display name: as signed in
    client.headers.update(_bearer(scenario, "office"))
    data = client.get(f"{API}?{DAY}&by=person").json()
    clerk = next(p for p in data["people"] if p["person"] == "duty_office")
    assert clerk["name"] == "值班室小王"
    corrected = next(i for i in data["items"] if i["kind"] == "corrected")
    assert (corrected["person"], corrected["person_name"]) == ("duty_office", "值班室小王")


def test_a_bad_period_is_said_on_the_page(scenario: Scenario, signed_in: Open) -> None:
    client, _csrf = signed_in("leader")
    page = client.get("/assessment?from=2026-03-03&to=2026-03-02")
    assert page.status_code == 400
    assert 'role="alert"' in page.text and "--from" in page.text


@pytest.mark.parametrize("name", ["department", "monitor", "spokesperson"])
def test_others_may_not_read_it(
    scenario: Scenario, signed_in: Open, client: TestClient, name: str
) -> None:
    page_client, _csrf = signed_in(name)
    assert page_client.get("/assessment").status_code == 403
    assert page_client.get("/assessment/xlsx").status_code == 403
    headers = _bearer(scenario, name)
    assert client.get(API, headers=headers).status_code == 403
    assert client.get(f"{API}/xlsx", headers=headers).status_code == 403


def test_the_api_and_its_workbook(scenario: Scenario, signed_in: Open, client: TestClient) -> None:
    client.headers.update(_bearer(scenario, "office"))
    data = client.get(f"/api/v1/assessment?{DAY}&by=person").json()
    assert data["departments"] == [] and data["total"]["reports_due"] == 9
    assert {p["person"] for p in data["people"]} >= {"monitor1", "duty_office"}
    both = client.get(f"/api/v1/assessment?{DAY}&department=edu").json()
    assert [d["department"] for d in both["departments"]] == ["edu"]
    for query, field in (("by=team", "by"), ("year=1999", "year"), ("from=nonsense", "from")):
        refused = client.get(f"{API}?{query}")
        assert refused.status_code == 422 and field in refused.text, refused.text
    download = client.get(f"/api/v1/assessment/xlsx?{DAY}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="assessment-20260302-20260303.xlsx"' in download.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    items = list(book[book.sheetnames[2]].iter_rows(min_row=2, values_only=True))
    assert any(str(r[-1]).endswith(f"/incidents/{scenario.a}") for r in items)
    page_client, _csrf = signed_in("office")
    assert page_client.get(f"/assessment/xlsx?{DAY}").status_code == 200
