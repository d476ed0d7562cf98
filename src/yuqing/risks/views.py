"""The register page (`/risks`): the month's table in the plan's 台账 columns, overdue
points and points without this month's status marked, and plain HTML forms (CSRF
token, no script) to add a point, record a month's status, close and re-open. Done, a
form sends the browser back to the page (303); refused, the page comes again with the
service's reason on top and nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, Forbidden, InvalidInput
from yuqing.plan import service as plan_service
from yuqing.risks import api, export, service
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.navigation import page_roles
from yuqing.web.pages import TEMPLATES, render
from yuqing.web.params import IdPath
from yuqing.web.security import csrf_protect

router = APIRouter(
    prefix="/risks",
    dependencies=[Depends(csrf_protect), Depends(page_roles("/risks"))],
    tags=["pages"],
)
TEMPLATES.env.globals["risk_status"] = service.status_label

REFUSALS = (Conflict, Forbidden, InvalidInput)
Text = Annotated[str, Form()]
Names = Annotated[list[str], Form()]


def _filters(
    month: str, department: str, status: str, overdue: bool, missing: bool
) -> dict[str, Any]:
    return {"month": month, "department": department, "status": status,
            "overdue": overdue, "missing": missing}  # fmt: skip


def register_page(
    request: Request,
    *,
    session: Session,
    clock: Clock,
    user: Actor,
    filters: dict[str, Any],
    refusal: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        month, found = service.get_all(
            session=session,
            clock=clock,
            actor=user,
            month=filters["month"] or None,
            department=filters["department"] or None,
            status=filters["status"] or None,
            overdue=filters["overdue"],
            missing=filters["missing"],
        )
    except InvalidInput as exc:  # a hand-typed month or status: the page says why
        refusal, status_code = exc.message, exc.http_status
        filters = _filters("", "", "", False, False)
        month, found = service.get_all(session=session, clock=clock, actor=user)
    plan = plan_service.get_active_plan(session=session)
    departments = sorted(
        {d.name for d in auth_service.get_all_departments(session=session)}
        | ({u.id for u in plan.units} if plan else set())
    )
    export_query = urlencode({"month": month, **({"department": filters["department"]}
                                                 if filters["department"] else {})})  # fmt: skip
    return render(
        request,
        "risks/list.html",
        {
            "month": month,
            "headers": export.headers(),
            "this_month": service.current_month(session=session, clock=clock),
            "rows": found,
            "filters": filters,
            "statuses": service.STATUSES,
            "edit_statuses": service.EDIT_STATUSES,
            "department_name": department_names(session=session, plan=plan),
            "departments": departments,
            "domains": [d.name for d in plan.sensitive_domains] if plan else [],
            "may_write": lambda point: service.may_write(user, point),
            "may_add": user.role in service.WRITERS or user.role == "department",
            "export_query": export_query,
            "refusal": refusal,
        },
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
def read_register_page(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    month: str = "",
    department: str = "",
    status: str = "",
    overdue: bool = False,
    missing: bool = False,
) -> HTMLResponse:
    """The register for a month (this one by default), filtered."""
    filters = _filters(month[:20], department[:100], status[:20], overdue, missing)
    return register_page(request, session=session, clock=clock, user=user, filters=filters)


@router.get("/export")
def download_register(
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    month: str = "",
    format: str = "xlsx",
    department: str = "",
) -> Response:
    """The page's download links: the register of the month shown, as XLSX or CSV (the
    API's export wants a token; a browser has only its sign-in cookie)."""
    return api.export_response(session=session, clock=clock, user=user,
                               month=month[:20] or None, fmt=format[:10],
                               department=department[:100] or None)  # fmt: skip


def _act(
    request: Request,
    *,
    session: Session,
    clock: Clock,
    user: Actor,
    month: str,
    change: Callable[[], object],
) -> Response:
    """Run `change`; done, back to the register of `month`; refused, the page with why."""
    try:
        change()
        session.flush()
    except REFUSALS as exc:
        session.rollback()  # the request's commit must store nothing of a refused change
        filters = _filters(month[:20], "", "", False, False)
        return register_page(request, session=session, clock=clock, user=user, filters=filters,
                             refusal=exc.message, status_code=exc.http_status)  # fmt: skip
    query = f"?{urlencode({'month': month})}" if service.MONTH.fullmatch(month) else ""
    return RedirectResponse(f"/risks{query}", status_code=303)


def _names(values: list[str]) -> list[str]:
    """The departments ticked (one value each), or typed as a list: commas (either
    width), 、 or spaces between them."""
    value = " ".join(values)
    for separator in (",", "，", "、"):
        value = value.replace(separator, " ")
    return value.split()


@router.post("", response_class=HTMLResponse)
def add_risk_form(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    title: Text,
    lead_department: Text,
    departments: Names = [],  # noqa: B006 - FastAPI copies defaults
    description: Text = "",
    domain: Text = "",
    owner: Text = "",
    measures: Text = "",
    deadline: Text = "",
    month: Text = "",
) -> Response:
    """Add a risk point."""
    return _act(request, session=session, clock=clock, user=user, month=month,
                change=lambda: service.add_risk(
                    session=session, clock=clock, actor=user, title=title,
                    lead_department=lead_department, departments=_names(departments),
                    description=description, domain=domain, owner=owner, measures=measures,
                    deadline=service.parse_day(deadline)))  # fmt: skip


@router.post("/{risk_id}/edit", response_class=HTMLResponse)
def edit_risk_form(
    request: Request,
    risk_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    title: Text,
    lead_department: Text,
    departments: Names = [],  # noqa: B006 - FastAPI copies defaults
    description: Text = "",
    domain: Text = "",
    owner: Text = "",
    measures: Text = "",
    deadline: Text = "",
    version: Annotated[int | None, Form()] = None,
    month: Text = "",
) -> Response:
    """Change a point's own fields, against the version the form was shown at (changed
    meanwhile: refused with why, nothing stored). An emptied domain, owner or deadline
    is cleared."""

    def change() -> object:
        changes = {
            "title": title,
            "lead_department": lead_department,
            "departments": _names(departments),
            "description": description,
            "domain": domain or None,
            "owner": owner or None,
            "measures": measures,
            "deadline": service.parse_day(deadline),
        }
        return service.update_risk(session=session, clock=clock, actor=user, risk_id=risk_id,
                                   expected_version=version, changes=changes)  # fmt: skip

    return _act(request, session=session, clock=clock, user=user, month=month, change=change)


@router.post("/{risk_id}/month", response_class=HTMLResponse)
def record_month_form(
    request: Request,
    risk_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    month: Text = "",
    situation: Text = "",
    measures: Text = "",
    effect: Text = "",
    next_steps: Text = "",
    note: Text = "",
) -> Response:
    """Record (or replace) a point's status for the month shown."""
    return _act(request, session=session, clock=clock, user=user, month=month,
                change=lambda: service.record_month(
                    session=session, clock=clock, actor=user, risk_id=risk_id,
                    month=month or None, situation=situation, measures=measures,
                    effect=effect, next_steps=next_steps, note=note))  # fmt: skip


@router.post("/{risk_id}/status", response_class=HTMLResponse)
def change_status_form(
    request: Request,
    risk_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    status: Text,
    version: Annotated[int | None, Form()] = None,
    reason: Text = "",
    month: Text = "",
) -> Response:
    """Mark a point open or mitigated, close it (销号) or open it again."""

    def change() -> object:
        if status == "closed":
            return service.close_risk(session=session, clock=clock, actor=user, risk_id=risk_id,
                                      expected_version=version, reason=reason)  # fmt: skip
        point = service.get_or_raise(session=session, actor=user, risk_id=risk_id)
        if point.status == "closed" and status == "open":
            return service.reopen_risk(session=session, clock=clock, actor=user,
                                       risk_id=risk_id, expected_version=version)  # fmt: skip
        return service.update_risk(
            session=session,
            clock=clock,
            actor=user,
            risk_id=risk_id,
            expected_version=version,
            changes={"status": status},
        )

    return _act(request, session=session, clock=clock, user=user, month=month, change=change)
