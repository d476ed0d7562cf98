"""`/admin/users`: users (role, department, language, disabled), departments and API
tokens. A new token is shown once, on the answer to its creation. The account services
(auth/service.py) write each change to the audit trail themselves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from yuqing.auth import service
from yuqing.auth.schemas import ROLES, Actor
from yuqing.web.deps import ClockDep, SessionDep
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
Admin = Annotated[Actor, Depends(page_roles("/admin/users"))]


def _context(session: Session, **extra: Any) -> dict[str, Any]:
    return {
        "users": service.get_all_users(session=session),
        "departments": service.get_all_departments(session=session),
        "tokens": service.get_all_tokens(session=session),
        "roles": ROLES,
        "new_token": None,
        **extra,
    }


@router.get("/admin/users", response_class=HTMLResponse, tags=["pages"])
def read_users(request: Request, user: Admin, session: SessionDep) -> HTMLResponse:
    """Users, departments and tokens."""
    return render(request, "auth/users.html", _context(session))


@router.post("/admin/users", tags=["pages"])
def add_user(
    user: Admin, session: SessionDep, clock: ClockDep,
    name: Annotated[str, Form()], role: Annotated[str, Form()],
    password: Annotated[str, Form()], department: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
) -> RedirectResponse:  # fmt: skip
    """A new user with a password."""
    service.create_user(session=session, clock=clock, actor=user.name, name=name, role=role,
                        password=password, department=department or None,
                        display_name=display_name)  # fmt: skip
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}", tags=["pages"])
def change_user(
    name: str, user: Admin, session: SessionDep, clock: ClockDep,
    role: Annotated[str, Form()], department: Annotated[str, Form()] = "",
    disabled: Annotated[bool, Form()] = False,
) -> RedirectResponse:  # fmt: skip
    """Change a user's role, department or whether they may sign in."""
    row = service.get_user_or_raise(session=session, name=name)
    service.update_user(session=session, clock=clock, actor=user.name, user=row, role=role,
                        department=department or None, disabled=disabled)  # fmt: skip
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/departments", tags=["pages"])
def add_department(
    user: Admin, session: SessionDep, clock: ClockDep,
    name: Annotated[str, Form()], display_name: Annotated[str, Form()] = "",
) -> RedirectResponse:  # fmt: skip
    """A new department."""
    service.create_department(session=session, clock=clock, actor=user.name, name=name,
                              display_name=display_name)  # fmt: skip
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/tokens", response_class=HTMLResponse, tags=["pages"])
def add_token(
    request: Request, user: Admin, session: SessionDep, clock: ClockDep,
    user_name: Annotated[str, Form()], name: Annotated[str, Form()] = "",
) -> HTMLResponse:  # fmt: skip
    """A new API token, shown this once."""
    raw, _row = service.create_token(session=session, clock=clock, actor=user.name,
                                     user_name=user_name, name=name)  # fmt: skip
    return render(request, "auth/users.html", _context(session, new_token=raw))


@router.post("/admin/tokens/{token_id}/revoke", tags=["pages"])
def revoke_token(
    token_id: int, user: Admin, session: SessionDep, clock: ClockDep
) -> RedirectResponse:
    """Revoke a token (requests with it are refused from now on)."""
    service.revoke_token(session=session, clock=clock, actor=user.name, token_id=token_id)
    return RedirectResponse("/admin/users", status_code=303)
