"""Generic webhook and SMS specifics: schema, signature, 4xx, dedupe, phones, length."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest

from tests.fakes.robots import Fail, FakeRobots
from yuqing.alerts.channels import (
    ChannelMisconfigured,
    ChannelRejected,
    ChannelUnavailable,
    Message,
    Target,
)
from yuqing.alerts.channels.sms import (
    HttpSmsProvider,
    SmsNotifier,
    normalise_phone,
    sms_text,
    units,
)
from yuqing.alerts.channels.webhook import WebhookNotifier
from yuqing.core.clock import FrozenClock


def _webhook(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock
) -> tuple[WebhookNotifier, Target]:
    target = Target(
        kind="webhook", address=robots.webhook_url, recipient="OA系统", secret=robots.webhook_secret
    )
    return WebhookNotifier(http=http, clock=clock), target


def test_webhook_body_follows_the_documented_schema(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    notifier, target = _webhook(robots, http, clock)
    delivery = notifier.send(alert_message, target=target, idempotency_key="a42-oa")
    [received] = robots.webhook.accepted
    assert received.json == {
        "schema": "yuqing.alert/1",
        "idempotency_key": "a42-oa",
        "alert_id": 42,
        "event_id": "ev-20260302-0042",
        "level": "二级",
        "level_colour": "orange",
        "title": "某中学食堂食品安全舆情",
        "text": alert_message.text,
        "url": alert_message.url,
        "recipient": "OA系统",
        "sent_at": "2026-03-02T01:00:00+00:00",
    }
    timestamp = received.headers["x-yuqing-timestamp"]
    expected = hmac.new(
        robots.webhook_secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    )
    assert received.headers["x-yuqing-signature"] == "sha256=" + expected.hexdigest()
    assert delivery.provider_id == "wh-1"


def test_webhook_4xx_is_not_retried_and_429_says_when(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    notifier, target = _webhook(robots, http, clock)
    missing = Target(kind="webhook", address=robots.base + "/nowhere", secret="x" * 8)
    with pytest.raises(ChannelRejected, match="HTTP 404"):
        notifier.send(alert_message, target=missing, idempotency_key="k")
    robots.webhook.fail_next(Fail.RATE_LIMIT)
    with pytest.raises(ChannelUnavailable) as caught:
        notifier.send(alert_message, target=target, idempotency_key="k")
    assert caught.value.retry_after == 30.0 and caught.value.code == 429


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("008619912345678", "+8619912345678"),
        ("12800138000", None),  # no mobile range starts 12
        ("1380013800", None),  # ten digits
        ("+1 415 555 0100", None),  # outside the mainland
        ("", None),
    ],
)
def test_phone_numbers(raw: str, phone: str | None) -> None:
    assert normalise_phone(raw) == phone


def test_sms_refuses_a_bad_phone_before_sending(
    robots: FakeRobots, http: httpx.Client, alert_message: Message
) -> None:
    provider = HttpSmsProvider(http=http, endpoint=robots.sms_url, api_key=robots.sms_api_key)
    with pytest.raises(ChannelMisconfigured, match="mainland mobile"):
        SmsNotifier(provider=provider).send(
            alert_message, target=Target(kind="sms", address="12345"), idempotency_key="k"
        )
    assert not robots.sms.received


def test_sms_text_is_cut_to_three_parts_and_keeps_the_link(alert_message: Message) -> None:
    long = Message(**{**alert_message.__dict__, "text": "家长反映情况😀" * 60})
    text = sms_text(long, max_units=191)
    assert units(text) <= 191
    assert text.startswith("【二级预警】某中学食堂食品安全舆情：家长反映")
    assert text.endswith(f"… 确认收到：{alert_message.url}")
    assert sms_text(alert_message, max_units=191).count(alert_message.text) == 1


def test_sms_gateway_dedupes_a_repeated_key(
    robots: FakeRobots, http: httpx.Client, alert_message: Message
) -> None:
    provider = HttpSmsProvider(http=http, endpoint=robots.sms_url, api_key=robots.sms_api_key)
    notifier = SmsNotifier(provider=provider)
    target = Target(kind="sms", address="13800138000", recipient="张三")
    first = notifier.send(alert_message, target=target, idempotency_key="a42-sms")
    second = notifier.send(alert_message, target=target, idempotency_key="a42-sms")
    assert first.provider_id == second.provider_id == "sms-1"
    assert len(robots.sms.accepted) == 1
    assert robots.sms.accepted[0].json["to"] == "+8613800138000"


def test_sms_errors_mask_the_phone(
    robots: FakeRobots, http: httpx.Client, alert_message: Message
) -> None:
    provider = HttpSmsProvider(http=http, endpoint=robots.sms_url, api_key="wrong-key")
    with pytest.raises(ChannelRejected) as caught:
        SmsNotifier(provider=provider).send(
            alert_message, target=Target(kind="sms", address="13800138000"), idempotency_key="k"
        )
    assert "138****8000" in str(caught.value) and "13800138000" not in str(caught.value)
