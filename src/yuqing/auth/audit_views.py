"""`/audit`: the audit trail, newest first, and whether its hash chain holds."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from yuqing.auth import audit
from yuqing.auth.schemas import Actor
from yuqing.web.deps import SessionDep
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
SHOWN = 100


@router.get("/audit", response_class=HTMLResponse, tags=["pages"])
def read_audit(
    request: Request,
    user: Annotated[Actor, Depends(page_roles("/audit"))],
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """A page of entries (`before` pages back) and the chain's check."""
    entries = audit.get_all(session=session, before_seq=before, limit=SHOWN)
    return render(request, "auth/audit.html", {
        "entries": entries, "verified": audit.verify(session=session),
        "older": entries[-1].seq if len(entries) == SHOWN else None,
        "zone": ZoneInfo(request.app.state.settings.timezone),
    })  # fmt: skip
