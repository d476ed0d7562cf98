"""Generic webhook: the alert as JSON, signed with HMAC-SHA256 (schema in docs/channels.md).

Signing follows the common "timestamp.body" scheme (Stripe, Slack) so receivers can
refuse replays: `X-YuQing-Signature: sha256=HEX(HMAC-SHA256(secret, f"{ts}.{body}"))`
over the exact bytes sent, with `X-YuQing-Timestamp: ts` (Unix seconds) and
`Idempotency-Key` (the IETF httpapi draft's header) to recognise retries.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, ClassVar

import httpx

from yuqing.alerts.channels.base import Delivery, Message, Target
from yuqing.alerts.channels.errors import ChannelMisconfigured, fail
from yuqing.alerts.channels.posting import epoch_seconds, json_bytes, post_json
from yuqing.core.clock import Clock

SCHEMA = "yuqing.alert/1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-YuQing-Signature` value for `body` sent at `timestamp`."""
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


class WebhookNotifier:
    """POSTs alerts as signed JSON to any HTTP(S) endpoint."""

    kind: ClassVar[str] = "webhook"

    def __init__(self, *, http: httpx.Client, clock: Clock, timeout: float | None = None) -> None:
        self.http, self.clock, self.timeout = http, clock, timeout

    def body(self, message: Message, *, target: Target, idempotency_key: str) -> dict[str, Any]:
        """The JSON document sent (schema `yuqing.alert/1`)."""
        return {
            "schema": SCHEMA,
            "idempotency_key": idempotency_key,
            "alert_id": message.alert_id,
            "event_id": message.event_id,
            "level": message.level,
            "level_colour": message.level_colour,
            "title": message.title,
            "text": message.text,
            "url": message.url,
            "recipient": target.recipient,
            "sent_at": self.clock.now().isoformat(),
        }

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        """Send once to `target.address`, signed with `target.secret`."""
        if not target.secret:
            fail(ChannelMisconfigured, "no signing secret set", channel=self.kind, target=target)
        content = json_bytes(self.body(message, target=target, idempotency_key=idempotency_key))
        timestamp = epoch_seconds(self.clock.now())
        response = post_json(
            self.http,
            target.address,
            channel=self.kind,
            target=target,
            content=content,
            idempotency_key=idempotency_key,
            timeout=self.timeout,
            headers={
                "X-YuQing-Timestamp": str(timestamp),
                "X-YuQing-Signature": signature(target.secret, timestamp, content),
            },
        )
        provider_id = None
        if response.headers.get("Content-Type", "").startswith("application/json"):
            try:
                data = response.json()
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("id"), str | int):
                provider_id = str(data["id"])
        status = response.status_code
        return Delivery(ok=True, provider_id=provider_id, detail=f"HTTP {status}", code=str(status))
