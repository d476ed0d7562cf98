"""`GET /api/v1/assessment` and its XLSX workbook (docs/assessment.md). Read by the
organization's assessors: admin, office, leader and auditor; a department user is
refused (the figures name people of every department)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yuqing.assessment import export, service
from yuqing.assessment.schemas import VIEWS, Assessment
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.monitor.timeparse import parse_time
from yuqing.plan.service import get_active_plan
from yuqing.web.deps import ClockDep, SessionDep, require_role
from yuqing.web.errors import AUTH_RESPONSES
from yuqing.web.params import PlainStr

ROLES = ("admin", "office", "leader", "auditor")
router = APIRouter(prefix="/api/v1/assessment", tags=["assessment"], responses=AUTH_RESPONSES)
Assessor = Annotated[Actor, Depends(require_role(*ROLES))]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Query text is bounded: a time, a year, a department id.
Text = Annotated[PlainStr | None, Query(max_length=64)]
Year = Annotated[int | None, Query(ge=2000, le=9998)]


def run(
    *,
    session: Session,
    clock: Clock,
    start: str | None,
    end: str | None,
    year: int | None,
    department: str | None,
    default_zone: str,
) -> tuple[Assessment, ZoneInfo]:
    """The assessment asked for by a page or the API; naive times are the plan's."""
    plan = get_active_plan(session=session)
    zone = plan.organization.timezone if plan is not None else default_zone
    when = [
        parse_time(v, field=name, default_tz=zone) if v else None
        for v, name in ((start, "from"), (end, "to"))
    ]
    period = service.period_of(start=when[0], end=when[1], year=year, zone=zone, now=clock.now())
    result = service.assess(
        session=session, clock=clock, period=period, department=(department or "").strip() or None
    )
    return result, ZoneInfo(zone)


def check_view(by: str | None) -> None:
    if by is not None and by not in VIEWS:
        raise InvalidInput(_("by: expected department or person, got {value!r}").format(
            value=by[:40]))  # fmt: skip


def xlsx_response(result: Assessment, zone: ZoneInfo, base_url: str) -> Response:
    name = f"assessment-{result.start.astimezone(zone):%Y%m%d}-{result.end.astimezone(zone):%Y%m%d}"
    return Response(
        export.xlsx(result, zone=zone, base_url=base_url),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("")
def read_assessment(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    user: Assessor,
    start: Annotated[Text, Query(alias="from")] = None,
    end: Annotated[Text, Query(alias="to")] = None,
    year: Year = None,
    department: Text = None,
    by: Text = None,
) -> Assessment:
    """The assessment of a period (default: this year so far); `by` keeps one view."""
    check_view(by)
    result, _zone = run(
        session=session, clock=clock, start=start, end=end, year=year,
        department=department, default_zone=request.app.state.settings.timezone,
    )  # fmt: skip
    if by == "department":
        result.people = []
    elif by == "person":
        result.departments = []
    return result


@router.get("/xlsx", response_class=Response, responses={200: {"content": {XLSX_TYPE: {}}}})
def download_assessment(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    user: Assessor,
    start: Annotated[Text, Query(alias="from")] = None,
    end: Annotated[Text, Query(alias="to")] = None,
    year: Year = None,
    department: Text = None,
) -> Response:
    """The same assessment as an XLSX workbook: departments, people, items, period."""
    result, zone = run(
        session=session, clock=clock, start=start, end=end, year=year,
        department=department, default_zone=request.app.state.settings.timezone,
    )  # fmt: skip
    return xlsx_response(result, zone, str(request.base_url).rstrip("/"))
