"""`/plan`: the plan in force (its levels by name), every stored version, one version's
text and a readable diff against the version before, and the upload of a new version.

An upload that does not validate is refused with each problem as `FILE:LINE: message`,
and the running plan stays in force (plan/service.py stores nothing then). A new
version goes to the audit trail with the plan's load.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yuqing.auth.audit import record
from yuqing.auth.schemas import Actor, Role
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.plan import service
from yuqing.plan.loading import PlanInvalid
from yuqing.web.deps import ClockDep, SessionDep, require_role
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
LOADERS: tuple[Role, ...] = ("admin", "office")
MAX_PLAN_BYTES = 2_000_000


def _diff_lines(text: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) for the page: added, removed, place or same."""
    kinds = []
    for line in text.splitlines():
        if line.startswith(("+++", "---")):
            kinds.append(("head", line))
        elif line.startswith("@@"):
            kinds.append(("place", line))
        elif line.startswith("+"):
            kinds.append(("added", line))
        elif line.startswith("-"):
            kinds.append(("removed", line))
        else:
            kinds.append(("same", line))
    return kinds


def _page(request: Request, session: Session, user: Actor, version: int | None,
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    versions = service.get_all_versions(session=session)
    active = next((v for v in versions if v.active), None)
    shown = next((v for v in versions if v.version == version), active)
    before = next((v for v in versions if shown and v.version == shown.version - 1), None)
    plan = service.parse(active) if active else None
    return {
        "versions": versions, "active": active, "shown": shown,
        "levels": sorted(plan.levels, key=lambda lvl: lvl.rank) if plan else [],
        "diff": _diff_lines(service.diff(before, shown)) if before and shown else [],
        "before": before, "may_load": user.role in LOADERS, "problems": [],
        "zone": ZoneInfo(request.app.state.settings.timezone), **extra,
    }  # fmt: skip


@router.get("/plan", response_class=HTMLResponse, tags=["pages"])
def read_plan(
    request: Request,
    user: Annotated[Actor, Depends(page_roles("/plan"))],
    session: SessionDep,
    version: int | None = None,
) -> HTMLResponse:
    """The plan in force, its versions, one version's text and its diff."""
    return render(request, "plan/plan.html", _page(request, session, user, version))


@router.post("/plan", tags=["pages"])
async def upload_plan(
    request: Request,
    user: Annotated[Actor, Depends(require_role(*LOADERS))],
    session: SessionDep,
    clock: ClockDep,
    plan_file: Annotated[UploadFile, File()],
) -> Response:
    """Load a new version; refused with its problems (FILE:LINE), the old one in force."""
    data = await plan_file.read(MAX_PLAN_BYTES + 1)
    name = plan_file.filename or "plan.yaml"
    if len(data) > MAX_PLAN_BYTES:
        raise InvalidInput(_("a plan file is at most 2 MB"), where=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("not UTF-8 text (byte {n})").format(n=exc.start), where=name) from None
    before = service.get_active(session=session)
    try:
        loaded = service.load(session=session, clock=clock, author=user.name, text=text,
                              source_name=name)  # fmt: skip
    except PlanInvalid as exc:
        context = _page(request, session, user, None, problems=[str(p) for p in exc.problems])
        return render(request, "plan/plan.html", context, status_code=422)
    record(session=session, clock=clock, actor=user.name, action="plan.loaded",
           target=f"plan:v{loaded.version}",
           before={"version": before.version} if before else None,
           after={"version": loaded.version, "file": name, "sha256": loaded.sha256})  # fmt: skip
    return RedirectResponse("/plan", status_code=303)
