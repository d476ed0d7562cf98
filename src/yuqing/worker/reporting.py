"""One round of report work: generate the scheduled reports that are due, then send the
report deliveries that are due (new ones and retries)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from yuqing.alerts.sending import ChannelSettings
from yuqing.core.clock import Clock
from yuqing.db.engine import session_scope
from yuqing.reports.schedules.channels import ReportSender
from yuqing.reports.schedules.outbox import SendReportFn, dispatch_due, sender_fn
from yuqing.reports.schedules.service import RunOutcome, run_due_schedules

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


def report_round(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    send: SendReportFn,
    link_base: str | None = None,
) -> tuple[list[RunOutcome], Sequence[int]]:
    """Run due schedules (each due time once, committed with its deliveries), then send."""
    with session_scope(sessions) as session:
        runs = run_due_schedules(session=session, clock=clock)
    for run in runs:
        log.info("report schedule %s due %s: %s", run.schedule_id, run.due_at, run.status)
    sent = dispatch_due(sessions=sessions, clock=clock, send=send, link_base=link_base)
    return runs, sent


def report_hook(
    *,
    sessions: sessionmaker[Session],
    clock: Clock,
    settings: ChannelSettings,
    http: httpx.Client,
) -> Callable[[], object]:
    """`report_round` over the channels file's settings, as the worker loop calls it."""
    sender = ReportSender(settings=settings, clock=clock, http=http)
    send, base = sender_fn(sender), sender.link_base()

    def run() -> object:
        return report_round(sessions=sessions, clock=clock, send=send, link_base=base)

    return run
