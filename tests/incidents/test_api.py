"""The incident's life through `/api/v1/incidents…` against each example plan, on both
stores: every person with their own API token."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.incidents.conftest import World, add_event
from yuqing.auth import service as auth_service

BASE = "/api/v1/incidents"


def _tokens(w: World) -> dict[str, dict[str, str]]:
    w.approvers(w.most_severe)
    headers = {}
    for name in w.actors:
        raw, _row = auth_service.create_token(
            session=w.session, clock=w.clock, actor="test", user_name=name
        )
        headers[name] = {"Authorization": f"Bearer {raw}"}
    w.session.commit()
    return headers


def test_a_case_through_the_api(world: World, client: TestClient) -> None:
    w = world
    event_id = add_event(w.session, w.clock)
    as_ = _tokens(w)
    opened = client.post(
        BASE, json={"event_ids": [event_id], "category": "食品安全"}, headers=as_["monitor1"]
    )
    assert opened.status_code == 201, opened.text
    incident = opened.json()
    url = f"{BASE}/{incident['id']}"
    skipped = client.post(
        f"{url}/stage", json={"stage": w.plan.stages[-1].id}, headers=as_["monitor1"]
    )
    assert skipped.status_code == 409 and "required stage" in skipped.json()["detail"]
    refused = client.post(f"{url}/level", json={"level": w.most_severe}, headers=as_["monitor1"])
    assert refused.status_code == 403
    confirmed = client.post(
        f"{url}/level",
        headers=as_["boss"],
        json={"level": w.most_severe, "expected_version": incident["version"]},
    )
    assert confirmed.status_code == 200, confirmed.text
    stale = client.post(
        f"{url}/level",
        headers=as_["boss"],
        json={"level": w.most_severe, "expected_version": incident["version"]},
    )
    assert stale.status_code == 409  # the second of two concurrent edits loses nothing
    detail = client.get(url, headers=as_["monitor1"]).json()
    assert detail["deadlines"] and all(
        d["source"].startswith("deadlines.") for d in detail["deadlines"]
    )
    w.clock.advance(timedelta(minutes=5))
    for report in detail["reports"]:
        answer = client.post(
            f"{url}/reports/{report['id']}/submit", json={}, headers=as_["monitor1"]
        )
        assert answer.status_code == 200, answer.text
    again = client.patch(
        f"{url}/reports/{detail['reports'][0]['id']}",
        json={"fields": {"cause": "x"}},
        headers=as_["monitor1"],
    )
    assert again.status_code == 409 and "never edited in place" in again.json()["detail"]

    statement = client.post(
        f"{url}/statements", json={"text": "情况通报"}, headers=as_["spokes"]
    ).json()
    early = client.post(
        f"{url}/statements/{statement['id']}/publish",
        json={"channel": "微博"},
        headers=as_["spokes"],
    )
    assert early.status_code == 409 and "not approved" in early.json()["detail"]
    for approver in w.approvers(w.most_severe):
        work = client.get(f"{BASE}/my-work", headers=as_[approver.name]).json()
        assert statement["id"] in [s["id"] for s in work["approvals"]]
        answer = client.post(
            f"{url}/statements/{statement['id']}/reviews",
            json={"decision": "approve"},
            headers=as_[approver.name],
        )
        assert answer.status_code == 200, answer.text
    published = client.post(
        f"{url}/statements/{statement['id']}/publish",
        json={"channel": "微博", "link": "https://w.example/s/1"},
        headers=as_["spokes"],
    )
    assert published.json()["status"] == "published"

    offered = client.post(f"{url}/handover", json={"to": "duty_office"}, headers=as_["monitor1"])
    assert offered.json()["owner"] == "monitor1"
    accepted = client.post(f"{url}/handover/accept", json={}, headers=as_["duty_office"])
    assert accepted.json()["owner"] == "duty_office"
    for track in ("offline", "online"):
        task = client.post(
            f"{url}/tasks",
            json={"title": track, "owner": "duty_office", "track": track},
            headers=as_["duty_office"],
        )
        client.post(f"{url}/tasks/{task.json()['id']}/done", json={}, headers=as_["duty_office"])
    ended = client.post(f"{url}/end", json={"reason": "平息"}, headers=as_["boss"])
    assert ended.json()["status"] == "ended", ended.text
    for report in client.get(url, headers=as_["boss"]).json()["reports"]:
        if report["status"] == "draft":
            client.post(f"{url}/reports/{report['id']}/submit", json={}, headers=as_["boss"])
    client.put(f"{url}/review", json={"summary": "总结"}, headers=as_["boss"])
    closed = client.post(f"{url}/close", json={}, headers=as_["boss"])
    assert closed.json()["status"] == "closed", closed.text

    detail = client.get(url, headers=as_["boss"]).json()
    kept = [d for d in detail["deadlines"] if d["state"] not in ("cancelled", "stopped")]
    assert all(d["state"] == "met" for d in kept), kept
    # What was still due when the response ended stopped then; the closing report ran on.
    stopped = [d for d in detail["deadlines"] if d["state"] == "stopped"]
    assert all(d["done_at"] is not None for d in stopped), stopped
    assert "report:closing" not in {d["name"] for d in stopped}
    found = client.get(f"{BASE}/cases", params={"q": "食堂"}, headers=as_["boss"]).json()
    assert found["count"] == 1
    case = client.get(f"{BASE}/cases/{incident['id']}", headers=as_["boss"]).json()
    assert len(case["posts"]) == 3
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/incidents/{incident_id}/statements/{statement_id}/publish" in schema["paths"]


def test_late_and_refused_through_the_api_change_nothing(world: World, client: TestClient) -> None:
    """A late report is recorded late with its minutes; approving one's own statement and
    ending with an open task are refused with their reason, the version unchanged."""
    w = world
    event_id = add_event(w.session, w.clock)
    as_ = _tokens(w)
    first = w.approvers(w.most_severe)[0]
    incident = client.post(BASE, json={"event_ids": [event_id]}, headers=as_["boss"]).json()
    url = f"{BASE}/{incident['id']}"
    client.post(f"{url}/level", json={"level": w.most_severe}, headers=as_["boss"])
    detail = client.get(url, headers=as_["boss"]).json()
    initial = next(r for r in detail["reports"] if r["kind"] == "initial")
    clock = next(d for d in detail["deadlines"] if d["name"] == "report:initial")
    due = datetime.fromisoformat(clock["due_at"])
    w.clock.set(due + timedelta(minutes=41, seconds=5))
    late = client.post(f"{url}/reports/{initial['id']}/submit", json={}, headers=as_["boss"])
    assert late.status_code == 200, late.text
    after = client.get(url, headers=as_["boss"]).json()
    clock = next(d for d in after["deadlines"] if d["id"] == clock["id"])
    assert (clock["state"], clock["late_minutes"]) == ("missed", 42)
    assert "missed, 42 min late" in after["log"][-1]["after"]

    version = after["incident"]["version"]
    own = client.post(f"{url}/statements", json={"text": "初稿"}, headers=as_[first.name]).json()
    version += 1  # drafting is a change
    refused = client.post(
        f"{url}/statements/{own['id']}/reviews",
        json={"decision": "approve"},
        headers=as_[first.name],
    )
    assert refused.status_code == 403 and "own statement" in refused.json()["detail"]
    task = client.post(
        f"{url}/tasks", json={"title": "核实", "owner": "boss", "track": "offline"},
        headers=as_["boss"],
    ).json()  # fmt: skip
    version += 1
    ended = client.post(f"{url}/end", json={"reason": "结束"}, headers=as_["boss"])
    assert ended.status_code == 409 and "still open" in ended.json()["detail"]
    now = client.get(url, headers=as_["boss"]).json()
    assert now["incident"]["version"] == version and now["incident"]["status"] == "open"
    assert [t["status"] for t in now["tasks"] if t["id"] == task["id"]] == ["open"]
    assert [s["status"] for s in now["statements"]] == ["in_review"]
