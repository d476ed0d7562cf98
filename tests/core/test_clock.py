import threading
from datetime import UTC, datetime, timedelta

import pytest

from yuqing.core.clock import AcceleratedClock, FrozenClock


def test_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    assert clock.now() == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    clock.advance(timedelta(minutes=61))
    assert clock.now() == datetime(2025, 3, 1, 10, 1, tzinfo=UTC)
    clock.sleep(30)
    assert clock.monotonic() == 61 * 60 + 30


def test_frozen_clock_refuses_naive_and_backwards() -> None:
    with pytest.raises(ValueError, match="aware"):
        FrozenClock(datetime(2025, 3, 1))
    clock = FrozenClock(datetime(2025, 3, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="back"):
        clock.advance(timedelta(seconds=-1))


def test_accelerated_clock_runs_faster_than_its_real_clock() -> None:
    real = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    start = datetime(2025, 6, 7, 8, 0, tzinfo=UTC)
    clock = AcceleratedClock(start, 60, real=real)
    real.advance(timedelta(seconds=10))
    assert clock.now() == start + timedelta(minutes=10)
    clock.sleep(600)  # ten scenario minutes are ten real seconds
    assert real.monotonic() == 20


def test_accelerated_clock_changes_pace_without_a_jump() -> None:
    real = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    start = datetime(2025, 6, 7, 8, 0, tzinfo=UTC)
    clock = AcceleratedClock(start, 360, real=real)
    real.advance(timedelta(seconds=10))  # one scenario hour
    clock.set_factor(1)
    assert clock.now() == start + timedelta(hours=1)
    real.advance(timedelta(seconds=10))
    assert clock.now() == start + timedelta(hours=1, seconds=10)
    assert clock.monotonic() == 3610
    with pytest.raises(ValueError, match="positive"):
        clock.set_factor(float("nan"))


def test_wait_returns_at_once_when_stopped() -> None:
    real = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock = AcceleratedClock(datetime(2025, 6, 7, tzinfo=UTC), 60, real=real)
    stop = threading.Event()
    assert clock.wait(600, stop) is False  # not stopped: the whole wait, ten real seconds
    assert real.monotonic() == 10
    stop.set()
    assert clock.wait(600, stop) is True
    assert real.monotonic() == 10  # a stopped wait takes no time
