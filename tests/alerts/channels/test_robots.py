"""WeCom, DingTalk and Feishu specifics: signatures, clocks, vendor codes, hostile text."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.fakes.robots import FakeRobots
from yuqing.alerts.channels import ChannelMisconfigured, ChannelRejected, Message, Target
from yuqing.alerts.channels.dingtalk import DingTalkNotifier, sign
from yuqing.alerts.channels.feishu import FeishuNotifier
from yuqing.alerts.channels.wecom import WeComNotifier
from yuqing.core.clock import FrozenClock


@pytest.fixture
def stale_clock(clock: FrozenClock) -> FrozenClock:
    """A sender clock two hours behind the robots' clock."""
    return FrozenClock(clock.now() - timedelta(hours=2))


def test_dingtalk_sign_is_url_encoded_exactly_once() -> None:
    value = sign(1_700_000_000_000, "SECtest")
    assert value.endswith("%3D")  # base64 of 32 bytes ends in "=", encoded once
    assert "%25" not in value  # never encoded twice


def test_dingtalk_refuses_a_timestamp_over_an_hour_old(
    robots: FakeRobots, http: httpx.Client, stale_clock: FrozenClock, alert_message: Message
) -> None:
    notifier = DingTalkNotifier(http=http, clock=stale_clock)
    target = Target(kind="dingtalk", address=robots.dingtalk_url, secret=robots.dingtalk_secret)
    with pytest.raises(ChannelRejected, match="errcode 310000") as caught:
        notifier.send(alert_message, target=target, idempotency_key="k1")
    assert caught.value.code == "310000"


def test_dingtalk_signed_url_keeps_the_token_and_adds_timestamp_in_ms(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    notifier = DingTalkNotifier(http=http, clock=clock)
    target = Target(kind="dingtalk", address=robots.dingtalk_url, secret=robots.dingtalk_secret)
    notifier.send(alert_message, target=target, idempotency_key="k1")
    [received] = robots.dingtalk.accepted
    assert received.query["access_token"] == robots.dingtalk_token
    assert int(received.query["timestamp"]) == int(clock.now().timestamp()) * 1000
    assert received.json["markdown"]["title"] == "二级预警：某中学食堂食品安全舆情"


def test_feishu_refuses_a_stale_timestamp(
    robots: FakeRobots, http: httpx.Client, stale_clock: FrozenClock, alert_message: Message
) -> None:
    notifier = FeishuNotifier(http=http, clock=stale_clock)
    target = Target(kind="feishu", address=robots.feishu_url, secret=robots.feishu_secret)
    with pytest.raises(ChannelRejected, match="code 19021"):
        notifier.send(alert_message, target=target, idempotency_key="k1")


def test_feishu_card_has_colour_and_ack_button(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    notifier = FeishuNotifier(http=http, clock=clock)
    target = Target(kind="feishu", address=robots.feishu_url, secret=robots.feishu_secret)
    notifier.send(alert_message, target=target, idempotency_key="k1")
    body = robots.feishu.accepted[0].json
    assert body["timestamp"] == str(int(clock.now().timestamp()))
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["template"] == "orange"
    assert body["card"]["header"]["title"]["content"] == "【二级预警】某中学食堂食品安全舆情"
    [button] = body["card"]["elements"][-1]["actions"]
    assert button["url"] == alert_message.url


def test_feishu_plain_text_mode(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    notifier = FeishuNotifier(http=http, clock=clock, card=False)
    target = Target(kind="feishu", address=robots.feishu_url, secret=robots.feishu_secret)
    notifier.send(alert_message, target=target, idempotency_key="k1")
    body = robots.feishu.accepted[0].json
    assert body["msg_type"] == "text"
    assert alert_message.text in body["content"]["text"]


def test_feishu_unknown_hook_is_not_retried(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    url = robots.feishu_url.replace(robots.feishu_hook, "00000000-0000-0000-0000-000000000000")
    target = Target(kind="feishu", address=url, secret=robots.feishu_secret)
    with pytest.raises(ChannelRejected, match="code 19001"):
        FeishuNotifier(http=http, clock=clock).send(
            alert_message, target=target, idempotency_key="k"
        )


@pytest.mark.parametrize("notifier_class", [DingTalkNotifier, FeishuNotifier])
def test_signed_robots_need_a_secret(
    robots: FakeRobots,
    http: httpx.Client,
    clock: FrozenClock,
    alert_message: Message,
    notifier_class: type[DingTalkNotifier] | type[FeishuNotifier],
) -> None:
    notifier = notifier_class(http=http, clock=clock)
    target = Target(kind=notifier.kind, address=robots.dingtalk_url)
    with pytest.raises(ChannelMisconfigured, match="secret"):
        notifier.send(alert_message, target=target, idempotency_key="k")
    assert not robots.dingtalk.received


def test_wecom_cuts_long_text_to_4096_bytes(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    long = Message(**{**alert_message.__dict__, "text": "舆情" * 3000})
    target = Target(kind="wecom", address=robots.wecom_url)
    WeComNotifier(http=http, clock=clock).send(long, target=target, idempotency_key="k")
    content = robots.wecom.accepted[0].json["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096
    assert "…" in content and alert_message.url in content  # the ack link survives the cut


def test_hostile_post_text_cannot_add_links_or_tags(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    hostile = Message(
        **{
            **alert_message.__dict__,
            "text": '看这里[点我](http://evil.example)<font color="info">假消息</font>',
        }
    )
    target = Target(kind="wecom", address=robots.wecom_url)
    WeComNotifier(http=http, clock=clock).send(hostile, target=target, idempotency_key="k")
    content = robots.wecom.accepted[0].json["markdown"]["content"]
    assert "[点我]" not in content and '<font color="info">' not in content
    assert "［点我］(http://evil.example)＜font" in content


def test_wecom_level_colour_uses_wecom_names(
    robots: FakeRobots, http: httpx.Client, clock: FrozenClock, alert_message: Message
) -> None:
    target = Target(kind="wecom", address=robots.wecom_url)
    WeComNotifier(http=http, clock=clock).send(alert_message, target=target, idempotency_key="k")
    content = robots.wecom.accepted[0].json["markdown"]["content"]
    assert content.startswith('### 【<font color="warning">二级预警</font>】某中学食堂食品安全舆情')
