"""`/api/v1/risks…`: the risk register as JSON (docs/api.md, docs/risks.md).

Routes parse, call one service function and answer; the service checks role,
department and the version; web/errors.py turns its errors into 4xx answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.risks import export, service
from yuqing.risks.schemas import (
    CloseIn,
    MonthIn,
    ReopenIn,
    RiskCreate,
    RiskDetail,
    RiskList,
    RiskListed,
    RiskMonthRead,
    RiskRead,
    RiskUpdate,
)
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.errors import AUTH_RESPONSES
from yuqing.web.params import IdPath

router = APIRouter(prefix="/api/v1/risks", tags=["risks"], responses=AUTH_RESPONSES)
Month = Annotated[str | None, Query(max_length=20, description="YYYY-MM; this month if left out.")]


@router.get("")
def read_risks(
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
    month: Month = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    overdue: bool = False,
    missing: bool = False,
) -> RiskList:
    """The register for a month: the points the user may read, with that month's status."""
    asked, found = service.get_all(
        session=session,
        clock=clock,
        actor=user,
        month=month,
        department=department,
        status=status,
        overdue=overdue,
        missing=missing,
    )
    return RiskList(month=asked, data=[RiskListed.of(item) for item in found], count=len(found))


@router.post("", status_code=201)
def create_risk(
    body: RiskCreate, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> RiskRead:
    """Add a risk point (open)."""
    point = service.add_risk(session=session, clock=clock, actor=user, **body.model_dump())
    return RiskRead.model_validate(point)


@router.get("/export")
def export_risks(
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
    month: Month = None,
    format: Annotated[str, Query(max_length=10)] = "xlsx",
    department: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The register of a month as XLSX or CSV (the plan's 台账 columns)."""
    return export_response(session=session, clock=clock, user=user, month=month,
                           fmt=format, department=department)  # fmt: skip


def export_response(
    *,
    session: Session,
    clock: Clock,
    user: Actor,
    month: str | None,
    fmt: str,
    department: str | None,
) -> Response:
    """The register of `month` as an attachment; the API and the page's download link
    (which signs in by cookie, not by token) answer with it alike."""
    if fmt not in export.FORMATS:
        raise InvalidInput(
            _("unknown format '{fmt}' (expected one of: {formats})").format(
                fmt=fmt, formats=", ".join(export.FORMATS)
            ),
            where="format",
        )
    asked, found = service.get_all(
        session=session, clock=clock, actor=user, month=month, department=department
    )
    data = export.export(found, fmt, month=asked, department_name=department_names(session=session))
    name = export.filename(asked, fmt)
    return Response(
        data,
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{risk_id}")
def read_risk(
    risk_id: IdPath, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> RiskDetail:
    """The point and its monthly status, newest month first."""
    point = service.get_or_raise(session=session, actor=user, risk_id=risk_id)
    months = service.months_of(session=session, actor=user, risk_id=risk_id)
    return RiskDetail(
        **RiskRead.model_validate(point).model_dump(),
        overdue=service.is_overdue(point, service.today(session=session, clock=clock)),
        months=[RiskMonthRead.model_validate(m) for m in months],
    )


@router.patch("/{risk_id}")
def update_risk(
    risk_id: IdPath, body: RiskUpdate, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> RiskRead:
    """Change the fields given (with `expected_version`: 409 when it changed meanwhile)."""
    changes = body.model_dump(exclude_unset=True)
    expected = changes.pop("expected_version", None)
    point = service.update_risk(session=session, clock=clock, actor=user, risk_id=risk_id,
                                expected_version=expected, changes=changes)  # fmt: skip
    return RiskRead.model_validate(point)


@router.put("/{risk_id}/months")
def record_month(
    risk_id: IdPath, body: MonthIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> RiskMonthRead:
    """Record the point's status for a month (this month when `month` is left out); a
    second one for the same month replaces it."""
    row = service.record_month(
        session=session, clock=clock, actor=user, risk_id=risk_id, **body.model_dump()
    )
    return RiskMonthRead.model_validate(row)


@router.post("/{risk_id}/close")
def close_risk(
    risk_id: IdPath, body: CloseIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> RiskRead:
    """Close the point (销号)."""
    point = service.close_risk(
        session=session, clock=clock, actor=user, risk_id=risk_id, **body.model_dump()
    )
    return RiskRead.model_validate(point)


@router.post("/{risk_id}/reopen")
def reopen_risk(
    risk_id: IdPath, body: ReopenIn, session: SessionDep, clock: ClockDep, user: CurrentUser
) -> RiskRead:
    """Open a closed point again."""
    point = service.reopen_risk(session=session, clock=clock, actor=user, risk_id=risk_id,
                                expected_version=body.expected_version)  # fmt: skip
    return RiskRead.model_validate(point)
