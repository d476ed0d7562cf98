"""Signing in and out, and a user's own language (CONTRACTS "Web pages and accounts").

`GET /login` is a form with `username`, `password` and one submit button. A good
sign-in starts a server-side session and redirects to `/` (303); a bad one answers the
form again (401) with one message that does not say which field was wrong; a locked-out
name or address is told when to try again (429). `POST /logout` ends the session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yuqing.auth import service
from yuqing.core.errors import LoginRefused
from yuqing.core.settings import Settings
from yuqing.db.engine import session_scope
from yuqing.web.authn import SESSION_COOKIE
from yuqing.web.deps import ClockDep, CurrentUser, SessionDep
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect, request_actor

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


@router.get("/login", response_class=HTMLResponse, tags=["pages"])
def login_form(request: Request) -> Response:
    """The sign-in form (a signed-in user goes on to the dashboard)."""
    if request_actor(request) is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "auth/login.html", {"message": None, "username": ""})


@router.post("/login", response_class=HTMLResponse, tags=["pages"])
def login(
    request: Request,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the name and password; on success a session cookie and a redirect to `/`."""
    settings: Settings = request.app.state.settings
    # Its own unit of work: a refusal must still commit its failure count and audit entry.
    error: LoginRefused | None = None
    # The password first, outside the write transaction (`CheckedPassword`).
    with session_scope(request.app.state.readers) as reader:
        checked = service.check_password(session=reader, name=username, password=password)
    with session_scope(request.app.state.sessions) as session:
        try:
            signed = service.sign_in(
                session=session,
                clock=clock,
                policy=settings.auth,
                name=username,
                password=password,
                address=_address(request),
                checked=checked,
            )
        except LoginRefused as refused:
            error = refused
        else:
            # Signing in again from a signed-in browser replaces its session.
            previous = request.cookies.get(SESSION_COOKIE, "")
            if previous:
                service.sign_out(session=session, clock=clock, session_id=previous)
    if error is not None:
        status = 429 if error.locked_until is not None else 401
        context = {"message": error.message, "username": username[:100]}
        return render(request, "auth/login.html", context, status_code=status)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.session_id,
        max_age=settings.auth.session_max_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout", tags=["pages"])
def logout(request: Request, session: SessionDep, clock: ClockDep) -> Response:
    """End this browser's session and go back to the sign-in form."""
    service.sign_out(
        session=session, clock=clock, session_id=request.cookies.get(SESSION_COOKIE, "")
    )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _local_path(value: str) -> str:
    """`value` when it is a path of this site, else `/` (no open redirect)."""
    ok = value.startswith("/") and not value.startswith("//") and "\\" not in value
    return value if ok else "/"


@router.post("/account/language", tags=["pages"])
def set_language(
    user: CurrentUser,
    session: SessionDep,
    clock: ClockDep,
    language: Annotated[str, Form(max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Change the signed-in user's own language (pages and alerts)."""
    assert user.user_id is not None  # a page's actor is a person
    account = service.get_user_or_raise(session=session, name=user.name)
    service.update_user(
        session=session, clock=clock, actor=user.name, user=account, language=language
    )
    return RedirectResponse(_local_path(next), status_code=303)
