"""The polling scheduler: each source on its own interval, all waiting through the Clock.

Used by `yuqing poll --loop` (and later by the service's worker). With a frozen clock a
test runs hours of polling in milliseconds: `clock.sleep` advances it instead of waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from yuqing.alerts.dispatcher import SendFn
from yuqing.db.engine import session_scope
from yuqing.monitor import models
from yuqing.monitor.fetching import SafeClient
from yuqing.monitor.pipeline import Pipeline
from yuqing.monitor.polling import PollResult, poll_due
from yuqing.worker.alerting import alert_round

IDLE = timedelta(minutes=5)  # look again this often when no source is configured or due
ALERT_TICK = timedelta(seconds=2)  # how often alert work runs at the least
RELOAD_EVERY = timedelta(seconds=30)  # how soon edits to watches, sources and the plan apply


def next_due(pipeline: Pipeline) -> datetime | None:
    """When the next enabled source is due, or None when there is none."""
    with session_scope(pipeline.sessions) as session:
        return session.scalar(
            select(func.min(models.Source.next_poll_at)).where(models.Source.enabled.is_(True))
        )


def run_scheduler(
    *,
    pipeline: Pipeline,
    http: SafeClient,
    stop: threading.Event | None = None,
    on_result: Callable[[PollResult], None] | None = None,
    max_rounds: int | None = None,
    send: SendFn | None = None,
    min_wait: Callable[[], float] = lambda: 1.0,
    reports: Callable[[], object] | None = None,
) -> int:
    """Poll due sources, send alerts, sleep until the next is due, repeat; returns rounds.

    With `send`, each round also reminds, escalates and delivers alerts; then the loop
    wakes at least every `ALERT_TICK`, since a level I alert must not wait for a feed.
    `reports` (the worker's `report_round`) runs each round after the alerts.
    `min_wait` gives the clock seconds it waits between rounds at the least: on a fast
    clock (a demo) two scenario seconds are a few milliseconds, too short to spin on.
    """
    clock = pipeline.clock
    rounds = 0
    reloaded = clock.monotonic()
    while (stop is None or not stop.is_set()) and (max_rounds is None or rounds < max_rounds):
        if clock.monotonic() - reloaded >= RELOAD_EVERY.total_seconds():
            # Watches, sources and the plan edited meanwhile take effect.
            pipeline.reload()
            reloaded = clock.monotonic()
        for result in poll_due(pipeline=pipeline, http=http):
            if on_result is not None:
                on_result(result)
        pipeline.checkpoint()
        if send is not None:
            alert_round(sessions=pipeline.sessions, clock=clock, send=send)
        if reports is not None:
            reports()
        rounds += 1
        due = next_due(pipeline)
        now = clock.now()
        wait = IDLE if due is None else min(max(due - now, timedelta(0)), IDLE)
        if send is not None:
            wait = min(wait, ALERT_TICK)
        pause = max(wait.total_seconds(), min_wait())
        if stop is None:
            clock.sleep(pause)
        elif clock.wait(pause, stop):
            break
    return rounds
