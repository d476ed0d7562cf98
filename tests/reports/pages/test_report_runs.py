"""A scheduled report's deliveries and every attempt of each, on `/reports`: the real
local SMTP server refuses the first try (451) and takes the second (250)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.fakes.smtp import FakeSmtp
from tests.reports.test_report_schedules import (
    LIU_YANG,
    SHANGHAI_MONDAY_0800,
    WEEKLY,
    load,
    plan_text,
    smtp_settings,
    worker_for,  # noqa: F401 - a pytest fixture
)
from yuqing.alerts.sending import ChannelSettings
from yuqing.core.clock import FrozenClock
from yuqing.reports.schedules.models import ReportDelivery, ReportDeliveryAttempt, ReportRun

SignedIn = Callable[[str], tuple[TestClient, str]]


def test_each_attempt_is_kept_and_shown_with_its_code(
    seeded: Store,
    smtp_server: FakeSmtp,
    worker_for: Any,  # noqa: F811 - the imported fixture
    signed_in: SignedIn,
) -> None:
    schedule = {**WEEKLY, "formats": ["json"], "emails": []}
    load(seeded, plan_text([schedule]), datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    clock = FrozenClock(SHANGHAI_MONDAY_0800)
    worker = worker_for(clock, smtp_settings(smtp_server))
    smtp_server.fail_next("451 4.3.0 mailbox busy, try later")
    worker.round()
    clock.advance(timedelta(seconds=30))  # the first retry's back-off
    worker.round()
    assert [m.rcpt_tos for m in smtp_server.accepted] == [[LIU_YANG]]

    with Session(seeded.engine) as session:
        delivery = session.scalars(select(ReportDelivery)).one()
        run_id = delivery.run_id
        tries = session.scalars(
            select(ReportDeliveryAttempt)
            .where(ReportDeliveryAttempt.delivery_id == delivery.id)
            .order_by(ReportDeliveryAttempt.id)
        ).all()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)
        assert [(t.at, t.ok, t.retryable, t.code) for t in tries] == [
            (SHANGHAI_MONDAY_0800, False, True, "451"),
            (SHANGHAI_MONDAY_0800 + timedelta(seconds=30), True, False, "250"),
        ]
        failed = tries[0].detail
        assert "\n" not in failed and LIU_YANG in failed and "mailbox busy, try later" in failed
        assert session.get(ReportRun, run_id) is not None

    client, _csrf = signed_in("office")
    listing = client.get("/reports").text
    assert f'href="/reports/runs/{run_id}"' in listing
    page = client.get(f"/reports/runs/{run_id}")
    assert page.status_code == 200
    attempts = re.findall(r'<li class="wrap attempt">(.*?)</li>', page.text, re.S)
    assert len(attempts) == 2
    assert "2026-03-02 08:00" in attempts[0] and "失败，将重试" in attempts[0]
    assert "代码 451" in attempts[0] and "mailbox busy, try later" in attempts[0]
    assert "2026-03-02 08:00" in attempts[1] and "已送达" in attempts[1]
    assert "代码 250" in attempts[1]
    assert "已发送" in page.text and "weekly-2026-02-23.json" in page.text
    assert client.get("/reports/runs/999").status_code == 404


def test_a_robot_address_is_shown_without_its_token(
    seeded: Store,
    worker_for: Any,  # noqa: F811 - the imported fixture
    signed_in: SignedIn,
) -> None:
    hook = "http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRET-KEY-1234"  # nothing listens
    schedule = {**WEEKLY, "formats": ["json"], "emails": [], "channels": ["wecom"]}
    schedule["recipients"] = [{"unit": "office"}]
    load(seeded, plan_text([schedule], hook), datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    worker_for(FrozenClock(SHANGHAI_MONDAY_0800), ChannelSettings()).round()
    with Session(seeded.engine) as session:
        run_id = session.scalars(select(ReportRun.id)).one()
        attempt = session.scalars(select(ReportDeliveryAttempt)).one()
        assert not attempt.ok and attempt.retryable and "SECRET-KEY" not in attempt.detail
    page = signed_in("leader")[0].get(f"/reports/runs/{run_id}").text
    assert "SECRET-KEY" not in page and "127.0.0.1:9/cgi-bin/webhook/send?key=" in page
