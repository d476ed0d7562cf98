"""Splitting an incident, the event measured before and after each statement, and a
rise of level that restarts the plan's clocks — through the API and the command line,
against each example plan, on both stores."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from tests.incidents.conftest import World, add_event
from tests.incidents.test_api import BASE, _tokens
from tests.web.conftest import _password_hash
from yuqing.analysis.models import EventPost, EventSite
from yuqing.auth.models import User
from yuqing.core.clock import FrozenClock
from yuqing.incidents import service
from yuqing.incidents.models import DeadlineClock, IncidentLog, Report
from yuqing.incidents.service import levels, reports
from yuqing.monitor.models import StoredPost
from yuqing.plan.examples import _REPO


def _post(w: World, event_id: str, n: int, minutes: int, source: str, negative: bool) -> None:
    """A post of the event published `minutes` from now."""
    at = w.clock.now() + timedelta(minutes=minutes)
    post = StoredPost(
        uid=f"{event_id}-late-{n}",
        post_id=f"late{n}",
        source=source,
        url=f"https://{source}.example/{n}",
        title="食堂",
        text=f"食堂又出事了 {n}",
        folded=f"食堂又出事了 {n}",
        published_at=at,
        received_at=at,
        content_key=f"late{n}",
        sentiment_label="negative" if negative else "neutral",
    )
    w.session.add(post)
    w.session.flush()
    w.session.add(EventPost(event_id=event_id, post_pk=post.pk, joined_at=at))


def test_split_moves_events_into_a_new_incident_and_bad_splits_change_nothing(
    world: World, client: TestClient
) -> None:
    w = world
    first, second = add_event(w.session, w.clock, "ev-1"), add_event(w.session, w.clock, "ev-2")
    as_ = _tokens(w)
    opened = client.post(BASE, json={"event_ids": [first, second]}, headers=as_["monitor1"])
    incident = opened.json()
    url = f"{BASE}/{incident['id']}"
    confirmed = client.post(f"{url}/level", json={"level": w.most_severe}, headers=as_["boss"])
    version = confirmed.json()["version"]

    refusals = [
        ({"event_ids": [first, second], "reason": "两件事"}, 422, "at least one event"),
        ({"event_ids": ["ev-9"], "reason": "两件事"}, 422, "not in incident"),
        ({"event_ids": [second], "reason": " "}, 422, "needs a reason"),
        ({"event_ids": [second], "reason": "两件事", "expected_version": version - 1}, 409,
         "changed meanwhile"),
    ]  # fmt: skip
    for body, status, reason in refusals:
        answer = client.post(f"{url}/split", json=body, headers=as_["duty_office"])
        assert answer.status_code == status and reason in answer.json()["detail"], answer.text
    assert client.get(url, headers=as_["boss"]).json()["incident"]["version"] == version

    split = client.post(
        f"{url}/split",
        json={"event_ids": [second], "reason": "另一所学校", "expected_version": version},
        headers=as_["duty_office"],
    )
    assert split.status_code == 201, split.text
    new = split.json()
    assert (new["owner"], new["level"], new["proposed_level"], new["stage"]) == (
        "duty_office",
        None,
        w.most_severe,
        w.plan.stages[0].id,
    )
    old = client.get(url, headers=as_["boss"]).json()
    moved = client.get(f"{BASE}/{new['id']}", headers=as_["boss"]).json()
    assert (old["event_ids"], moved["event_ids"]) == ([first], [second])
    assert moved["deadlines"] == [] and moved["reports"] == []  # its level is not confirmed yet
    assert [(e["kind"], e["after"], e["reason"]) for e in old["log"]][-1] == (
        "split_out",
        f"incident:{new['id']}",
        "另一所学校",
    )
    assert moved["log"][-1]["kind"] == "split_from"


def test_a_rise_of_level_restarts_the_clocks_and_keeps_what_was_written(world: World) -> None:
    w = world
    low, high = w.plan.levels_by_severity()[-1].id, w.most_severe
    event_id = add_event(w.session, w.clock)
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["monitor1"], event_ids=[event_id]
    )
    boss = w.actors["boss"]
    service.confirm_level(
        session=w.session, clock=w.clock, actor=boss, incident_id=incident.id, level=low
    )
    before = {r.kind: r for r in reports.get_all(session=w.session, incident_id=incident.id)}
    for report in before.values():
        service.update_report(
            session=w.session, clock=w.clock, actor=boss, report_id=report.id,
            fields={"cause": "待核实"},
        )  # fmt: skip
    w.clock.advance(timedelta(minutes=40))
    raised_at = w.clock.now()
    service.confirm_level(
        session=w.session,
        clock=w.clock,
        actor=boss,
        incident_id=incident.id,
        level=high,
        reason="再次升温",
    )
    clocks = list(
        w.session.scalars(select(DeadlineClock).where(DeadlineClock.incident_id == incident.id))
    )
    for kind in levels.required_reports(w.plan, high):
        running = [c for c in clocks if c.name == f"report:{kind}" and c.state == "running"]
        assert len(running) == 1, (kind, clocks)
        assert running[0].started_at == raised_at
        assert running[0].source.startswith(f"deadlines.{high}.")
        assert running[0].due_at > raised_at  # counted from now, not from discovery
        draft = w.session.scalars(
            select(Report).where(
                Report.incident_id == incident.id,
                Report.kind == kind,
                Report.number == running[0].number,
            )
        ).one()
        assert draft.fields["level"] == w.plan.level(high).name
        if kind in before:
            assert draft.fields["cause"] == "待核实"  # what people wrote comes along
    old = [c for c in clocks if c.started_at != raised_at]
    assert old and all(c.state == "cancelled" for c in old)  # kept, not deleted
    answer = [c for c in clocks if c.name == "answer" and c.state == "running"]
    if w.plan.deadlines[high].first_answer_within:
        assert len(answer) == 1 and answer[0].started_at == raised_at
    last = w.session.scalars(
        select(IncidentLog)
        .where(IncidentLog.incident_id == incident.id)
        .order_by(IncidentLog.id.desc())
    ).first()
    assert last is not None
    assert (last.kind, last.before, last.after, last.reason) == (
        "level_raised",
        low,
        high,
        "再次升温",
    )


def test_measures_before_and_after_a_statement_and_a_higher_level_after_it_reignites(
    world: World, client: TestClient, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    w = world
    low, high = w.plan.levels_by_severity()[-1].id, w.most_severe
    event_id = add_event(w.session, w.clock)  # 3 posts on weibo, 50..48 min ago
    w.session.add(
        EventSite(event_id=event_id, site="weibo", first_at=w.clock.now() - timedelta(minutes=50))
    )
    # A department in the low level's chain approves only its own cases: it leads this one.
    lead = next((a.department for a in w.approvers(low) if a.role == "department"), None)
    as_ = _tokens(w)
    incident = client.post(
        BASE, json={"event_ids": [event_id], "lead_department": lead}, headers=as_["monitor1"]
    ).json()
    url = f"{BASE}/{incident['id']}"
    client.post(f"{url}/level", json={"level": low}, headers=as_["boss"])
    statement = client.post(f"{url}/statements", json={"text": "通报"}, headers=as_["spokes"])
    for approver in w.approvers(low):
        review = client.post(
            f"{url}/statements/{statement.json()['id']}/reviews",
            json={"decision": "approve"},
            headers=as_[approver.name],
        )
        assert review.status_code == 200, (approver, review.text)
    published = client.post(
        f"{url}/statements/{statement.json()['id']}/publish",
        json={"channel": "微博"},
        headers=as_["spokes"],
    )
    assert published.status_code == 200, published.text
    early = client.get(url, headers=as_["boss"]).json()["measures"]
    assert [m["trend"] for m in early] == ["too early"]

    for n, (minutes, source, negative) in enumerate(
        [(10, "weibo", True), (20, "douyin", True), (30, "douyin", True), (40, "weibo", False)]
    ):
        _post(w, event_id, n, minutes, source, negative)
    w.session.add(
        EventSite(event_id=event_id, site="douyin", first_at=w.clock.now() + timedelta(minutes=20))
    )
    w.session.commit()
    w.clock.advance(timedelta(hours=1))
    detail = client.get(url, headers=as_["boss"]).json()
    [measured] = detail["measures"]
    assert measured["window_minutes"] == 60
    assert (measured["before"]["posts"], measured["after"]["posts"]) == (3, 4)
    assert (measured["before"]["negative_share"], measured["after"]["negative_share"]) == (0, 0.75)
    assert (measured["before"]["sites"], measured["after"]["sites"]) == (1, 2)
    assert measured["after"]["new_sites"] == 1
    assert measured["trend"] == "re-ignited"
    boss = w.session.scalars(select(User).where(User.name == "boss")).one()
    boss.password_hash = _password_hash()
    w.session.commit()  # and no read on this session while the page answers (SQLite)
    browser, _csrf = signed_in("boss")
    page = browser.get(f"/incidents/{incident['id']}").text
    assert 'id="measures-heading"' in page and "3 → 4" in page and "re-ignited" in page

    raised = client.post(
        f"{url}/level", json={"level": high, "reason": "再次升温"}, headers=as_["boss"]
    )
    assert raised.status_code == 200, raised.text
    after = client.get(url, headers=as_["boss"]).json()
    restarted = [d for d in after["deadlines"] if d["state"] == "running"]
    assert restarted and all(d["source"].startswith(f"deadlines.{high}.") for d in restarted)
    assert after["log"][-1]["kind"] == "level_raised"
    page_schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/incidents/{incident_id}/split" in page_schema["paths"]


def test_merge_split_and_reopen_from_the_command_line(
    cli: Cli, store: Store, clock: FrozenClock
) -> None:
    with Session(store.engine) as session:
        for event_id in ("ev-1", "ev-2"):
            add_event(session, clock, event_id)
        session.commit()
    assert cli("plan", "load", str(_REPO / "county_bureau.yaml")).code == 0
    assert cli("user", "add", "zhao", "--role", "monitor").code == 0
    opened = json.loads(cli("incident", "open", "--event", "ev-1", "--as", "zhao").stdout)
    number = str(opened["id"])
    merged = cli("incident", "merge", number, "--event", "ev-2", "--as", "zhao")
    assert merged.code == 0, merged.stderr
    refused = cli("incident", "split", number, "--event", "ev-2", "--event", "ev-1",
                  "--reason", "两件事", "--as", "zhao")  # fmt: skip
    assert refused.code != 0 and "至少保留一个事件" in refused.stderr
    split = cli(
        "incident", "split", number, "--event", "ev-2", "--reason", "两件事", "--as", "zhao"
    )
    assert split.code == 0, split.stderr
    new = json.loads(split.stdout)
    shown = json.loads(cli("incident", "show", str(new["id"]), "--as", "zhao").stdout)
    assert shown["event_ids"] == ["ev-2"] and shown["log"][-1]["kind"] == "split_from"
    monitor = cli("incident", "reopen", number, "I", "--reason", "再次升温", "--as", "zhao")
    assert monitor.code != 0 and "重新启动事件处置需要以下角色之一" in monitor.stderr


def test_an_ended_response_reopens_at_a_higher_level_with_its_clocks_restarted(
    world: World, client: TestClient
) -> None:
    w = world
    low, high = w.plan.levels_by_severity()[-1].id, w.most_severe
    event_id = add_event(w.session, w.clock)
    as_ = _tokens(w)
    incident = client.post(BASE, json={"event_ids": [event_id]}, headers=as_["boss"]).json()
    url = f"{BASE}/{incident['id']}"
    early = client.post(f"{url}/reopen", json={"level": high, "reason": "x"}, headers=as_["boss"])
    assert early.status_code == 409 and "only an ended response" in early.json()["detail"]
    client.post(f"{url}/level", json={"level": low}, headers=as_["boss"])
    for track in ("offline", "online"):
        task = client.post(
            f"{url}/tasks", json={"title": track, "owner": "boss", "track": track},
            headers=as_["boss"],
        ).json()  # fmt: skip
        client.post(f"{url}/tasks/{task['id']}/done", json={}, headers=as_["boss"])
    ended = client.post(f"{url}/end", json={"reason": "平息"}, headers=as_["boss"])
    assert ended.json()["status"] == "ended", ended.text
    version = ended.json()["version"]

    w.clock.advance(timedelta(days=1))
    refusals = [
        ("boss", {"level": low, "reason": "再次升温"}, 409, "more severe"),
        ("boss", {"level": high, "reason": " "}, 422, "needs the reason"),
        ("monitor1", {"level": high, "reason": "再次升温"}, 403, "monitor1"),
    ]
    for who, body, status, words in refusals:
        answer = client.post(f"{url}/reopen", json=body, headers=as_[who])
        assert answer.status_code == status and words in answer.json()["detail"], answer.text
    assert client.get(url, headers=as_["boss"]).json()["incident"]["version"] == version

    reopened = client.post(
        f"{url}/reopen",
        json={"level": high, "reason": "再次升温", "expected_version": version},
        headers=as_["boss"],
    )
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["level"]) == ("open", high)
    detail = client.get(url, headers=as_["boss"]).json()
    closing = [d for d in detail["deadlines"] if d["name"] == "report:closing"]
    assert all(d["state"] == "cancelled" for d in closing)
    assert not [r for r in detail["reports"] if r["kind"] == "closing" and r["status"] == "draft"]
    running = [d for d in detail["deadlines"] if d["state"] == "running"]
    now = w.clock.now()
    assert running and all(
        d["source"].startswith(f"deadlines.{high}.")
        and datetime.fromisoformat(d["started_at"]) == now
        for d in running
    )
    assert [e["kind"] for e in detail["log"]][-2:] == ["reopened", "level_raised"]
