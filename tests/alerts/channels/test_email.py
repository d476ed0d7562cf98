"""E-mail specifics against a real SMTP server on 127.0.0.1: headers, STARTTLS, replies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.smtp import FakeSmtp, self_signed_tls
from yuqing.alerts.channels import ChannelRejected, ChannelUnavailable, Message, Target
from yuqing.alerts.channels.email import EmailNotifier, message_id
from yuqing.core.clock import FrozenClock

TARGET = Target(kind="email", address="zhangsan@school.yuqing.test", recipient="张三")


def _notifier(server: FakeSmtp, clock: FrozenClock, **extra: object) -> EmailNotifier:
    return EmailNotifier(
        clock=clock,
        host=server.host,
        port=server.port,
        sender="yuqing@alerts.yuqing.test",
        username=server.username,
        password=server.password,
        local_hostname="yuqing.test",
        timeout=5.0,
        **extra,  # type: ignore[arg-type]
    )


def test_mail_has_utf8_subject_and_alert_headers(
    smtp_server: FakeSmtp, clock: FrozenClock, alert_message: Message
) -> None:
    delivery = _notifier(smtp_server, clock).send(
        alert_message, target=TARGET, idempotency_key="a42-mail"
    )
    [mail] = smtp_server.accepted
    message = mail.message
    assert message["Subject"] == "【二级预警】某中学食堂食品安全舆情"
    assert message["To"] == "张三 <zhangsan@school.yuqing.test>"
    assert message["X-YuQing-Alert"] == "42"
    assert message["Message-ID"] == message_id("a42-mail", "alerts.yuqing.test")
    assert delivery.provider_id == message["Message-ID"]
    assert message["Date"] == "Mon, 02 Mar 2026 01:00:00 +0000"
    body = message.get_body(("plain",))
    assert body is not None and alert_message.text in body.get_content()
    assert mail.rcpt_tos == ["zhangsan@school.yuqing.test"]


def test_a_refused_recipient_is_not_retried(
    smtp_server: FakeSmtp, clock: FrozenClock, alert_message: Message
) -> None:
    smtp_server.fail_next("554 5.7.1 Message rejected as spam")
    with pytest.raises(ChannelRejected, match="SMTP 554") as caught:
        _notifier(smtp_server, clock).send(alert_message, target=TARGET, idempotency_key="k")
    assert caught.value.code == 554


def test_a_malformed_address_is_misconfigured(
    smtp_server: FakeSmtp, clock: FrozenClock, alert_message: Message
) -> None:
    bad = Target(kind="email", address="not an address@@", recipient="张三")
    with pytest.raises(ChannelRejected):
        _notifier(smtp_server, clock).send(alert_message, target=bad, idempotency_key="k")
    assert not smtp_server.received


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[tuple[FakeSmtp, object]]:
    server_context, client_context = self_signed_tls(tmp_path)
    server = FakeSmtp(tls_context=server_context)
    yield server, client_context
    server.close()


def test_starttls_then_login(
    tls_smtp_server: tuple[FakeSmtp, object], clock: FrozenClock, alert_message: Message
) -> None:
    server, client_context = tls_smtp_server
    notifier = _notifier(server, clock, starttls=True, ssl_context=client_context)
    notifier.send(alert_message, target=TARGET, idempotency_key="k")
    assert len(server.accepted) == 1


def test_without_starttls_a_tls_only_server_refuses(
    tls_smtp_server: tuple[FakeSmtp, object], clock: FrozenClock, alert_message: Message
) -> None:
    server, _ = tls_smtp_server
    with pytest.raises((ChannelRejected, ChannelUnavailable)):
        _notifier(server, clock).send(alert_message, target=TARGET, idempotency_key="k")
    assert not server.accepted
