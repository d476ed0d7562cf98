"""SMS through a provider interface, with one generic HTTP provider.

Chinese SMS use UCS-2: 70 characters fit one message, and a long message is cut into
parts of 67 (each part carries a 6-byte concatenation header, 3GPP TS 23.040 §9.2.3.24.1).
An alert keeps to three parts, less what the provider's registered 【签名】 takes, and
keeps its acknowledgement link whole: the text is cut, never the link.

Vendors (Aliyun, Tencent Cloud, ...) plug in as an `SmsProvider`:

>>> class MyVendor:
...     def send_sms(self, phone: str, text: str, *, idempotency_key: str) -> str:
...         return "vendor-message-id"
>>> SmsNotifier(provider=MyVendor())  # doctest: +SKIP
"""

from __future__ import annotations

import re
from typing import ClassVar, Protocol

import httpx

from yuqing.alerts.channels.base import Delivery, Message, Target
from yuqing.alerts.channels.errors import ChannelMisconfigured, ChannelUnavailable, fail
from yuqing.alerts.channels.markup import ack_line, label
from yuqing.alerts.channels.posting import json_bytes, post_json
from yuqing.core.i18n import _

SINGLE_UNITS = 70  # UCS-2 characters in one SMS
PART_UNITS = 67  # UCS-2 characters in each part of a long SMS
MAX_PARTS = 3
SIGNATURE_RESERVE = 10  # room for the provider's 【签名】, which carriers count too
# Mainland mobile numbers: 11 digits starting 13-19, optionally with +86 / 0086 / 86.
_MAINLAND = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")


class SmsProvider(Protocol):
    """Sends one text to one phone; returns the provider's message id."""

    def send_sms(self, phone: str, text: str, *, idempotency_key: str) -> str:
        """Raise `ChannelSendError` subclasses on failure, like a notifier."""
        ...


def normalise_phone(raw: str) -> str | None:
    """`+86` and the 11 digits, or None for anything that is not a mainland mobile."""
    digits = re.sub(r"[\s\-()]", "", raw)
    match = _MAINLAND.match(digits)
    return f"+86{match.group(1)}" if match else None


def units(text: str) -> int:
    """Length in UTF-16 code units, which is what carriers count (emoji take two)."""
    return len(text.encode("utf-16-le")) // 2


def sms_text(message: Message, *, max_units: int) -> str:
    """The SMS body cut to `max_units`, keeping the acknowledgement link whole."""
    # TRANSLATORS: the start of an alert SMS; the alert's text follows directly.
    head = _("[{label}] {title}: ").format(label=label(message.level), title=message.title)
    tail = " " + ack_line(message.url) if message.url else ""
    body = message.text.replace("\n", " ")
    room = max_units - units(head) - units(tail)
    if units(body) > room:
        cut = []
        used = 1  # the ellipsis
        for char in body:
            used += units(char)
            if used > room:
                break
            cut.append(char)
        body = "".join(cut) + "…"
    return (head + body + tail) if room > 0 else (head + tail)[:max_units]


class HttpSmsProvider:
    """A gateway speaking YuQing's generic SMS JSON API (docs/channels.md).

    POST `endpoint` with `Authorization: Bearer API_KEY`, `Idempotency-Key` and
    `{"to": "+86...", "text": ..., "sender": ...}`; a 2xx answers `{"id": "..."}`.
    """

    def __init__(
        self,
        *,
        http: httpx.Client,
        endpoint: str,
        api_key: str,
        sender: str = "",
        timeout: float | None = None,
    ) -> None:
        self.http, self.endpoint, self.sender, self.timeout = http, endpoint, sender, timeout
        self._api_key = api_key

    def send_sms(self, phone: str, text: str, *, idempotency_key: str) -> str:
        """Send once; the gateway dedupes on `Idempotency-Key`."""
        target = Target(kind="sms", address=phone, credentials={"api_key": self._api_key})
        response = post_json(
            self.http,
            self.endpoint,
            channel="sms",
            target=target,
            content=json_bytes({"to": phone, "text": text, "sender": self.sender}),
            idempotency_key=idempotency_key,
            timeout=self.timeout,
            headers={"Authorization": f"Bearer {self._api_key}"},
        )
        try:
            message_id = response.json().get("id")
        except (ValueError, AttributeError):
            message_id = None
        if not isinstance(message_id, str) or not message_id:
            fail(ChannelUnavailable, "gateway gave no message id", channel="sms", target=target)
        return message_id


class SmsNotifier:
    """Sends alerts as short SMS through an `SmsProvider`."""

    kind: ClassVar[str] = "sms"

    def __init__(
        self,
        *,
        provider: SmsProvider,
        max_parts: int = MAX_PARTS,
        signature_reserve: int = SIGNATURE_RESERVE,
    ) -> None:
        self.provider = provider
        self.max_units = max(PART_UNITS * max_parts - signature_reserve, SINGLE_UNITS // 2)

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        """Send once to the phone in `target.address`."""
        phone = normalise_phone(target.address)
        if phone is None:
            reason = "not a mainland mobile number (+86 and 11 digits)"
            fail(ChannelMisconfigured, reason, channel=self.kind, target=target)
        text = sms_text(message, max_units=self.max_units)
        provider_id = self.provider.send_sms(phone, text, idempotency_key=idempotency_key)
        parts = 1 if units(text) <= SINGLE_UNITS else -(-units(text) // PART_UNITS)
        return Delivery(ok=True, provider_id=provider_id, detail=f"{parts} part(s)")
