"""`/admin/sources`: each source with its health (last success, last error, failures in
a row, items kept), adding a source, pausing and resuming one, and testing one (fetched
once, nothing stored). Every change goes to the audit trail in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from yuqing.auth.audit import record
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput, SourceError
from yuqing.core.settings import Settings
from yuqing.monitor import service
from yuqing.monitor.connectors import SourceSpec, get_connector
from yuqing.monitor.fetching import SafeClient
from yuqing.monitor.schemas import SourceCreate, SourceUpdate
from yuqing.web.deps import ClockDep, SessionDep
from yuqing.web.navigation import page_roles
from yuqing.web.pages import render
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
Admin = Annotated[Actor, Depends(page_roles("/admin/sources"))]
KINDS = ("rss", "web", "jsonapi", "file")
TESTED_ITEMS = 10  # a test fetches no more than this (a web source's items are requests)
TITLES_SHOWN = 5


@router.get("/admin/sources", response_class=HTMLResponse, tags=["pages"])
def read_sources(request: Request, user: Admin, session: SessionDep) -> HTMLResponse:
    """The sources and their health, and the form to add one."""
    return render(request, "monitor/sources.html", {
        "sources": service.get_all_sources(session=session), "kinds": KINDS,
        "zone": ZoneInfo(request.app.state.settings.timezone),
    })  # fmt: skip


@router.post("/admin/sources", tags=["pages"])
def add_source(
    user: Admin, session: SessionDep, clock: ClockDep,
    name: Annotated[str, Form()], kind: Annotated[str, Form()], url: Annotated[str, Form()],
    media_tier: Annotated[str, Form()] = "", interval_s: Annotated[int, Form()] = 900,
) -> RedirectResponse:  # fmt: skip
    """Add a source (checked as `yuqing source add` checks it)."""
    fields: dict[str, Any] = {
        "name": name.strip(), "kind": kind, "url": url.strip(),
        "media_tier": media_tier or None, "interval_s": interval_s,
    }  # fmt: skip
    try:
        source_in = SourceCreate(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(str(first["msg"]), where=".".join(map(str, first["loc"]))) from None
    source = service.create_source(session=session, clock=clock, source_in=source_in)
    record(session=session, clock=clock, actor=user.name, action="source.added",
           target=f"source:{source.name}", after=fields)  # fmt: skip
    return RedirectResponse("/admin/sources", status_code=303)


@router.post("/admin/sources/{name}/enabled", tags=["pages"])
def pause_source(
    name: str, user: Admin, session: SessionDep, clock: ClockDep,
    enabled: Annotated[bool, Form()],
) -> RedirectResponse:  # fmt: skip
    """Pause (enabled=false) or resume a source."""
    before = service.get_source_or_raise(session=session, name=name).enabled
    service.update_source(session=session, clock=clock, name=name,
                          source_in=SourceUpdate(enabled=enabled))  # fmt: skip
    record(
        session=session, clock=clock, actor=user.name,
        action="source.resumed" if enabled else "source.paused",
        target=f"source:{name}", before={"enabled": before}, after={"enabled": enabled},
    )  # fmt: skip
    return RedirectResponse("/admin/sources", status_code=303)


@router.post("/admin/sources/{name}/test", response_class=HTMLResponse, tags=["pages"])
def try_source_page(
    request: Request, name: str, user: Admin, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """Fetch a source once, as a poll would, and show what it would yield or its error.
    Nothing is stored: no post, no cursor, no health."""
    row = service.get_source_or_raise(session=session, name=name)
    spec = SourceSpec(
        name=row.name, kind=row.kind, url=row.url,  # type: ignore[arg-type]
        platform=row.platform, media_tier=row.media_tier, internal=row.internal,
        options={**(row.options or {}), "max_items": TESTED_ITEMS},
    )  # fmt: skip
    result = try_source(spec, settings=request.app.state.settings, clock=clock)
    return render(request, "monitor/source_test.html", {"source": row, "result": result})


@dataclass(frozen=True)
class TrialResult:
    """What one fetch of a source yielded: how many posts, the first titles, the
    warnings; or the error that stopped it."""

    count: int = 0
    titles: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def try_source(spec: SourceSpec, *, settings: Settings, clock: Clock) -> TrialResult:
    """One fetch from the start (no cursor) through the safe client; nothing stored."""
    import httpx

    try:
        # trust_env off: checks here are about the address actually reached (`yuqing fetch`).
        with httpx.Client(trust_env=False) as client:
            http = SafeClient.from_settings(client, settings=settings, clock=clock)
            fetched = get_connector(spec.kind).fetch(spec, cursor=None, http=http, now=clock.now())
    except (SourceError, InvalidInput) as exc:
        return TrialResult(error=exc.message)
    titles = [_title_of(item) for item in fetched.items[:TITLES_SHOWN]]
    return TrialResult(
        count=len(fetched.items) + fetched.left_out,
        titles=titles,
        warnings=list(fetched.warnings),
    )


def _title_of(item: dict[str, Any]) -> str:
    """A post's headline, else the start of its text (as the feed shows it)."""
    title = str(item.get("title") or "").strip()
    return title or " ".join(str(item.get("text") or "").split())[:80]
