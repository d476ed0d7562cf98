"""Every route, as anonymous, with a wrong role and from a wrong department.

The table below lists each route with the roles that may use it and, for routes that
show one department's things, a department that may and one that may not. A route
missing from the table (and not in PUBLIC) fails `test_every_route_is_in_the_table`:
add a row when you add a route.

The incident routes check role, department and confidentiality in the incidents service
(incidents/service/access.py), not in a route dependency: their rows say so
(`in_service`), they are refused to anonymous visitors here, a wrong department is
refused below (`test_a_department_reaches_only_its_own_incidents`), and the roles of each
step are tested in tests/incidents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.reports.pages.test_report_pages import ROUTES as REPORT_ROUTES
from tests.web.conftest import csrf_of
from tests.web.pages_data import EVENT, OTHER, fill
from yuqing.auth import service
from yuqing.auth.schemas import ROLES
from yuqing.core.clock import FrozenClock

ALL = frozenset(ROLES)
FEED = ("admin", "office", "leader", "monitor")
ALERTS = ("admin", "office", "leader", "monitor", "department", "spokesperson")
RISKS = ("admin", "office", "leader", "department", "auditor")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as requested (ids filled in)
    template: str  # as registered
    roles: frozenset[str]
    # For department-scoped routes: the path of something routed to department "edu",
    # which user "department2" (department "health") must not reach.
    other_department: str | None = None
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    in_service: bool = False  # role checked by the service the route calls (see above)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")


def route(
    method: str,
    path: str,
    roles: frozenset[str] | tuple[str, ...],
    template: str | None = None,
    **kw: Any,
) -> Route:
    return Route(method, path, template or path, frozenset(roles), **kw)


ROUTES: list[Route] = [
    route("GET", "/", ALL),
    route("POST", "/account/language", ALL, form={"language": "en"}),
    route(
        "GET", "/api/v1/alerts", ("admin", "office", "leader", "monitor", "spokesperson", "auditor")
    ),
    route(
        "POST",
        "/api/v1/alerts/1/ack",
        ("admin", "office", "leader", "monitor"),
        template="/api/v1/alerts/{alert_id}/ack",
        json={"by": "x"},
    ),
    route("POST", "/api/v1/posts", ("admin", "office", "monitor"), json=[]),
    route("GET", "/dashboard/volume.json", ALL),
    route("GET", "/dashboard/stream?polls=1", ALL, template="/dashboard/stream"),
    route("GET", "/feed", FEED),
    route("GET", "/feed/stream?polls=1", FEED, template="/feed/stream"),
    route("POST", "/feed/1/review", FEED, template="/feed/{pk}/review", form={"verdict": "confirmed"}),
    route("POST", "/feed/1/tag", FEED, template="/feed/{pk}/tag", form={"tag": "x"}),
    route("POST", "/feed/1/sentiment", FEED, template="/feed/{pk}/sentiment", form={"label": "neutral"}),
    route("GET", "/alerts", ALERTS),
    route("POST", "/alerts/1/ack", ("admin", "office", "leader", "monitor", "department"),
          template="/alerts/{alert_id}/ack"),
    route("GET", "/search?q=食堂", FEED, template="/search"),
    route("GET", "/search.csv?q=食堂", FEED, template="/search.csv"),
    route("GET", "/admin/watches", ("admin", "office")),
    route("GET", "/admin/watches/check?rule=a", ("admin", "office"), template="/admin/watches/check"),
    route("POST", "/admin/watches", ("admin", "office"), form={"name": "w", "rule": "食堂"}),
    route("GET", "/admin/sources", ("admin",)),
    route("POST", "/admin/sources", ("admin",),
          form={"name": "县论坛", "kind": "rss", "url": "http://127.0.0.1:9/feed"}),
    route("POST", "/admin/sources/x/enabled", ("admin",), template="/admin/sources/{name}/enabled",
          form={"enabled": "false"}),
    route("POST", "/admin/sources/x/test", ("admin",), template="/admin/sources/{name}/test"),
    route("GET", "/audit", ("admin", "auditor")),
    route("GET", "/admin/users", ("admin",)),
    route("POST", "/admin/users", ("admin",),
          form={"name": "new", "role": "monitor", "password": "a long password"}),
    route("POST", "/admin/users/monitor", ("admin",), template="/admin/users/{name}",
          form={"role": "monitor"}),
    route("POST", "/admin/departments", ("admin",), form={"name": "water"}),
    route("POST", "/admin/tokens", ("admin",), form={"user_name": "monitor"}),
    route("POST", "/admin/tokens/999/revoke", ("admin",), template="/admin/tokens/{token_id}/revoke"),
    route("GET", "/plan", ("admin", "office", "leader", "auditor")),
    route("GET", "/admin/report-templates", ("admin",)),
    route("POST", "/admin/report-templates", ("admin",),
          form={"kind": "daily", "source": "<p>{{ title }}</p>"}),
    route("GET", "/reports/files/999", ("admin", "office", "leader", "monitor", "auditor"),
          template="/reports/files/{file_id}"),
    route("GET", "/reports/runs/999", ("admin", "office", "leader", "auditor"),
          template="/reports/runs/{run_id}"),
    route("POST", "/plan", ("admin", "office")),
    # The assessment (merged from assess19 without rows here): names people of every
    # department, so no department user.
    *(route("GET", path, ("admin", "office", "leader", "auditor"))
      for path in ("/assessment", "/assessment/xlsx", "/api/v1/assessment",
                   "/api/v1/assessment/xlsx")),
    # A drill's score: outside a sandbox (as here) the page is not found, to its roles only.
    route("GET", "/drill", ("admin", "office", "leader", "auditor")),
    # The risk register: the page's roles here; which points a department or an auditor
    # may write is the service's (tests/risks), and so are the API's roles.
    route("GET", "/risks", RISKS),
    route("GET", "/risks/export", RISKS),
    route("POST", "/risks", RISKS, form={"title": "x", "lead_department": "edu"}),
    route("POST", "/risks/1/edit", RISKS, template="/risks/{risk_id}/edit",
          form={"title": "x", "lead_department": "edu"}),
    route("POST", "/risks/1/month", RISKS, template="/risks/{risk_id}/month", form={"note": "x"}),
    route("POST", "/risks/1/status", RISKS, template="/risks/{risk_id}/status",
          form={"status": "mitigated"}),
    *(
        route(method, path.replace("{risk_id}", "1"), RISKS, template=path, in_service=True,
              json={})
        for method, path in (
            ("GET", "/api/v1/risks"), ("POST", "/api/v1/risks"), ("GET", "/api/v1/risks/export"),
            ("GET", "/api/v1/risks/{risk_id}"), ("PATCH", "/api/v1/risks/{risk_id}"),
            ("PUT", "/api/v1/risks/{risk_id}/months"), ("POST", "/api/v1/risks/{risk_id}/close"),
            ("POST", "/api/v1/risks/{risk_id}/reopen"),
        )
    ),
    route("GET", "/events", ALL),
    route("GET", "/api/v1/events", ALL),
    route("GET", f"/api/v1/events/{EVENT}", ALL, template="/api/v1/events/{event_id}",
          other_department=f"/api/v1/events/{EVENT}"),
    route("GET", f"/events/{EVENT}", ALL, template="/events/{event_id}",
          other_department=f"/events/{EVENT}"),
    route("GET", f"/events/{EVENT}/series.json", ALL, template="/events/{event_id}/series.json",
          other_department=f"/events/{EVENT}/series.json"),
    route("POST", f"/events/{EVENT}/level", ("leader", "office"),
          template="/events/{event_id}/level", form={"action": "confirm"}),
    route("POST", f"/events/{EVENT}/merge", ("admin", "office", "leader", "monitor"),
          template="/events/{event_id}/merge", form={"other_id": OTHER}),
    route("POST", f"/events/{EVENT}/split", ("admin", "office", "leader", "monitor"),
          template="/events/{event_id}/split", form={"post_ids": "p3"}),
    route("POST", f"/events/{EVENT}/departments", ("admin",), template="/events/{event_id}/departments",
          form={"action": "add", "department": "health", "reason": "x"},
          other_department=f"/events/{EVENT}/departments"),
    *(
        route(method, path.replace("{incident_id}", "1").replace("{statement_id}", "1")
              .replace("{report_id}", "1").replace("{task_id}", "1").replace("{action_id}", "1"),
              ALL, template=path, in_service=True, json={}, form={})
        for method, path in (
            ("GET", "/incidents"), ("GET", "/incidents/{incident_id}"), ("GET", "/my-work"),
            ("POST", "/incidents"), ("POST", "/incidents/events"),
            ("GET", "/incidents/{incident_id}/reports/{report_id}"),
            ("POST", "/incidents/{incident_id}/reports/{report_id}"),
            *(("POST", f"/incidents/{{incident_id}}/{tail}") for tail in (
                "actions", "close", "corrective-actions", "corrective-actions/{action_id}/done",
                "end", "fact-sheet", "handover", "handover/accept", "level/proposal", "reopen",
                "report-documents", "reports", "reports/{report_id}/revision", "review", "split", "stage",
                "statements", "tasks", "tasks/{task_id}/done",
            )),
            ("POST", "/incidents/{incident_id}/level"),
            ("POST", "/incidents/{incident_id}/statements/{statement_id}/publish"),
            ("POST", "/incidents/{incident_id}/statements/{statement_id}/review"),
            ("GET", "/api/v1/incidents"), ("POST", "/api/v1/incidents"),
            ("GET", "/api/v1/incidents/cases"), ("GET", "/api/v1/incidents/cases/{incident_id}"),
            ("GET", "/api/v1/incidents/my-work"), ("GET", "/api/v1/incidents/{incident_id}"),
            *(("POST", f"/api/v1/incidents/{{incident_id}}/{tail}") for tail in (
                "actions", "close", "corrective-actions",
                "corrective-actions/{action_id}/done", "end", "events", "handover",
                "handover/accept", "level", "level/proposal", "reports",
                "reopen", "reports/{report_id}/revision", "reports/{report_id}/submit", "split", "stage",
                "statements", "statements/{statement_id}/publish",
                "statements/{statement_id}/reviews", "tasks", "tasks/{task_id}/done",
            )),
            ("PATCH", "/api/v1/incidents/{incident_id}/reports/{report_id}"),
            ("PUT", "/api/v1/incidents/{incident_id}/fact-sheet"),
            ("PUT", "/api/v1/incidents/{incident_id}/review"),
        )
    ),
]  # fmt: skip
# Open to anonymous visitors on purpose: signing in, health checks, the API's description,
# the acknowledgement link (its token is the credential), the assets.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/healthz"),
    ("GET", "/ack/{token}"),
    ("POST", "/ack/{token}"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"),
    ("GET", "/docs/oauth2-redirect"),  # FastAPI adds it beside the docs page
}


# Stored reports have their own table, with a wrong-role test per route:
# tests/reports/pages/test_report_pages.py.
REPORTS = {
    (method, path.split("?")[0].replace("{id}", "{report_id}").replace("/json", "/{fmt}"))
    for method, path, _roles, _kw in REPORT_ROUTES
}


def test_every_route_is_in_the_table(app: FastAPI) -> None:
    listed = {(r.method, r.template) for r in ROUTES} | PUBLIC
    # Through included routers too: FastAPI keeps those as one entry of `app.routes` each.
    registered = {
        (method, r.path)
        for r in iter_route_contexts(app.routes)
        for method in (r.methods or ())
        if method != "HEAD"
    }
    assert len(registered) > 60  # the walk found the routers' routes, not only the app's
    missing = registered - listed - REPORTS
    assert missing == set(), f"routes without a row in ROUTES (or PUBLIC): {sorted(missing)}"
    assert {(r.method, r.template) for r in ROUTES} - registered == set(), "rows of no route"


def _call(
    client: TestClient, entry: Route, *, csrf: str | None, headers: dict[str, str] | None = None
) -> Any:
    if entry.is_api:
        return client.request(entry.method, entry.path, json=entry.json, headers=headers or {})
    if entry.method != "GET" and entry.method != "POST":
        raise AssertionError(f"a page answers GET and POST only, not {entry.method}")
    if entry.method == "GET":
        return client.get(entry.path)
    return client.post(entry.path, data={**entry.form, "csrf_token": csrf or ""})


def _token(store: Store, clock: FrozenClock, user: str) -> dict[str, str]:
    with Session(store.engine) as session:
        raw, _row = service.create_token(session=session, clock=clock, actor="test", user_name=user)
        session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize("entry", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_anonymous_visitors_are_sent_to_login_or_refused(client: TestClient, entry: Route) -> None:
    csrf = csrf_of(client.get("/login").text)  # a real form would carry one
    answer = _call(client, entry, csrf=csrf)
    if entry.is_api:
        assert answer.status_code == 401 and answer.json()["detail"]
        assert answer.headers["www-authenticate"] == "Bearer"
    else:
        assert (answer.status_code, answer.headers.get("location")) == (303, "/login")


@pytest.mark.parametrize(
    "entry",
    [r for r in ROUTES if r.roles != ALL and not r.in_service],
    ids=lambda r: f"{r.method} {r.path}",
)
def test_a_wrong_role_is_refused(
    entry: Route,
    signed_in: Callable[[str], tuple[TestClient, str]],
    store: Store,
    clock: FrozenClock,
) -> None:
    wrong = next(role for role in ROLES if role not in entry.roles)
    client, csrf = signed_in(wrong)
    headers = _token(store, clock, wrong) if entry.is_api else None
    answer = _call(client, entry, csrf=csrf, headers=headers)
    assert answer.status_code == 403
    if entry.is_api:
        assert answer.json() == {"detail": "你的角色无权进行此操作"}
    else:
        assert (
            "text/html" in answer.headers["content-type"]
            and "你的角色无权进行此操作" in answer.text
        )
    right = sorted(entry.roles)[0]
    client, csrf = signed_in(right)
    headers = _token(store, clock, right) if entry.is_api else None
    assert _call(client, entry, csrf=csrf, headers=headers).status_code not in (401, 403)


@pytest.mark.parametrize(
    "entry", [r for r in ROUTES if r.other_department], ids=lambda r: f"{r.method} {r.path}"
)
def test_a_wrong_department_is_refused(
    entry: Route,
    signed_in: Callable[[str], tuple[TestClient, str]],
    store: Store,
    clock: FrozenClock,
) -> None:
    fill(store, clock)  # events routed to "edu" and to nobody
    client, csrf = signed_in("department2")
    assert entry.other_department is not None
    headers = _token(store, clock, "department2") if entry.is_api else None
    answer = _call(client, replace_path(entry, entry.other_department), csrf=csrf, headers=headers)
    assert answer.status_code == 403


def replace_path(entry: Route, path: str) -> Route:
    from dataclasses import replace

    return replace(entry, path=path)


def test_a_department_reaches_only_its_own_incidents(
    signed_in: Callable[[str], tuple[TestClient, str]], store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)  # EVENT is routed to "edu", OTHER to nobody
    edu, _csrf = signed_in("department")
    health, _csrf = signed_in("department2")
    as_edu, as_health = _token(store, clock, "department"), _token(store, clock, "department2")
    opened = edu.post("/api/v1/incidents", json={"event_ids": [EVENT]}, headers=as_edu)
    assert opened.status_code == 201, opened.text
    case = opened.json()["id"]
    # Another department can neither open a case on edu's event nor see edu's case.
    refused = health.post("/api/v1/incidents", json={"event_ids": [EVENT]}, headers=as_health)
    assert refused.status_code == 403 and refused.json() == {"detail": "这属于其他部门"}
    assert health.get(f"/api/v1/incidents/{case}", headers=as_health).status_code == 404
    assert health.get(f"/incidents/{case}").status_code == 404
    listed = health.get("/api/v1/incidents", headers=as_health).json()
    assert case not in [item["id"] for item in listed["data"]]
    assert edu.get(f"/api/v1/incidents/{case}", headers=as_edu).status_code == 200
    assert edu.get(f"/incidents/{case}").status_code == 200
    # An event routed to nobody is no department's to open a case on.
    other = edu.post("/api/v1/incidents", json={"event_ids": [OTHER]}, headers=as_edu)
    assert other.status_code == 403


def test_the_plan_may_let_department_users_see_every_event(
    signed_in: Callable[[str], tuple[TestClient, str]], store: Store, clock: FrozenClock
) -> None:
    from yuqing.plan import service as plan_service
    from yuqing.plan.examples import example_plan_text

    fill(store, clock)
    client, _csrf = signed_in("department2")  # department "health"
    assert client.get(f"/events/{EVENT}").status_code == 403
    assert "某中学食堂饭菜发霉" not in client.get("/events").text
    text = example_plan_text("county_bureau").replace(
        "response:", "response:\n  departments_see_all: true", 1
    )
    with Session(store.engine) as session:
        plan_service.load(session=session, clock=clock, author="test", text=text,
                          source_name="plan.yaml")  # fmt: skip
        session.commit()
    assert client.get(f"/events/{EVENT}").status_code == 200
    assert "某中学食堂饭菜发霉" in client.get("/events").text
    assert "某中学食堂饭菜发霉" in client.get("/alerts").text
