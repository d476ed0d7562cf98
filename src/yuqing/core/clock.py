"""The one source of time.

Nothing else calls `datetime.now()`, `time.time()` or `time.sleep()`: production uses
`SystemClock`, tests `FrozenClock`, drills `AcceleratedClock`.

>>> clock = FrozenClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
>>> clock.advance(timedelta(minutes=61))
>>> clock.now().isoformat()
'2025-03-01T10:01:00+00:00'
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; only differences mean anything."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait; a frozen clock advances instead of waiting."""
        ...

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        """Wait like `sleep`, but return at once when `stop` is set; True when it is."""
        ...


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("clock times must be timezone-aware")
    return moment.astimezone(UTC)


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(seconds, 0.0))


class FrozenClock:
    """A clock that moves only when told to; `sleep` advances it."""

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start)
        self._lock = threading.Lock()
        self._origin = self._now

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self._origin).total_seconds()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(timedelta(seconds=seconds))

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        if stop.is_set():
            return True
        self.sleep(seconds)
        return stop.is_set()

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("a clock does not go back")
        with self._lock:
            self._now += delta

    def set(self, moment: datetime) -> None:
        moment = _require_aware(moment)
        if moment < self._now:
            raise ValueError("a clock does not go back")
        self._now = moment


class AcceleratedClock:
    """Scenario time that runs `factor` times faster than real time from `start`.

    The factor may change while it runs (`set_factor`): a demo replays a story fast,
    then goes on at the pace of real time. Time never jumps when it does.
    """

    def __init__(self, start: datetime, factor: float, *, real: Clock | None = None) -> None:
        self._real = real or SystemClock()
        self._lock = threading.Lock()
        self._start = _require_aware(start)
        self._elapsed = 0.0  # scenario seconds before the current factor took over
        self._real_origin = self._real.monotonic()
        self._factor = _positive(factor)

    @property
    def factor(self) -> float:
        return self._factor

    def set_factor(self, factor: float) -> None:
        """From now on run `factor` times faster than real time."""
        factor = _positive(factor)
        with self._lock:
            real = self._real.monotonic()
            self._elapsed += (real - self._real_origin) * self._factor
            self._real_origin = real
            self._factor = factor

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed + (self._real.monotonic() - self._real_origin) * self._factor

    def sleep(self, seconds: float) -> None:
        self._real.sleep(seconds / self._factor)

    def wait(self, seconds: float, stop: threading.Event) -> bool:
        return self._real.wait(seconds / self._factor, stop)


def _positive(factor: float) -> float:
    if not factor > 0:  # also refuses NaN
        raise ValueError("factor must be positive")
    return factor


def utc(moment: datetime) -> datetime:
    """The same instant as aware UTC; naive times are refused."""
    return _require_aware(moment)
