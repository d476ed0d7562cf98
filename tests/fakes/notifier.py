"""`RecordingNotifier`: a channel that keeps what it is asked to send (for dispatcher tests).

>>> notifier = RecordingNotifier()
>>> notifier.fail_next(ChannelUnavailable)   # the next send raises, retryable
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import ClassVar

from yuqing.alerts.channels.base import Delivery, Message, Target
from yuqing.alerts.channels.errors import ChannelSendError, describe


@dataclass(frozen=True)
class Sent:
    message: Message
    target: Target
    idempotency_key: str
    accepted: bool


class RecordingNotifier:
    """Records every send; fails the ones it is told to, like a real channel would."""

    kind: ClassVar[str] = "recording"

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._failures: deque[type[ChannelSendError]] = deque()
        self._lock = threading.Lock()

    def fail_next(self, error: type[ChannelSendError], times: int = 1) -> None:
        with self._lock:
            self._failures.extend([error] * times)

    @property
    def accepted(self) -> list[Sent]:
        return [s for s in self.sent if s.accepted]

    def send(self, message: Message, *, target: Target, idempotency_key: str) -> Delivery:
        with self._lock:
            error = self._failures.popleft() if self._failures else None
            self.sent.append(Sent(message, target, idempotency_key, error is None))
            count = len(self.sent)
        if error is not None:
            raise error("told to fail", channel=self.kind, target=describe(target))
        return Delivery(ok=True, provider_id=f"rec-{count}", detail="recorded")
