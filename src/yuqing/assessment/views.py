"""The `/assessment` page: a period picker, the departments' and people's tables, the
items behind the counts, and the workbook's download (docs/assessment.md)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from yuqing.assessment import api
from yuqing.assessment.labels import (
    DEPARTMENT_COLUMNS,
    PERSON_COLUMNS,
    cells,
    department_label,
    headers,
    item_label,
    item_link,
    item_what,
)
from yuqing.assessment.schemas import UNASSIGNED, Assessment
from yuqing.assessment.service import NO_DEPARTMENT
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, SessionDep
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render

router = APIRouter()
Assessor = Annotated[Actor, Depends(page_roles("/assessment"))]
Text = Annotated[str, Query(max_length=64)]


def _year(value: str) -> int | None:
    return int(value) if value.strip().isdigit() and len(value.strip()) == 4 else None


def _run(
    request: Request, session: Session, clock: Clock,
    start: str, end: str, year: str, department: str,
) -> tuple[Assessment, ZoneInfo]:  # fmt: skip
    """The assessment the page's fields ask for (empty fields: the defaults)."""
    if year.strip() and _year(year) is None:
        raise InvalidInput(_("year: expected a year such as 2026"))
    return api.run(
        session=session, clock=clock, start=start.strip() or None, end=end.strip() or None,
        year=_year(year), department=department,
        default_zone=request.app.state.settings.timezone,
    )  # fmt: skip


@router.get("/assessment", response_class=HTMLResponse, tags=["pages"])
def read_assessment_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    user: Assessor,
    start: Annotated[Text, Query(alias="from")] = "",
    end: Annotated[Text, Query(alias="to")] = "",
    year: Text = "",
    department: Text = "",
) -> HTMLResponse:
    """The assessment of the period asked for (default: this year so far)."""
    error = None
    try:
        result, zone = _run(request, session, clock, start, end, year, department)
    except InvalidInput as exc:
        error, result, zone = str(exc), None, None
    names = department_names(session=session)

    def shown(department: str) -> str:
        """The department's name in words; the whole organization and unassigned as such."""
        if department in ("*", UNASSIGNED, NO_DEPARTMENT):
            return department_label(department)
        return names(department)

    return render(
        request,
        "assessment/page.html",
        {
            "result": result,
            "zone": zone,
            "error": error,
            "filters": {"from": start, "to": end, "year": year, "department": department},
            "department_columns": headers(DEPARTMENT_COLUMNS),
            "person_columns": headers(PERSON_COLUMNS),
            "department_cells": lambda row: [
                shown(row.department),
                *cells(DEPARTMENT_COLUMNS, row)[1:],
            ],
            "department_choices": sorted(names.names.items(), key=lambda kv: kv[0]),
            "person_cells": lambda row: cells(PERSON_COLUMNS, row),
            "department_label": shown,
            "item_label": item_label,
            "item_what": item_what,
            "item_link": item_link,
        },
        status_code=400 if error else 200,
    )


@router.get("/assessment/xlsx", tags=["pages"])
def download_assessment_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    user: Assessor,
    start: Annotated[Text, Query(alias="from")] = "",
    end: Annotated[Text, Query(alias="to")] = "",
    year: Text = "",
    department: Text = "",
) -> Response:
    """The page's workbook: the period and department the page shows."""
    result, zone = _run(request, session, clock, start, end, year, department)
    return api.xlsx_response(result, zone, str(request.base_url).rstrip("/"))
