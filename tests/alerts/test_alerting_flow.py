"""Issue 5's scenario end to end, on a frozen clock: a plan is loaded, an event grows in
the stream, a level is proposed with its reasons, the alert arrives by e-mail and
webhook, reminders and escalation follow when nobody acknowledges, a higher level
raises a new alert at once, and a failing channel is retried without blocking others."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.fakes.robots import Fail, FakeRobots
from tests.fakes.smtp import FakeSmtp
from yuqing.alerts import levels, plan_routes
from yuqing.alerts import service as alerts_service
from yuqing.alerts.models import Alert, Delivery, LevelDecision
from yuqing.alerts.routing import RoutePlan
from yuqing.alerts.sending import ChannelSettings, make_sender
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import Conflict, Forbidden, InvalidInput
from yuqing.core.settings import Settings
from yuqing.monitor import service as monitor_service
from yuqing.monitor.readers import Record
from yuqing.monitor.watches import load_watch_text
from yuqing.plan import service as plan_service
from yuqing.worker.alerting import alert_round
from yuqing.worker.live import build_pipeline

PLAN = """
organization: {{name: 明德一中, kind: school}}
units:
  - id: office
    name: 办公室
    kind: office
    contacts: {{webhook: "{webhook}"}}
people:
  - id: boss
    name: 张校长
    unit: office
    roles: [leader, approver]
    contacts: {{email: boss@school.test, webhook: "{webhook}"}}
  - id: clerk
    name: 李老师
    unit: office
    roles: [office, monitor]
    contacts: {{email: clerk@school.test, webhook: "{webhook}"}}
levels:
  - {{id: high, name: 一级, rank: 1}}
  - {{id: low, name: 二级, rank: 2}}
grading:
  high: {{min_tier: provincial}}
  low: {{min_posts: 3}}
deadlines:
  high: {{report_within: 1 h}}
  low: {{report_within: 2 h}}
stages: [{{id: verify, name: 核实}}]
approvals:
  high: [{{role: leader}}]
  low: [{{role: office}}]
routes:
  high:
    recipients: [{{role: leader}}, {{role: monitor}}]
    channels: [email, webhook]
    ack_within: 10 min
  low:
    recipients: [{{role: monitor}}]
    channels: [email, webhook]
    ack_within: 10 min
    escalate_to: [{{role: leader}}]
duty:
  shifts: [{{name: 全天, start: "00:00", end: "00:00", people: [clerk]}}]
"""
STORY = "明德一中食堂午饭吃出虫子，多名学生腹痛"


def load_school(store: Store, clock: FrozenClock, plan: str | None = None) -> None:
    """The school's plan (its text, when given) in force and its canteen watch stored."""
    with Session(store.engine) as session:
        if plan is not None:
            plan_service.load(session=session, clock=clock, author="test", text=plan)
        monitor_service.upsert_watches(
            session=session,
            clock=clock,
            watches=load_watch_text(
                "watches:\n  - {name: canteen, rule: 明德一中 食堂}\n", filename="w"
            ),
        )
        session.commit()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as client:
        yield client


@pytest.fixture
def world(
    store: Store,
    clock: FrozenClock,
    settings: Settings,
    robots: FakeRobots,
    smtp_server: FakeSmtp,
    http: httpx.Client,
) -> dict[str, object]:
    load_school(store, clock, PLAN.format(webhook=robots.webhook_url))
    channels = ChannelSettings(
        smtp={"host": smtp_server.host, "port": smtp_server.port, "sender": "yuqing@school.test",
              "username": smtp_server.username, "password": smtp_server.password,
              "local_hostname": "yuqing.test"},
        secrets={robots.webhook_url: robots.webhook_secret},
        ack_base_url="https://yuqing.school.test",
    )  # fmt: skip
    return {
        "pipeline": build_pipeline(engine=store.engine, clock=clock, settings=settings),
        "send": make_sender(settings=channels, clock=clock, http=http),
    }


def ingest(world: dict[str, object], clock: FrozenClock, *posts: dict[str, object]) -> None:
    pipeline = world["pipeline"]
    pipeline.run([Record(i, obj=p) for i, p in enumerate(posts, 1)])  # type: ignore[attr-defined]


def post(n: int, clock: FrozenClock, **extra: object) -> dict[str, object]:
    return {"id": f"p{n}", "source": f"site{n}", "media_tier": "self",
            "text": f"{STORY}，第{n}位家长反映", "published_at": clock.now().isoformat(), **extra}  # fmt: skip


def deliveries(store: Store) -> list[Delivery]:
    with Session(store.engine) as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_the_plan_drives_proposal_alert_reminder_escalation(
    world: dict[str, object],
    store: Store,
    clock: FrozenClock,
    robots: FakeRobots,
    smtp_server: FakeSmtp,
) -> None:
    pipeline = world["pipeline"]
    sessions = pipeline.sessions  # type: ignore[attr-defined]
    send = world["send"]
    ingest(world, clock, post(1, clock), post(2, clock))
    with Session(store.engine) as session:
        assert session.scalars(select(Alert)).all() == []  # two posts: no level yet
    clock.advance(timedelta(minutes=5))
    ingest(world, clock, post(3, clock))
    with Session(store.engine) as session:
        (decision,) = session.scalars(select(LevelDecision)).all()
        assert (decision.proposed_level, decision.status) == ("low", "proposed")
        assert decision.reasons == [{"criterion": "min_posts", "posts": 3, "needed": 3}]
        (alert,) = session.scalars(select(Alert)).all()
        assert alert.title.startswith("【二级】") and alert.ack_due_at == clock.now() + timedelta(
            minutes=10
        )
    alert_round(sessions=sessions, clock=clock, send=send)  # type: ignore[arg-type]
    assert {(d.channel, d.recipient, d.status) for d in deliveries(store)} == {
        ("email", "clerk", "sent"), ("webhook", "clerk", "sent"),
    }  # fmt: skip
    # Delivered within the plan's reporting deadline for the level (2 h for "low").
    assert all(
        d.sent_at is not None and d.sent_at <= alert.created_at + timedelta(hours=2)
        for d in deliveries(store)
    )
    (mail,) = smtp_server.accepted
    assert "clerk@school.test" in mail.message["To"] and "二级" in mail.message["Subject"]
    (hook,) = robots.webhook.accepted
    assert hook.json["alert_id"] == alert.id and STORY[:6] in json.dumps(
        hook.json, ensure_ascii=False
    )
    # Each recipient's link names their delivery, so the page speaks their language.
    webhook_delivery = next(d for d in deliveries(store) if d.channel == "webhook")
    assert hook.json["url"] == (
        f"https://yuqing.school.test/ack/{alert.ack_token}?d={webhook_delivery.id}"
    )

    # Nobody acknowledges: a reminder after 10 minutes, then escalation to the leader.
    clock.advance(timedelta(minutes=11))
    alert_round(sessions=sessions, clock=clock, send=send)  # type: ignore[arg-type]
    assert [d.purpose for d in deliveries(store)].count("reminder") == 2
    clock.advance(timedelta(minutes=11))
    alert_round(sessions=sessions, clock=clock, send=send)  # type: ignore[arg-type]
    escalated = [d for d in deliveries(store) if d.purpose == "escalation"]
    assert {(d.channel, d.recipient) for d in escalated} == {
        ("email", "boss"),
        ("webhook", "boss"),
    }
    assert any("boss@school.test" in m.message["To"] for m in smtp_server.accepted)

    # Acknowledged: reminders stop.
    with Session(store.engine) as session:
        alerts_service.acknowledge(session=session, clock=clock, alert_id=alert.id, by="clerk")
        session.commit()
    before = len(deliveries(store))
    clock.advance(timedelta(hours=1))
    alert_round(sessions=sessions, clock=clock, send=send)  # type: ignore[arg-type]
    assert len(deliveries(store)) == before

    # The facts cross the higher level: a new proposal and a new alert, sent at once.
    ingest(world, clock, post(4, clock, media_tier="provincial", source="省报"))
    with Session(store.engine) as session:
        levels = [
            (d.proposed_level, d.status)
            for d in session.scalars(select(LevelDecision).order_by(LevelDecision.id))
        ]
        assert levels == [("low", "superseded"), ("high", "proposed")]
    alert_round(sessions=sessions, clock=clock, send=send)  # type: ignore[arg-type]
    high = [d for d in deliveries(store) if d.purpose == "alert" and d.alert_id != alert.id]
    assert {d.status for d in high} == {"sent"} and len(high) == 3  # boss + clerk e-mail, one robot


def test_a_failing_channel_is_retried_and_never_blocks_the_others(
    world: dict[str, object],
    store: Store,
    clock: FrozenClock,
    robots: FakeRobots,
    smtp_server: FakeSmtp,
) -> None:
    pipeline = world["pipeline"]
    sessions = pipeline.sessions  # type: ignore[attr-defined]
    robots.webhook.fail_next(Fail.SERVER_ERROR)
    ingest(world, clock, post(1, clock), post(2, clock), post(3, clock))
    alert_round(sessions=sessions, clock=clock, send=world["send"])  # type: ignore[arg-type]
    status = {d.channel: (d.status, d.attempts) for d in deliveries(store)}
    assert status == {"email": ("sent", 1), "webhook": ("failed", 1)}
    assert len(smtp_server.accepted) == 1
    clock.advance(timedelta(seconds=31))  # the first retry is due after 30 s
    alert_round(sessions=sessions, clock=clock, send=world["send"])  # type: ignore[arg-type]
    status = {d.channel: (d.status, d.attempts) for d in deliveries(store)}
    assert status["webhook"] == ("sent", 2)
    (received,) = robots.webhook.accepted
    webhook = next(d for d in deliveries(store) if d.channel == "webhook")
    assert received.idempotency_key == webhook.idempotency_key


def test_a_person_with_the_right_role_decides_the_level(
    world: dict[str, object], store: Store, clock: FrozenClock
) -> None:
    ingest(world, clock, post(1, clock), post(2, clock), post(3, clock))
    with Session(store.engine) as session:
        plan = plan_service.get_active_plan(session=session)
        assert plan is not None
        event_id = session.scalars(select(LevelDecision.event_id)).one()
        with pytest.raises(Forbidden):
            levels.decide(session=session, clock=clock, plan=plan, event_id=event_id,
                          by="nobody", action="confirm")  # fmt: skip
        with pytest.raises(InvalidInput, match="需要填写理由"):
            levels.decide(session=session, clock=clock, plan=plan, event_id=event_id,
                          by="boss", action="change", level="high")  # fmt: skip
        decided = levels.decide(session=session, clock=clock, plan=plan, event_id=event_id,
                                by="boss", action="change", level="high", reason="省报已关注")  # fmt: skip
        assert (decided.status, decided.level, decided.decided_by) == ("changed", "high", "boss")
        with pytest.raises(Conflict, match="已由 boss 更改过"):
            levels.decide(session=session, clock=clock, plan=plan, event_id=event_id,
                          by="boss", action="confirm")  # fmt: skip
        session.commit()


def test_a_restart_mid_delivery_loses_nothing_and_resends_with_the_same_key(
    world: dict[str, object], store: Store, clock: FrozenClock, robots: FakeRobots
) -> None:
    from yuqing.alerts.dispatcher import LEASE, claim_due

    sessions = world["pipeline"].sessions  # type: ignore[attr-defined]
    ingest(world, clock, post(1, clock), post(2, clock), post(3, clock))
    # A dispatcher leases the deliveries and dies before sending or recording anything.
    with sessions.begin() as session:
        leased = claim_due(session, clock.now())
    assert len(leased) == 2
    alert_round(sessions=sessions, clock=clock, send=world["send"])  # type: ignore[arg-type]
    assert robots.webhook.accepted == []  # still leased: not sent twice meanwhile
    clock.advance(LEASE + timedelta(seconds=1))
    alert_round(sessions=sessions, clock=clock, send=world["send"])  # type: ignore[arg-type]
    assert {(d.status, d.attempts) for d in deliveries(store)} == {("sent", 1)}
    (received,) = robots.webhook.accepted
    webhook = next(d for d in deliveries(store) if d.channel == "webhook")
    assert received.idempotency_key == webhook.idempotency_key


def test_quiet_hours_hold_low_levels_but_never_the_most_severe(
    store: Store, clock: FrozenClock
) -> None:
    from datetime import time

    from yuqing.alerts.routing import QuietHours, Recipient, RoutePlan
    from yuqing.analysis.models import Event

    night = FrozenClock(clock.now().replace(hour=15))  # 23:00 in Shanghai
    quiet = QuietHours(time(22, 0), time(7, 0))
    route = RoutePlan(recipients=[Recipient("clerk", "李老师", "email", "c@x.test")], quiet=quiet)
    with Session(store.engine) as session:
        for i in (1, 2):
            session.add(Event(id=f"ev-{i}", partition="", title="t", keywords=[], first_source="s",
                              first_at=night.now(), last_at=night.now(), posts=1, copies=0,
                              negative=0, positive=0, reposts=0, comments=0, likes=0, views=0,
                              sites=1, heat=0.0, updated_at=night.now(), extra={}))  # fmt: skip
        session.flush()
        low = alerts_service.raise_alert(session=session, clock=night, event_id="ev-1", level="low",
                                         level_rank=2, title="t", text="x", route=route)  # fmt: skip
        high = alerts_service.raise_alert(session=session, clock=night, event_id="ev-2", level="high",
                                          level_rank=1, title="t", text="x", route=route)  # fmt: skip
        again = alerts_service.raise_alert(session=session, clock=night, event_id="ev-1", level="low",
                                           level_rank=2, title="t", text="x", route=route)  # fmt: skip
        assert low is not None and high is not None and again is None  # no storm
        low_id, high_id = low.id, high.id
        session.commit()
        by_alert = {d.alert_id: d.not_before for d in session.scalars(select(Delivery))}
    assert by_alert[high_id] == night.now()
    assert by_alert[low_id] == night.now().replace(hour=23)  # 07:00 in Shanghai


def test_an_alert_nobody_acknowledges_is_reminded_less_and_less_often(
    world: dict[str, object], store: Store, clock: FrozenClock
) -> None:
    ingest(world, clock, post(1, clock), post(2, clock), post(3, clock))
    raised = clock.now()
    with Session(store.engine) as session:
        (alert,) = session.scalars(select(Alert)).all()
        plan = plan_service.get_active_plan(session=session)
    assert plan is not None

    def route_for(alert: Alert) -> RoutePlan | None:
        return plan_routes.route_for(plan, alert.level)

    looks: list[tuple[float, str]] = []  # (hours since raised, purpose) of each round
    for _minute in range(0, 48 * 60, 5):
        clock.advance(timedelta(minutes=5))
        with Session(store.engine) as session:
            before = {d.id for d in session.scalars(select(Delivery))}
            alerts_service.run_reminders(session=session, clock=clock, route_for=route_for)
            session.commit()
            new = [d for d in session.scalars(select(Delivery)) if d.id not in before]
        if new:
            hours = (clock.now() - raised).total_seconds() / 3600
            looks.append((round(hours, 2), new[0].purpose))
    # Up the chain at the route's pace (10 minutes): a reminder, the leader, a reminder
    # of both. Then the gaps double, up to 8 hours: 11 rounds in two days, not 288.
    assert [p for _, p in looks[:3]] == ["reminder", "escalation", "reminder"]
    gaps = [round(b - a, 2) for (a, _), (b, _) in pairwise(looks[2:])]
    assert gaps[:5] == [0.17, 0.33, 0.67, 1.33, 2.67]
    assert max(gaps) == 8.0 and len(looks) < 15
    # Acknowledging still stops them.
    with Session(store.engine) as session:
        alerts_service.acknowledge(session=session, clock=clock, alert_id=alert.id, by="clerk")
        session.commit()
        clock.advance(timedelta(hours=9))
        assert alerts_service.run_reminders(session=session, clock=clock, route_for=route_for) == []
