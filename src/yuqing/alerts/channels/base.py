"""The one small interface every alert channel implements, and what passes through it.

A channel sends one `Message` to one `Target` and either returns a `Delivery` or raises
a `ChannelSendError` (see `errors.py`) whose `retryable` tells the outbox whether to try
again. Channels never retry on their own: the dispatcher owns back-off and attempts, and
passes the same `idempotency_key` on every try so receivers can recognise a repeat.

>>> from yuqing.alerts.channels import get_notifier
>>> notifier = get_notifier("webhook", http=client, clock=clock)  # doctest: +SKIP
>>> notifier.send(message, target=Target(kind="webhook", address=url, secret=s),
...               idempotency_key="a12-r3-webhook")  # doctest: +SKIP
Delivery(ok=True, provider_id=None, detail='HTTP 200')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol


@dataclass(frozen=True)
class Message:
    """What an alert says, independent of the channel that carries it."""

    title: str
    text: str  # plain text (Chinese); channels escape it for their markup
    level: str  # plan data ("一级", "I", "红色"), never an enum
    event_id: str  # "" for a notice that is no alert's (a risk register reminder)
    alert_id: int | None  # None for such a notice
    level_colour: str | None = None  # "red", "orange", "yellow", "blue", "green" or None
    url: str | None = None  # acknowledgement link


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: a mailbox, a phone, or a robot's webhook.

    `secret` and `credentials` never appear in `repr()` or in error messages.
    """

    kind: str
    address: str  # e-mail address, phone number, or webhook URL
    recipient: str = ""  # a person's or group's name, for messages and logs
    secret: str | None = field(default=None, repr=False)
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one successful send."""

    ok: bool
    provider_id: str | None
    detail: str
    code: str | None = None  # what the far end answered: "250", "200", an errcode "0"


class Notifier(Protocol):
    """One alert channel; built-ins and plugins register under `kind`."""

    kind: ClassVar[str]

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        """Send once; raise `ChannelSendError` (with `retryable`) when it fails."""
        ...
