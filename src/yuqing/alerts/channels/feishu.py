"""Feishu (飞书) custom robot with 签名校验 (signature check).

Vendor docs, "自定义机器人使用指南"
https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot :
string_to_sign = f"{timestamp}\\n{secret}", timestamp in seconds; the signature is
base64(HmacSHA256) with string_to_sign as the KEY and an empty message (the reverse of
DingTalk: the official Java sample does `mac.init(stringToSign)` then `doFinal(new
byte[]{})`). Both go in the body: `{"timestamp": "SECONDS", "sign": ..., "msg_type": ...}`.
The timestamp must be within one hour of Feishu's clock; the body at most 20 KB.
Answers `{"code": 0, "msg": "success", "data": {}}`; 19021 sign mismatch or stale
timestamp, 19024 keyword missing, 19022 IP not allowed, 9499 bad request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import ClassVar

import httpx

from yuqing.alerts.channels import markup
from yuqing.alerts.channels.base import Delivery, Message, Target
from yuqing.alerts.channels.errors import (
    ChannelMisconfigured,
    ChannelRejected,
    ChannelUnavailable,
    fail,
)
from yuqing.alerts.channels.posting import epoch_seconds, json_bytes, post_json, vendor_json
from yuqing.core.clock import Clock

MAX_TEXT_BYTES = 15_000  # the whole body may be 20 KB
RETRYABLE = frozenset({11232})  # "frequency limited": 100/min, 5/s per robot
# Card header templates Feishu knows; the plan's colour names map straight onto them.
TEMPLATES = frozenset({"blue", "wathet", "turquoise", "green", "yellow", "orange", "red"})


def sign(timestamp_s: int, secret: str) -> str:
    """The body's `sign` value."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class FeishuNotifier:
    """Posts alerts to Feishu custom robots that use 签名校验, as cards or plain text."""

    kind: ClassVar[str] = "feishu"

    def __init__(
        self, *, http: httpx.Client, clock: Clock, timeout: float | None = None, card: bool = True
    ) -> None:
        self.http, self.clock, self.timeout, self.card = http, clock, timeout, card

    def content(self, message: Message) -> dict[str, object]:
        """`msg_type` and its payload, without the signature."""
        if not self.card:
            # Text messages parse `<at>` tags, so the text is neutralised here too.
            body = markup.neutral(message.text)
            text = f"{markup.heading(message)}\n{body}\n{markup.footer(message)}"
            return {"msg_type": "text", "content": {"text": markup.cut_bytes(text, MAX_TEXT_BYTES)}}
        colour = (message.level_colour or "").lower()
        elements: list[dict[str, object]] = [
            {
                "tag": "div",
                "text": {
                    "tag": "lark_md",
                    "content": markup.cut_bytes(markup.neutral(message.text), MAX_TEXT_BYTES),
                },
            },
            {"tag": "note", "elements": [{"tag": "plain_text", "content": _ids(message)}]},
        ]
        if message.url:
            button = {
                "tag": "button",
                "text": {"tag": "plain_text", "content": markup.ack_label()},
                "url": message.url,
                "type": "primary",
            }
            elements.append({"tag": "action", "actions": [button]})
        header = {
            "title": {
                "tag": "plain_text",
                "content": markup.bracketed(markup.label(message.level), message.title),
            },
            "template": colour if colour in TEMPLATES else "red",
        }
        card = {"config": {"wide_screen_mode": True}, "header": header, "elements": elements}
        return {"msg_type": "interactive", "card": card}

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        """Send once to the robot at `target.address` signed with `target.secret`."""
        if not target.secret:
            fail(ChannelMisconfigured, "no 签名校验 secret set", channel=self.kind, target=target)
        timestamp = epoch_seconds(self.clock.now())
        body = {"timestamp": str(timestamp), "sign": sign(timestamp, target.secret)}
        response = post_json(
            self.http,
            target.address,
            channel=self.kind,
            target=target,
            content=json_bytes({**body, **self.content(message)}),
            idempotency_key=idempotency_key,
            timeout=self.timeout,
        )
        data = vendor_json(response, channel=self.kind, target=target)
        # Older robots answer with `StatusCode` only; newer ones send both.
        code = data.get("code", data.get("StatusCode"))
        if code == 0:
            return Delivery(ok=True, provider_id=None, detail="code 0 success", code="0")
        error = ChannelUnavailable if code in RETRYABLE else ChannelRejected
        reason = f"code {code}: {data.get('msg', data.get('StatusMessage', ''))}"
        fail(error, reason, channel=self.kind, target=target, code=str(code))


def _ids(message: Message) -> str:
    return markup.ids_line(message.event_id, message.alert_id)
