"""Scheduled reports on a frozen clock: the worker's round generates each due time once,
delivers through the real local SMTP server and robot fakes, skips holidays when the plan
says working days, retries failed deliveries, and never sends twice."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import ROOT, Store
from tests.fakes.robots import FakeRobots
from tests.fakes.smtp import FakeSmtp
from tests.reports.test_reports_service import expected
from yuqing.alerts.sending import ChannelSettings
from yuqing.core.clock import FrozenClock
from yuqing.db.engine import make_sessionmaker
from yuqing.plan import service as plan_service
from yuqing.reports.schedules.channels import ReportSender
from yuqing.reports.schedules.models import ReportDelivery, ReportRun
from yuqing.reports.schedules.outbox import sender_fn
from yuqing.worker.reporting import report_round

SHANGHAI_MONDAY_0800 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 2 March, 08:00 +08
LIU_YANG = "liuyang@mdyz.example.cn"
OUTSIDE = "jyj-xcb@mdx.example.cn"


def plan_text(schedules: list[dict[str, Any]], office_wecom: str | None = None) -> str:
    """The school's example plan with these report schedules (and the office's robot)."""
    yaml = YAML(typ="rt")
    data = yaml.load((ROOT / "examples/plans/school.yaml").read_text(encoding="utf-8"))
    data["report_schedules"] = schedules
    if office_wecom:
        office = next(u for u in data["units"] if u["id"] == "office")
        office["contacts"] = {"wecom": office_wecom}
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def load(store: Store, text: str, at: datetime) -> None:
    with Session(store.engine) as session:
        plan_service.load(session=session, clock=FrozenClock(at), author="test", text=text)
        session.commit()


class Worker:
    """The worker's report round, on a frozen clock, with a sender for the fakes."""

    def __init__(self, store: Store, clock: FrozenClock, settings: ChannelSettings) -> None:
        self.sessions: sessionmaker[Session] = make_sessionmaker(store.engine)
        self.clock = clock
        self.http = httpx.Client(trust_env=False)
        self.sender = ReportSender(settings=settings, clock=clock, http=self.http)

    def round(self) -> list[str]:
        runs, _sent = report_round(
            sessions=self.sessions,
            clock=self.clock,
            send=sender_fn(self.sender),
            link_base=self.sender.link_base(),
        )
        return [f"{r.schedule_id}@{r.due_at.isoformat()}:{r.status}" for r in runs]

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def worker_for(store: Store) -> Iterator[Any]:
    made: list[Worker] = []

    def make(clock: FrozenClock, settings: ChannelSettings) -> Worker:
        made.append(Worker(store, clock, settings))
        return made[-1]

    yield make
    for worker in made:
        worker.close()


def smtp_settings(server: FakeSmtp, **extra: Any) -> ChannelSettings:
    smtp = {"host": server.host, "port": server.port, "sender": "yuqing@mdyz.example.cn"}
    return ChannelSettings(smtp=smtp, **extra)


WEEKLY = {
    "id": "weekly_briefing",
    "kind": "weekly",
    "weekday": "monday",
    "at": "08:00",
    "formats": ["pdf", "json"],
    "recipients": [{"person": "liu_yang"}],
    "emails": [OUTSIDE],
    "channels": ["email"],
}


def test_the_monday_weekly_report_arrives_once_by_email_with_the_stores_figures(
    seeded: Store, smtp_server: FakeSmtp, worker_for: Any
) -> None:
    load(seeded, plan_text([WEEKLY]), datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    clock = FrozenClock(SHANGHAI_MONDAY_0800 - timedelta(minutes=1))
    worker = worker_for(clock, smtp_settings(smtp_server))
    assert worker.round() == []  # 07:59: not yet
    assert smtp_server.received == []

    clock.advance(timedelta(minutes=1))
    assert worker.round() == ["weekly_briefing@2026-03-02T00:00:00+00:00:generated"]
    mails = smtp_server.accepted
    assert sorted(m.rcpt_tos[0] for m in mails) == [OUTSIDE, LIU_YANG]
    mail = next(m.message for m in mails if m.rcpt_tos == [LIU_YANG])
    assert "舆情周报" in mail["Subject"]
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert set(files) == {"weekly-2026-02-23.pdf", "weekly-2026-02-23.json"}
    assert files["weekly-2026-02-23.pdf"][:5] == b"%PDF-"
    figures = json.loads(files["weekly-2026-02-23.json"])
    assert (figures["from"], figures["to"]) == (
        "2026-02-23T00:00:00+08:00",
        "2026-03-02T00:00:00+08:00",
    )
    with Session(seeded.engine) as session:
        want = expected(
            session, datetime.fromisoformat(figures["from"]), datetime.fromisoformat(figures["to"])
        )
    assert {k: figures[k] for k in want} == want
    assert want["posts"] > 0
    assert str(want["posts"]) in mail.get_body(("plain",)).get_content()  # the summary

    # Later rounds, and a worker restarted with fresh sessions, send nothing again.
    clock.advance(timedelta(hours=30))
    assert worker.round() == []
    restarted = worker_for(clock, smtp_settings(smtp_server))
    assert restarted.round() == []
    assert len(smtp_server.received) == 2


def test_a_failed_delivery_is_retried_through_the_outbox_and_sent_once(
    seeded: Store, smtp_server: FakeSmtp, worker_for: Any
) -> None:
    schedule = {**WEEKLY, "formats": ["json"], "emails": []}
    load(seeded, plan_text([schedule]), datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    clock = FrozenClock(SHANGHAI_MONDAY_0800)
    worker = worker_for(clock, smtp_settings(smtp_server))
    smtp_server.fail_next("451 4.3.0 try again later")
    worker.round()
    with Session(seeded.engine) as session:
        delivery = session.scalars(select(ReportDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert "451" in (delivery.last_error or "")
    clock.advance(timedelta(seconds=29))
    worker.round()
    assert smtp_server.accepted == []  # the back-off has not run out
    clock.advance(timedelta(seconds=1))
    assert worker.round() == []  # no new run: only the delivery goes again
    assert [m.rcpt_tos for m in smtp_server.accepted] == [[LIU_YANG]]
    keys = {m.idempotency_key for m in smtp_server.received}
    assert len(keys) == 1  # the same Message-ID on both tries: a repeat is recognisable
    clock.advance(timedelta(hours=1))
    worker.round()
    assert len(smtp_server.accepted) == 1


def test_a_schedule_may_name_a_department(
    routed: Store, smtp_server: FakeSmtp, worker_for: Any
) -> None:
    students = {**WEEKLY, "id": "weekly_students", "department": "student_affairs",
                "formats": ["json"], "emails": []}  # fmt: skip
    water = {**students, "id": "weekly_water", "department": "water"}
    load(routed, plan_text([students, water]), datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    worker = worker_for(FrozenClock(SHANGHAI_MONDAY_0800), smtp_settings(smtp_server))
    assert sorted(worker.round()) == [
        "weekly_students@2026-03-02T00:00:00+00:00:generated",
        "weekly_water@2026-03-02T00:00:00+00:00:failed",
    ]
    mail = smtp_server.accepted[0].message
    assert "舆情周报（学生处）" in mail["Subject"]
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    figures = json.loads(files["weekly-student_affairs-2026-02-23.json"])
    assert (figures["department"], figures["department_name"], figures["posts"]) == (
        "student_affairs",
        "学生处",
        3,
    )
    with Session(routed.engine) as session:
        failed = session.scalars(select(ReportRun).where(ReportRun.status == "failed")).one()
        assert failed.reason == "未知部门“water”"


def test_working_days_skip_official_holidays_and_keep_adjusted_workdays(
    store: Store, smtp_server: FakeSmtp, worker_for: Any
) -> None:
    daily = {
        "id": "daily_briefing",
        "kind": "daily",
        "at": "08:00",
        "working_days": True,
        "formats": ["json"],
        "recipients": [{"person": "liu_yang"}],
    }
    load(store, plan_text([daily]), datetime(2026, 4, 5, 12, 0, tzinfo=UTC))
    clock = FrozenClock(datetime(2026, 4, 6, 0, 0, tzinfo=UTC))  # 清明 (Monday 6 April)
    worker = worker_for(clock, smtp_settings(smtp_server))
    assert worker.round() == ["daily_briefing@2026-04-06T00:00:00+00:00:skipped"]
    assert smtp_server.received == []
    clock.advance(timedelta(days=1))  # Tuesday: a working day again
    assert worker.round() == ["daily_briefing@2026-04-07T00:00:00+00:00:generated"]
    assert len(smtp_server.accepted) == 1
    with Session(store.engine) as session:
        skipped = session.scalars(select(ReportRun).where(ReportRun.status == "skipped")).one()
        assert skipped.reason == "2026-04-06 不是工作日"


def test_a_restarted_worker_catches_up_without_repeating(
    store: Store, smtp_server: FakeSmtp, worker_for: Any
) -> None:
    daily = {
        "id": "daily_briefing",
        "kind": "daily",
        "working_days": True,
        "formats": ["json"],
        "recipients": [{"person": "liu_yang"}],
    }
    load(store, plan_text([daily]), datetime(2026, 10, 8, 12, 0, tzinfo=UTC))
    # Down from Thursday 8 October until Sunday 11 October 09:00 (Shanghai): Friday 9 and
    # Saturday 10 (an adjusted working day, 调休) are due; Sunday is not a working day.
    clock = FrozenClock(datetime(2026, 10, 11, 1, 0, tzinfo=UTC))
    worker = worker_for(clock, smtp_settings(smtp_server))
    assert worker.round() == [
        "daily_briefing@2026-10-09T00:00:00+00:00:generated",
        "daily_briefing@2026-10-10T00:00:00+00:00:generated",
        "daily_briefing@2026-10-11T00:00:00+00:00:skipped",
    ]
    assert worker_for(clock, smtp_settings(smtp_server)).round() == []
    subjects = sorted(m.message["Subject"] for m in smtp_server.accepted)
    assert len(subjects) == 2 and subjects[0].endswith("2026-10-08")


def test_group_robots_get_a_link_to_the_file(
    store: Store, robots: FakeRobots, worker_for: Any
) -> None:
    schedule = {**WEEKLY, "formats": ["json"], "emails": [], "channels": ["wecom"]}
    schedule["recipients"] = [{"unit": "office"}]
    load(store, plan_text([schedule], robots.wecom_url), datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    now = FrozenClock(SHANGHAI_MONDAY_0800)
    worker = worker_for(now, ChannelSettings(ack_base_url="https://yq.example.cn/"))
    worker.round()
    [message] = robots.wecom.accepted
    content = message.json["markdown"]["content"]
    assert content.startswith("### 舆情周报")
    assert re.search(r"\[下载 JSON\]\(https://yq\.example\.cn/reports/files/\d+\)", content)
    assert worker.round() == [] and len(robots.wecom.accepted) == 1
