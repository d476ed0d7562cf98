"""`/reports/runs/{id}`: one scheduled report as it went out: its period, its files, and
each delivery with every attempt (when, outcome, response code, what the channel said).

The list of the latest runs is on `/reports`; both are read by the roles that read
reports.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts.attempts import channel_name, delivery_status, outcome_label, shown_address
from yuqing.auth.schemas import Actor
from yuqing.core.errors import NotFound
from yuqing.core.i18n import N_, _
from yuqing.reports.labels import kind_title
from yuqing.reports.schedules.models import (
    ReportDelivery,
    ReportDeliveryAttempt,
    ReportFile,
    ReportRun,
)
from yuqing.reports.store import READERS
from yuqing.web.deps import SessionDep, require_role
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
Reader = Annotated[Actor, Depends(require_role(*sorted(READERS)))]
RUN_STATUSES = {"generated": N_("generated"), "skipped": N_("skipped"), "failed": N_("failed")}


@dataclass(frozen=True)
class DeliveryRow:
    delivery: ReportDelivery
    attempts: list[ReportDeliveryAttempt]


def deliveries_of(session: Session, run_id: int) -> list[DeliveryRow]:
    """A run's deliveries, each with its attempts (oldest first)."""
    deliveries = session.scalars(
        select(ReportDelivery).where(ReportDelivery.run_id == run_id).order_by(ReportDelivery.id)
    ).all()
    attempts: dict[int, list[ReportDeliveryAttempt]] = defaultdict(list)
    for attempt in session.scalars(
        select(ReportDeliveryAttempt)
        .where(ReportDeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
        .order_by(ReportDeliveryAttempt.id)
    ):
        attempts[attempt.delivery_id].append(attempt)
    return [DeliveryRow(d, attempts[d.id]) for d in deliveries]


def run_status(status: str) -> str:
    return _(RUN_STATUSES[status]) if status in RUN_STATUSES else status


@router.get("/reports/runs/{run_id}", response_class=HTMLResponse, tags=["pages"])
def read_report_run(
    run_id: int, request: Request, session: SessionDep, user: Reader
) -> HTMLResponse:
    """One scheduled report: its files, deliveries and every attempt of each."""
    run = session.get(ReportRun, run_id)
    if run is None:
        raise NotFound(_("no scheduled report {id}").format(id=run_id))
    files = session.scalars(
        select(ReportFile).where(ReportFile.run_id == run.id).order_by(ReportFile.id)
    ).all()
    return render(request, "reports/run_page.html", {
        "run": run,
        "kind": kind_title(run.kind),
        "run_status": run_status,
        "files": files,
        "deliveries": deliveries_of(session, run.id),
        "delivery_status": delivery_status,
        "channel_name": channel_name,
        "outcome": outcome_label,
        "shown_address": shown_address,
        "zone": ZoneInfo(request.app.state.settings.timezone),
    })  # fmt: skip
