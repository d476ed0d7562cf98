"""Alerts go out in each recipient's language: a user's setting, else the deployment's.

The plan of the alerting flow: the clerk (a user who reads English) gets the alert, the
boss (a user who reads Chinese) gets the escalation; both by e-mail through a real SMTP
server and by a fake robot webhook."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.alerts.test_alerting_flow import deliveries, http, ingest, post, world  # noqa: F401
from tests.conftest import Store
from tests.fakes.robots import FakeRobots
from tests.fakes.smtp import FakeSmtp
from yuqing.alerts.models import Alert
from yuqing.auth import service as auth_service
from yuqing.core.clock import FrozenClock
from yuqing.worker.alerting import alert_round


def _user(store: Store, clock: FrozenClock, name: str, language: str) -> None:
    with Session(store.engine) as session:
        auth_service.create_user(session=session, clock=clock, actor="test", name=name,
                                 role="office", password=None, language=language)  # fmt: skip
        session.commit()


def _body(mail: object) -> str:
    message = mail.message  # type: ignore[attr-defined]
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content())


def test_each_recipient_reads_the_alert_in_their_language(
    world: dict[str, object],  # noqa: F811 - the fixture
    store: Store,
    clock: FrozenClock,
    robots: FakeRobots,
    smtp_server: FakeSmtp,
) -> None:
    _user(store, clock, "clerk", "en")
    _user(store, clock, "boss", "zh_CN")
    sessions = world["pipeline"].sessions  # type: ignore[attr-defined]
    send = world["send"]
    ingest(world, clock, post(1, clock), post(2, clock), post(3, clock))
    alert_round(sessions=sessions, clock=clock, send=send)  # type: ignore[arg-type]
    assert {(d.recipient, d.channel, d.language, d.status) for d in deliveries(store)} == {
        ("clerk", "email", "en", "sent"), ("clerk", "webhook", "en", "sent"),
    }  # fmt: skip
    (to_clerk,) = smtp_server.accepted
    body = _body(to_clerk)
    assert "Proposed level: 二级" in body and "建议级别" not in body
    assert "Acknowledge" in body  # the words the channel adds follow the recipient too
    (hook,) = robots.webhook.accepted
    text = json.dumps(hook.json, ensure_ascii=False)
    assert "Proposed level" in text and "建议级别" not in text

    # Nobody acknowledges: the escalation reaches the boss in Chinese.
    for _ in range(2):
        clock.advance(timedelta(minutes=11))
        alert_round(sessions=sessions, clock=clock, send=send)  # type: ignore[arg-type]
    to_boss = [m for m in smtp_server.accepted if "boss@school.test" in m.message["To"]]
    assert to_boss and "建议级别：二级" in _body(to_boss[0])
    assert "Proposed level" not in _body(to_boss[0])
    boss_hooks = [
        h for h in robots.webhook.accepted if "建议级别" in json.dumps(h.json, ensure_ascii=False)
    ]
    assert boss_hooks, "the boss's webhook message is in Chinese"
    # The alert itself keeps the deployment's language, and every language beside it.
    with Session(store.engine) as session:
        (alert,) = session.scalars(select(Alert)).all()
        assert "建议级别" in alert.text and alert.texts is not None
        assert set(alert.texts) == {"zh_CN", "en"}


def test_a_recipient_who_is_no_user_gets_the_default_language(
    world: dict[str, object],  # noqa: F811 - the fixture
    store: Store,
    clock: FrozenClock,
    smtp_server: FakeSmtp,
) -> None:
    sessions = world["pipeline"].sessions  # type: ignore[attr-defined]
    ingest(world, clock, post(1, clock), post(2, clock), post(3, clock))
    alert_round(sessions=sessions, clock=clock, send=world["send"])  # type: ignore[arg-type]
    assert {d.language for d in deliveries(store)} == {None}
    (mail,) = smtp_server.accepted
    assert "建议级别：二级" in _body(mail) and "确认收到" in _body(mail)
