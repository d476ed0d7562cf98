"""DingTalk (钉钉) custom robot with 加签 (signed) security.

Vendor docs, "自定义机器人安全设置 / 加签"
https://open.dingtalk.com/document/robots/customize-robot-security-settings :
string_to_sign = f"{timestamp}\\n{secret}", timestamp in milliseconds;
sign = urlEncode(base64(HmacSHA256(key=secret, msg=string_to_sign))), UTF-8 throughout;
POST `https://oapi.dingtalk.com/robot/send?access_token=TOKEN&timestamp=MS&sign=SIGN`.
The robot refuses a timestamp more than one hour from its own clock. Message format,
"自定义机器人发送群消息": `{"msgtype": "markdown", "markdown": {"title", "text"}}`;
answers `{"errcode": 0, "errmsg": "ok"}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import ClassVar
from urllib.parse import quote_plus

import httpx

from yuqing.alerts.channels import markup
from yuqing.alerts.channels.base import Delivery, Message, Target
from yuqing.alerts.channels.errors import (
    ChannelMisconfigured,
    fail,
)
from yuqing.alerts.channels.posting import (
    epoch_millis,
    errcode_result,
    json_bytes,
    post_json,
)
from yuqing.core.clock import Clock

MAX_TEXT_BYTES = 5000  # well under the request size limit; long alerts link to the event
# -1 system busy; 130101 "send too fast" (20/min); 410100 flow control. 310000 (sign or
# keyword check failed), 300001 (unknown token) and the rest will not pass on retry.
RETRYABLE = frozenset({-1, 130101, 410100})


def sign(timestamp_ms: int, secret: str) -> str:
    """The `sign` query value, already URL-encoded as DingTalk's sample does."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class DingTalkNotifier:
    """Posts alerts to DingTalk custom robots that use 加签."""

    kind: ClassVar[str] = "dingtalk"

    def __init__(self, *, http: httpx.Client, clock: Clock, timeout: float | None = None) -> None:
        self.http, self.clock, self.timeout = http, clock, timeout

    def body(self, message: Message) -> dict[str, object]:
        """The request body DingTalk expects."""
        text = markup.markdown(
            message, title_line=f"### {markup.heading(message)}", max_bytes=MAX_TEXT_BYTES
        )
        # `title` is what the chat list and notifications show.
        title = markup.cut_bytes(markup.labelled(markup.label(message.level), message.title), 200)
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}

    def signed_url(self, target: Target) -> str:
        """The webhook URL with `timestamp` and `sign` appended."""
        if not target.secret:
            fail(ChannelMisconfigured, "no 加签 secret set", channel=self.kind, target=target)
        timestamp = epoch_millis(self.clock.now())
        joiner = "&" if "?" in target.address else "?"
        # Appended by hand: `sign` is already URL-encoded, and encoding it twice would
        # make the robot answer 310000.
        return (
            f"{target.address}{joiner}timestamp={timestamp}&sign={sign(timestamp, target.secret)}"
        )

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        """Send once to the robot at `target.address` signed with `target.secret`."""
        response = post_json(
            self.http,
            self.signed_url(target),
            channel=self.kind,
            target=target,
            content=json_bytes(self.body(message)),
            idempotency_key=idempotency_key,
            timeout=self.timeout,
        )
        return errcode_result(response, channel=self.kind, target=target, retryable=RETRYABLE)
