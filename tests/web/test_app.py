"""The web service: health, the acknowledgement page and the alerts API (both stores)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.conftest import csrf_of
from yuqing.alerts import service as alerts_service
from yuqing.alerts.routing import Recipient, RoutePlan
from yuqing.analysis.models import Event
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import Settings
from yuqing.web.app import create_app

TOKEN = "test-token-0123456789"
HOSTILE = "<script>alert('x')</script>学校食堂"


@pytest.fixture
def app(store: Store, clock: FrozenClock, settings: Settings) -> Iterator[httpx.Client]:
    """The app under a real uvicorn server on 127.0.0.1, and a client for it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = create_app(engine=store.engine, clock=clock, settings=settings, api_tokens=[TOKEN])
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(500):  # waits on the server's own flag, not on time
        if server.started:
            started.set()
            break
        started.wait(0.01)
    assert server.started
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=60) as client:
        yield client
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def alert(store: Store, clock: FrozenClock) -> tuple[int, str]:
    with Session(store.engine) as session:
        session.add(Event(id="ev-1", partition="", title=HOSTILE, keywords=[], first_source="s",
                          first_at=clock.now(), last_at=clock.now(), posts=1, copies=0, negative=0,
                          positive=0, reposts=0, comments=0, likes=0, views=0, sites=1, heat=0.0,
                          updated_at=clock.now(), extra={}))  # fmt: skip
        session.flush()
        route = RoutePlan(recipients=[Recipient("clerk", "李老师", "email", "c@x.test")])
        raised = alerts_service.raise_alert(session=session, clock=clock, event_id="ev-1",
                                            level="I", level_rank=1, title=HOSTILE, text="正文",
                                            route=route)  # fmt: skip
        assert raised is not None
        ids = (raised.id, raised.ack_token)
        session.commit()
    return ids


def test_health_reads_and_writes_the_store(app: httpx.Client) -> None:
    assert app.get("/healthz").json() == {"ok": True}
    assert "/api/v1/alerts" in app.get("/api/v1/openapi.json").json()["paths"]


def test_the_link_page_escapes_and_acknowledges(app: httpx.Client, alert: tuple[int, str]) -> None:
    _, token = alert
    page = app.get(f"/ack/{token}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "确认收到" in page.text
    csrf = csrf_of(page.text)  # the link page sets its CSRF cookie, the form repeats it
    assert app.post(f"/ack/{token}", data={"by": "李老师"}).status_code == 403
    done = app.post(f"/ack/{token}", data={"by": "李老师", "csrf_token": csrf})
    assert done.status_code == 200 and "已由 link:李老师" in done.text
    again = app.post(f"/ack/{token}", data={"by": "别人", "csrf_token": csrf})
    assert "已由 link:李老师" in again.text  # the first acknowledgement stands
    assert app.get("/ack/not-a-token").status_code == 404


def test_the_api_needs_a_token_and_acknowledges(app: httpx.Client, alert: tuple[int, str]) -> None:
    alert_id, _ = alert
    assert app.get("/api/v1/alerts").status_code == 401
    assert app.get("/api/v1/alerts", headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    listed = app.get("/api/v1/alerts", headers=auth).json()
    assert listed["count"] == 1 and listed["data"][0]["title"] == HOSTILE
    acked = app.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "clerk"}, headers=auth)
    assert acked.status_code == 200 and acked.json()["acknowledged_by"] == "clerk"
    twice = app.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": "boss"}, headers=auth)
    assert twice.status_code == 409
    bad = app.post(f"/api/v1/alerts/{alert_id}/ack", json={"by": ""}, headers=auth)
    assert bad.status_code == 422
    assert app.get("/api/v1/alerts?open_only=true", headers=auth).json()["count"] == 0


def test_the_events_api_lists_summaries_and_gives_facts(
    app: httpx.Client, store: Store, clock: FrozenClock
) -> None:
    summary = ["明德一中食堂午饭吃出异物。", "县教育局已介入调查。"]
    with Session(store.engine) as session:
        session.add(Event(id="ev-s", partition="", title=HOSTILE, keywords=["食堂"], first_source="s",
                          first_at=clock.now(), last_at=clock.now(), posts=2, copies=0, negative=1,
                          positive=0, reposts=0, comments=0, likes=0, views=0, sites=1, heat=3.0,
                          updated_at=clock.now(), extra={"summary": summary}))  # fmt: skip
        session.commit()
    assert app.get("/api/v1/events").status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    listed = app.get("/api/v1/events?limit=5", headers=auth).json()
    assert listed["count"] == 1
    assert listed["data"][0]["summary"] == summary
    assert listed["data"][0]["title"] == HOSTILE  # JSON: escaping is the reader's job
    one = app.get("/api/v1/events/ev-s", headers=auth).json()
    assert (one["summary"], one["keywords"], one["posts"]) == (summary, ["食堂"], 2)
    assert one["merged_into"] is None  # set on an event merged into another
    assert app.get("/api/v1/events/nowhere", headers=auth).status_code == 404
    assert app.get("/api/v1/events?limit=0", headers=auth).status_code == 422
    page = app.get("/events/ev-s")  # the page needs a login: only its status here
    assert page.status_code in (200, 303, 401)
