"""WeCom (企业微信) group robot: markdown message to the robot's webhook.

Vendor docs, "群机器人配置说明" https://developer.work.weixin.qq.com/document/path/91770 :
POST `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` with
`{"msgtype": "markdown", "markdown": {"content": ...}}`; content at most 4096 bytes of
UTF-8; at most 20 messages a minute per robot. The key in the URL is the credential
(there is no signature). Answers are HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from yuqing.alerts.channels import markup
from yuqing.alerts.channels.base import Delivery, Message, Target
from yuqing.alerts.channels.posting import errcode_result, json_bytes, post_json
from yuqing.core.clock import Clock

MAX_CONTENT_BYTES = 4096  # errcode 40058 "markdown.content exceed max length 4096"
# -1 system busy; 45009 "api freq out of limit" (20/min). Everything else (93000 invalid
# webhook url, 40058 too long, 4xxxx bad parameters) will not pass on a second try.
RETRYABLE = frozenset({-1, 45009})
# WeCom markdown has three colours: info (green), comment (grey), warning (orange-red).
_COLOURS = {"red": "warning", "orange": "warning", "yellow": "warning", "green": "info"}


class WeComNotifier:
    """Posts alerts to WeCom group robots."""

    kind: ClassVar[str] = "wecom"

    def __init__(self, *, http: httpx.Client, clock: Clock, timeout: float | None = None) -> None:
        self.http, self.clock, self.timeout = http, clock, timeout

    def body(self, message: Message) -> dict[str, object]:
        """The request body WeCom expects."""
        colour = _COLOURS.get((message.level_colour or "").lower(), "comment")
        label = f'<font color="{colour}">{markup.label(markup.neutral(message.level))}</font>'
        title = "### " + markup.bracketed(label, markup.neutral(message.title))
        content = markup.markdown(message, title_line=title, max_bytes=MAX_CONTENT_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        """Send once to the robot at `target.address` (the full webhook URL with key)."""
        response = post_json(
            self.http,
            target.address,
            channel=self.kind,
            target=target,
            content=json_bytes(self.body(message)),
            idempotency_key=idempotency_key,
            timeout=self.timeout,
        )
        return errcode_result(response, channel=self.kind, target=target, retryable=RETRYABLE)
