"""The incident's life through `/api/v1/incidents…` against each example plan, on both
stores: every person with their own API token."""

from __future__ import annotations

from datetime import timedelta

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
    kept = [d for d in detail["deadlines"] if d["state"] != "cancelled"]
    assert all(d["state"] == "met" for d in kept), kept
    found = client.get(f"{BASE}/cases", params={"q": "食堂"}, headers=as_["boss"]).json()
    assert found["count"] == 1
    case = client.get(f"{BASE}/cases/{incident['id']}", headers=as_["boss"]).json()
    assert len(case["posts"]) == 3
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/incidents/{incident_id}/statements/{statement_id}/publish" in schema["paths"]
