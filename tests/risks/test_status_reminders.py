"""The risk register's monthly reminder: from the plan's due day (the 25th, 09:00 in the
plan's zone by default) the worker's alert round reminds each lead department of every
point not closed with no status for the month, once per point and month, through the
alert outbox; a restarted worker does not remind again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.fakes.notifier import RecordingNotifier
from yuqing.alerts.models import Delivery
from yuqing.alerts.sending import ChannelSettings, Sender
from yuqing.auth.models import AuditEntry
from yuqing.core.clock import FrozenClock
from yuqing.db.engine import make_sessionmaker
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text
from yuqing.plan.schema import Plan
from yuqing.risks.models import RiskMonth, RiskPoint, RiskReminder
from yuqing.risks.reminders import status_month_due
from yuqing.worker.alerting import alert_round

# 2026-12-25 09:00 in Shanghai, the county bureau plan's zone.
DUE = datetime(2026, 12, 25, 1, 0, tzinfo=UTC)


def _point(session: Session, clock: FrozenClock, title: str, lead: str, **kw: object) -> int:
    now = clock.now()
    point = RiskPoint(
        title=title, lead_department=lead, departments=[], created_at=now, created_by="test",
        updated_at=now, updated_by="test", **kw,
    )  # fmt: skip
    session.add(point)
    session.flush()
    return point.id


def _sender(clock: FrozenClock, http: httpx.Client) -> tuple[Sender, RecordingNotifier]:
    sender = Sender(settings=ChannelSettings(), clock=clock, http=http)
    recording = RecordingNotifier()
    sender._notifiers["email"] = recording  # the recording fake in the e-mail channel's place
    return sender, recording


def test_the_lead_department_is_reminded_once_per_point_and_month(
    store: Store, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    with Session(store.engine) as session:
        plan_service.load(
            session=session, clock=clock, author="test",
            text=example_plan_text("county_bureau"), source_name="county_bureau.yaml",
        )  # fmt: skip
        missing = _point(session, clock, "校园食堂食品安全", "basic_edu")
        recorded = _point(session, clock, "校车安全", "safety")
        closed = _point(session, clock, "已销号的风险", "basic_edu", status="closed")
        session.add(
            RiskMonth(risk_id=recorded, month="2026-12", situation="平稳",
                      recorded_at=clock.now(), recorded_by="test")
        )  # fmt: skip
        session.commit()
    sessions = make_sessionmaker(store.engine)
    with httpx.Client(trust_env=False) as http:
        sender, recording = _sender(clock, http)
        clock.set(DUE.replace(day=24))  # the day before: nothing yet
        alert_round(sessions=sessions, clock=clock, send=sender)
        assert recording.sent == []

        clock.set(DUE)
        alert_round(sessions=sessions, clock=clock, send=sender)
        sent = recording.accepted
        # basic_edu's people in the county bureau plan: chen_gang and zhou_jie, by e-mail.
        assert sorted(s.target.address for s in sent) == [
            "chengang@mdjyj.example.cn", "zhoujie@mdjyj.example.cn",
        ]  # fmt: skip
        assert all(f"yuqing risk status {missing} --month 2026-12" in s.message.text for s in sent)
        assert all(s.message.alert_id is None and not s.message.url for s in sent)

        # Later rounds, and a restarted worker (new sessions), remind nobody again.
        clock.advance(timedelta(hours=1))
        alert_round(sessions=sessions, clock=clock, send=sender)
        restarted, again = _sender(clock, http)
        alert_round(sessions=make_sessionmaker(store.engine), clock=clock, send=restarted)
        assert len(recording.sent) == 2 and again.sent == []

        # Next month both open points lack a status: basic_edu's two people are reminded
        # again, and safety's two (wu_qiang, zheng_yun) of the other point.
        clock.set(datetime(2027, 1, 25, 1, 0, tzinfo=UTC))
        alert_round(sessions=sessions, clock=clock, send=sender)
        assert len(recording.accepted) == 6
    with Session(store.engine) as session:
        rows = session.execute(select(RiskReminder.risk_id, RiskReminder.month)).all()
        assert sorted(rows) == [(missing, "2026-12"), (missing, "2027-01"), (recorded, "2027-01")]
        assert closed not in {risk_id for risk_id, _ in rows}
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "risk.status_reminded")
        ).all()
        assert {(e.actor, e.target) for e in entries} >= {("system", f"risk:{missing}")}
        assert entries[0].after == {"month": "2026-12", "department": "basic_edu", "deliveries": 2}
        purposes = set(session.scalars(select(Delivery.purpose).where(Delivery.alert_id.is_(None))))
        assert purposes == {"risk-status"}


def test_the_due_day_is_the_plans_and_null_turns_it_off(store: Store, clock: FrozenClock) -> None:
    with Session(store.engine) as session:
        plan_service.load(
            session=session, clock=clock, author="test",
            text=example_plan_text("county_bureau"), source_name="county_bureau.yaml",
        )  # fmt: skip
        plan = plan_service.get_active_plan(session=session)
    assert plan is not None
    # The 25th begins at 16:00 UTC on the 24th in Shanghai; the reminder waits for 09:00.
    assert status_month_due(plan, datetime(2026, 12, 24, 23, 59, tzinfo=UTC)) is None
    assert status_month_due(plan, DUE) == "2026-12"
    earlier = Plan.model_validate(
        plan.model_dump() | {"risks": {"status_due_day": 5, "status_remind_at": "08:30"}}
    )
    assert status_month_due(earlier, datetime(2026, 12, 5, 0, 30, tzinfo=UTC)) == "2026-12"
    off = Plan.model_validate(plan.model_dump() | {"risks": {"status_due_day": None}})
    assert status_month_due(off, DUE) is None
