"""Contract suite: every channel × every check (STYLE §7, river's yield_checks).

Each check states one promise the outbox relies on: a delivery arrives intact, a
failure says whether to retry, nothing hangs past its timeout, and a retry carries the
same idempotency key.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.alerts.channels.cases import KINDS, Case, EmailCase, HttpCase
from tests.fakes.robots import Fail, FakeRobots
from tests.fakes.smtp import FakeSmtp
from yuqing.alerts.channels import (
    ChannelRejected,
    ChannelSendError,
    ChannelUnavailable,
    Delivery,
    Message,
    notifier_kinds,
)
from yuqing.core.clock import FrozenClock


@pytest.fixture(params=KINDS)
def case(
    request: pytest.FixtureRequest, robots: FakeRobots, http: httpx.Client, clock: FrozenClock
) -> Iterator[Case]:
    if request.param == "email":
        server: FakeSmtp = request.getfixturevalue("smtp_server")
        made: Case = EmailCase(server, clock)
    else:
        made = HttpCase(request.param, robots, http, clock)
    yield made
    for thing in made.cleanup:
        thing.close()


def _assert_safe(error: ChannelSendError, case: Case) -> None:
    text = str(error)
    assert text.startswith(f"{case.kind} to "), text
    assert "\n" not in text
    for secret in case.secrets:
        assert secret not in text, f"secret leaked in {text!r}"


def test_kind_is_registered(case: Case) -> None:
    notifier, _ = case.ok()
    assert notifier.kind == case.kind
    assert case.kind in notifier_kinds()


def test_delivers_with_text_intact(case: Case, alert_message: Message) -> None:
    notifier, target = case.ok()
    delivery = notifier.send(alert_message, target=target, idempotency_key="a42-d1")
    assert isinstance(delivery, Delivery) and delivery.ok
    [seen] = case.attempts()
    assert seen.accepted
    assert alert_message.text in seen.text  # Chinese text arrives byte for byte


def test_a_notice_that_is_no_alert_arrives_without_ids_or_link(case: Case) -> None:
    """The risk register's reminder: its own words, no level, event, alert or ack link."""
    notice = Message(
        title="风险点月度动态待填报：校园食堂食品安全",
        text="风险点 7“校园食堂食品安全”尚未填报 2026-12 的月度动态。",
        level="",
        event_id="",
        alert_id=None,
    )
    notifier, target = case.ok()
    delivery = notifier.send(notice, target=target, idempotency_key="notice-1")
    assert isinstance(delivery, Delivery) and delivery.ok
    [seen] = case.attempts()
    assert seen.accepted and notice.text in seen.text
    assert "None" not in seen.text and "/ack/" not in seen.text


def test_wrong_credentials_are_not_retried(case: Case, alert_message: Message) -> None:
    notifier, target = case.bad_credentials()
    with pytest.raises(ChannelRejected) as caught:
        notifier.send(alert_message, target=target, idempotency_key="a42-d2")
    assert caught.value.retryable is False
    _assert_safe(caught.value, case)
    assert not [s for s in case.attempts() if s.accepted]


@pytest.mark.parametrize("mode", [Fail.SERVER_ERROR, Fail.RATE_LIMIT])
def test_server_trouble_is_retried(case: Case, alert_message: Message, mode: Fail) -> None:
    notifier, target = case.ok()
    case.fail_next(mode)
    with pytest.raises(ChannelUnavailable) as caught:
        notifier.send(alert_message, target=target, idempotency_key="a42-d3")
    assert caught.value.retryable is True
    _assert_safe(caught.value, case)


def test_refused_connection_is_retried(case: Case, alert_message: Message) -> None:
    notifier, target = case.unreachable()
    with pytest.raises(ChannelUnavailable) as caught:
        notifier.send(alert_message, target=target, idempotency_key="a42-d4")
    _assert_safe(caught.value, case)


def test_a_receiver_that_never_answers_times_out(case: Case, alert_message: Message) -> None:
    notifier, target = case.hanging()
    with pytest.raises(ChannelUnavailable) as caught:
        notifier.send(alert_message, target=target, idempotency_key="a42-d5")
    _assert_safe(caught.value, case)


def test_a_retry_carries_the_same_key(case: Case, alert_message: Message) -> None:
    notifier, target = case.ok()
    case.fail_next(Fail.SERVER_ERROR)
    with pytest.raises(ChannelUnavailable):
        notifier.send(alert_message, target=target, idempotency_key="a42-d6")
    notifier.send(alert_message, target=target, idempotency_key="a42-d6")
    first, second = case.attempts()
    assert first.key is not None and first.key == second.key
    assert (first.accepted, second.accepted) == (False, True)
