"""`/drill`: in a drill's sandbox, the score so far (scenario time) and the lessons.

The page exists only in a sandbox (`Settings.drill`); elsewhere it is not found, and
the menu does not offer it (web/navigation.py).
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from yuqing.auth.schemas import Actor
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.drills.sandbox import DrillInfo
from yuqing.drills.scoring import score
from yuqing.drills.wording import deadline_name, minutes, state_words
from yuqing.incidents.wording import clock_label
from yuqing.web.deps import ClockDep, ReadSessionDep
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/drill", response_class=HTMLResponse, tags=["pages"])
def drill_page(
    request: Request,
    _user: Annotated[Actor, Depends(page_roles("/drill"))],
    session: ReadSessionDep,
    clock: ClockDep,
) -> HTMLResponse:
    """The drill's score at the scenario's time now, event by event, and its lessons."""
    settings = request.app.state.settings
    if settings.drill is None:
        raise NotFound(_("this home is not a drill's sandbox"))
    info = DrillInfo.read(settings.home)
    result = score(session=session, now=clock.now())
    return render(
        request,
        "drills/drill.html",
        {
            "info": info,
            "score": result,
            "zone": ZoneInfo(settings.timezone),
            "minutes": minutes,
            "state_words": state_words,
            "deadline_name": deadline_name,
            "clock_label": clock_label,
        },
    )
