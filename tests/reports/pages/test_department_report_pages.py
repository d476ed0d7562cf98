"""Department reports through the API and the pages: a department user (role
`department`) writes and reads the period reports of their own department only; the
others choose any department, or none."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.reports.pages.test_report_pages import DAY, ROUTES, SignedIn, api, token_of
from tests.web.pages_data import fill
from yuqing.auth import service as auth_service
from yuqing.core.clock import FrozenClock
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text
from yuqing.reports import store as report_store

# `fill` routes the canteen event (three posts on 2 March, Shanghai) to "edu".
EDU_DAY = {"kind": "daily", **DAY}


@pytest.fixture
def filled(store: Store, clock: FrozenClock, users: list[str]) -> Store:
    fill(store, clock)
    return store


def _made_by(store: Store, clock: FrozenClock, user: str, **subject: Any) -> int:
    with Session(store.engine) as session:
        actor = auth_service.actor_of(auth_service.get_user_or_raise(session=session, name=user))
        version = report_store.create(
            session=session,
            clock=clock,
            actor=actor,
            subject=report_store.Subject(**{"kind": "daily", **subject}),
        )
        session.commit()
        return version.id


def test_a_department_user_writes_and_reads_their_departments_reports(
    filled: Store, client: TestClient, clock: FrozenClock
) -> None:
    edu = api(client, filled, clock, "department")
    made = edu("POST", "/api/v1/reports", json=EDU_DAY)  # no department: theirs
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["department"] == "edu" and "部门“edu”" in body["title"]
    assert "共发布帖文 3 条" in body["sections"]["summary"]
    rid = body["id"]
    data = edu("GET", f"/api/v1/reports/{rid}/download?format=json").json()
    assert (data["department"], data["posts"], data["events"]) == ("edu", 3, 1)
    edited = edu("PATCH", f"/api/v1/reports/{rid}", json={"sections": {"remarks": "已核实"}})
    assert edited.status_code == 200
    assert edu("POST", f"/api/v1/reports/{rid}/sign").status_code == 403  # leaders sign

    for payload in (
        {**EDU_DAY, "department": "health"},  # another department's
        {"kind": "flash", "incident": 1},  # an incident's report
    ):
        refused = edu("POST", "/api/v1/reports", json=payload)
        assert refused.status_code == 403, payload

    health = api(client, filled, clock, "department2")
    assert health("GET", f"/api/v1/reports/{rid}").status_code == 403
    assert health("GET", f"/api/v1/reports/{rid}/download?format=json").status_code == 403
    assert health("GET", "/api/v1/reports").json()["count"] == 0
    # The office reports on any department, or on the whole organization.
    office = api(client, filled, clock, "office")
    whole = office("POST", "/api/v1/reports", json=EDU_DAY).json()["id"]
    theirs = office("POST", "/api/v1/reports", json={**EDU_DAY, "department": "health"})
    assert theirs.status_code == 201 and theirs.json()["department"] == "health"
    assert office("GET", "/api/v1/reports").json()["count"] == 3
    by_edu = office("GET", "/api/v1/reports?department=edu").json()
    assert [r["id"] for r in by_edu["data"]] == [rid]
    listed = edu("GET", "/api/v1/reports").json()
    assert [r["id"] for r in listed["data"]] == [rid]
    assert edu("GET", f"/api/v1/reports/{whole}").status_code == 403
    unknown = office("POST", "/api/v1/reports", json={**EDU_DAY, "department": "water"})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "未知部门“water”"


def test_the_plan_letting_departments_see_all_opens_the_whole_organizations_reports(
    filled: Store, client: TestClient, clock: FrozenClock
) -> None:
    whole = _made_by(filled, clock, "office", **_period())
    health_only = _made_by(filled, clock, "office", department="health", **_period())
    edu = api(client, filled, clock, "department")
    assert edu("GET", f"/api/v1/reports/{whole}").status_code == 403
    text = example_plan_text("county_bureau").replace(
        "response:", "response:\n  departments_see_all: true", 1
    )
    with Session(filled.engine) as session:
        plan_service.load(session=session, clock=clock, author="test", text=text,
                          source_name="plan.yaml")  # fmt: skip
        session.commit()
    assert edu("GET", f"/api/v1/reports/{whole}").status_code == 200
    # Another department's report lists that department's incidents: still theirs only.
    assert edu("GET", f"/api/v1/reports/{health_only}").status_code == 403
    made = edu("POST", "/api/v1/reports", json=EDU_DAY)  # no department: the whole
    assert made.status_code == 201 and made.json()["department"] is None
    listed = {r["id"] for r in edu("GET", "/api/v1/reports").json()["data"]}
    assert listed == {whole, made.json()["id"]}


def _period() -> dict[str, Any]:
    from yuqing.monitor.timeparse import parse_time

    return {
        "start": parse_time(DAY["from"], field="from"),
        "end": parse_time(DAY["to"], field="to"),
    }


def test_the_form_offers_the_users_department_and_the_heading_names_it(
    filled: Store, signed_in: SignedIn
) -> None:
    edu, csrf = signed_in("department")
    page = edu.get("/reports")
    assert page.status_code == 200
    assert '<option value="edu">部门“edu”</option>' in page.text
    assert 'value="health"' not in page.text and "全单位" not in page.text
    assert 'name="incident"' not in page.text  # period reports only
    assert "/reports/runs/" not in page.text  # the scheduled runs are the organization's
    made = edu.post("/reports", data={"kind": "daily", "start": "2026-03-02", "end": "2026-03-03",
                                      "department": "edu", "csrf_token": csrf})  # fmt: skip
    assert made.status_code == 303, made.text
    report = edu.get(made.headers["location"])
    assert report.status_code == 200 and "舆情日报（部门“edu”）" in report.text
    preview = edu.get(made.headers["location"] + "/preview")
    assert "<h1>舆情日报（部门“edu”）</h1>" in preview.text
    refused = edu.post("/reports", data={"kind": "daily", "department": "health",
                                         "csrf_token": csrf})  # fmt: skip
    assert refused.status_code == 403 and "这属于其他部门" in refused.text

    office, _csrf = signed_in("office")
    page = office.get("/reports")
    assert '<option value="">全单位</option>' in page.text
    assert '<option value="health">部门“health”</option>' in page.text
    assert '<option value="basic_edu">基础教育股</option>' in page.text  # a unit of the plan
    other = office.get(made.headers["location"])
    assert other.status_code == 200  # the office reads every department's


# Each report route a department user may use, on a report of department "edu": user
# "department2" (department "health") is refused.
DEPARTMENT_ROUTES = [r for r in ROUTES if "department" in r[2] and "{id}" in r[1]]


def test_every_report_route_names_the_department_role() -> None:
    assert len(DEPARTMENT_ROUTES) >= 8
    signing = [r for r in ROUTES if r[1].endswith("/sign")]
    assert signing and all("department" not in r[2] for r in signing)


@pytest.mark.parametrize(
    ("method", "path", "roles", "kw"),
    DEPARTMENT_ROUTES,
    ids=[f"{m} {p}" for m, p, _r, _k in DEPARTMENT_ROUTES],
)
def test_a_wrong_department_is_refused_on_each_report_route(
    method: str,
    path: str,
    roles: tuple[str, ...],
    kw: dict[str, Any],
    filled: Store,
    signed_in: SignedIn,
    client: TestClient,
    clock: FrozenClock,
) -> None:
    rid = _made_by(filled, clock, "department", **_period())
    if path.endswith(("/corrections", "/correct")):  # a correction is of a signed one
        with Session(filled.engine) as session:
            leader = auth_service.actor_of(
                auth_service.get_user_or_raise(session=session, name="leader")
            )
            report_store.sign(session=session, clock=clock, actor=leader, report_id=rid)
            session.commit()
    path = path.replace("{id}", str(rid))
    for user, allowed in (("department2", False), ("department", True)):
        if path.startswith("/api/"):
            answer = client.request(method, path, headers=token_of(filled, clock, user), **kw)
        else:
            user_client, csrf = signed_in(user)
            form = {**kw.get("data", {}), "csrf_token": csrf}
            answer = (
                user_client.post(path, data=form) if method == "POST" else user_client.get(path)
            )
        if allowed:
            assert answer.status_code not in (401, 403), (user, answer.text)
        else:
            assert answer.status_code == 403, (user, answer.text)
