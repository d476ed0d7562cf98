"""The web application: sign-in, the pages, the alert acknowledgement page and the API.

The app is built around one store; services are called with a session and the clock.
Errors of ours map to their HTTP status in one handler (web/error_pages.py, STYLE §3). Post
content and alert text are hostile input: Jinja2 escapes everything it renders. Who may
do what: web/authn.py finds the actor, web/deps.py checks roles, web/security.py adds
the headers and checks CSRF tokens (docs/web.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from yuqing.alerts import service as alerts_service
from yuqing.alerts import views as alert_views
from yuqing.alerts.models import Alert
from yuqing.analysis import api as events_api
from yuqing.analysis import views as event_views
from yuqing.assessment import api as assessment_api
from yuqing.assessment import views as assessment_views
from yuqing.auth import admin_views, audit_views
from yuqing.auth import views as auth_views
from yuqing.auth.schemas import Role
from yuqing.core.clock import Clock
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.core.settings import Settings
from yuqing.db.engine import make_reader, make_sessionmaker
from yuqing.drills import views as drill_views
from yuqing.incidents import api as incidents_api
from yuqing.incidents import case_forms as incident_case_forms
from yuqing.incidents import document_forms as incident_document_forms
from yuqing.incidents import drafting_views as incident_drafting_views
from yuqing.incidents import forms as incident_forms
from yuqing.incidents import views as incidents_views
from yuqing.monitor import rule_views, source_views
from yuqing.monitor import views as feed_views
from yuqing.monitor.pipeline import Pipeline
from yuqing.plan import service as plan_service
from yuqing.plan import views as plan_views
from yuqing.plan.wording import level_name
from yuqing.reports import admin_views as report_admin_views
from yuqing.reports import api as reports_api
from yuqing.reports import views as reports_views
from yuqing.reports.schedules import views as report_run_views
from yuqing.risks import api as risks_api
from yuqing.risks import views as risks_views
from yuqing.web import api_posts, apidocs, charsets, dashboard, error_pages, errors
from yuqing.web.authn import Authenticator, AuthMiddleware
from yuqing.web.deps import CurrentUser, SessionDep, require_role
from yuqing.web.memo import store_version
from yuqing.web.pages import TEMPLATES, render
from yuqing.web.params import MAX_ID, PlainStr, without_control
from yuqing.web.security import SecurityHeaders, csrf_protect
from yuqing.web.timing import ServerTiming

STATIC = Path(__file__).parent / "static"
MAX_ALERTS = 1000  # one page of `GET /api/v1/alerts`
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Who may read alerts and acknowledge them through the API (a department user will,
# once alerts carry the department they are routed to).
ALERT_READERS: tuple[Role, ...] = (
    "admin",
    "office",
    "leader",
    "monitor",
    "spokesperson",
    "auditor",
)
ALERT_ACKNOWLEDGERS: tuple[Role, ...] = ("admin", "office", "leader", "monitor")


# The delivery an acknowledgement link was sent with (`?d=`): whose language the page speaks.
DeliveryParam = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="The delivery the link was sent with.")
]


class AlertRead(BaseModel):
    id: int
    event_id: str
    level: str
    title: str
    text: str
    created_at: str
    ack_due_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    escalation_step: int

    @classmethod
    def of(cls, alert: Alert) -> AlertRead:
        return cls(
            id=alert.id,
            event_id=alert.event_id,
            level=alert.level,
            title=alert.title,
            text=alert.text,
            created_at=alert.created_at.isoformat(),
            ack_due_at=alert.ack_due_at.isoformat() if alert.ack_due_at else None,
            acknowledged_at=alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
            acknowledged_by=alert.acknowledged_by,
            escalation_step=alert.escalation_step,
        )


class AlertList(BaseModel):
    data: list[AlertRead]
    count: int


class AckIn(BaseModel):
    # A misspelt key (`{"By": …}`, `{"by": …, "note": …}`) is refused with its name, as the
    # incidents and reports bodies refuse theirs.
    model_config = ConfigDict(extra="forbid")

    by: PlainStr = Field(min_length=1, max_length=200)


def _unique_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(
    *,
    engine: Engine,
    clock: Clock,
    settings: Settings,
    api_tokens: list[str],
    pipeline: Pipeline | None = None,
) -> FastAPI:
    """The app over one store; `api_tokens` are the service tokens (`YUQING_API_TOKENS`)
    the API accepts beside users' own tokens.

    Pushed posts go through `pipeline` (the worker's, shared), else one built on first use.
    """
    app = FastAPI(
        title="YuQing 舆情",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by `apidocs` from the package's own assets (no CDN)
        redoc_url=None,
        generate_unique_id_function=_unique_id,
        responses=errors.ERROR_RESPONSES,
    )

    app.state.sessions = make_sessionmaker(engine)
    app.state.readers = make_sessionmaker(make_reader(engine))  # pages that only read
    app.state.store_version = store_version(engine)  # this process's commits (web/memo.py)
    app.state.api_tokens = list(api_tokens)
    app.state.clock = clock
    app.state.settings = settings
    # JSON errors for the API first; then the pages' handler takes our own errors over,
    # answering HTML (or the 303 to /login) for pages and one-line JSON for the API.
    errors.install(app)
    error_pages.install(app)
    # Added last runs first: headers wrap every answer, errors and redirects included.
    # JSON bodies in GBK, Big5, UTF-16… become UTF-8 once the token is checked.
    app.add_middleware(charsets.DeclaredCharset, own=frozenset({api_posts.PATH}))
    app.add_middleware(
        AuthMiddleware,
        authenticator=Authenticator(
            sessions=app.state.sessions,
            readers=app.state.readers,
            clock=clock,
            policy=settings.auth,
            service_tokens=api_tokens,
        ),
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ServerTiming)  # outermost: the time covers sign-in and the headers
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    apidocs.install(app, templates=TEMPLATES)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, bool]:
        """200 when the store can be read and written (a write is tried and rolled back)."""
        with engine.connect() as conn, conn.begin() as tx:
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            # A write that changes nothing proves the store takes writes (lock, disk).
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            tx.rollback()
        return {"ok": True}

    def _ack_page(
        request: Request, session: Session, alert: Alert, delivery_id: int | None
    ) -> HTMLResponse:
        zone = ZoneInfo(settings.timezone)
        local = (
            alert.acknowledged_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if alert.acknowledged_at
            else ""
        )
        plan = plan_service.get_active_plan(session=session)
        level = level_name(plan, alert.level)  # the plan's name (二级), never its id
        # Whoever opens the link reads it in the language of the person it was sent to
        # (a signed-in reader in their own: render prefers it).
        language = alerts_service.recipient_language(
            session=session, alert=alert, delivery_id=delivery_id
        )
        return render(
            request,
            "ack.html",
            {"alert": alert, "acknowledged_local": local, "level": level},
            language=language,
        )

    # The acknowledgement link works without signing in: its token is the credential
    # (ARCHITECTURE "Alerts never get lost": a recipient may have no account).
    links = APIRouter(dependencies=[Depends(csrf_protect)])

    @links.get("/ack/{token}", response_class=HTMLResponse, tags=["pages"])
    def ack_page(
        token: str, request: Request, session: SessionDep, d: DeliveryParam = None
    ) -> HTMLResponse:
        """The page an alert's link opens: the alert, and a button to acknowledge it."""
        alert = _by_token(session, token)
        return _ack_page(request, session, alert, d)

    @links.post("/ack/{token}", response_class=HTMLResponse, tags=["pages"])
    def ack_by_link(
        token: str,
        request: Request,
        session: SessionDep,
        by: Annotated[str, Form()] = "",
        d: DeliveryParam = None,
    ) -> HTMLResponse:
        """Acknowledge through the link; the name given is recorded beside it."""
        alert = _by_token(session, token)
        if alert.acknowledged_at is None:
            by = without_control(by).strip()
            who = f"link:{by[:100]}" if by else "link"
            alert = alerts_service.acknowledge(session=session, clock=clock, token=token, by=who)
        return _ack_page(request, session, alert, d)

    api = APIRouter(prefix="/api/v1", responses=errors.AUTH_RESPONSES)

    @api.get("/alerts", tags=["alerts"], dependencies=[Depends(require_role(*ALERT_READERS))])
    def read_alerts(
        session: SessionDep,
        open_only: bool = False,
        limit: Annotated[int, Query(ge=1, le=MAX_ALERTS, description="How many (1-1000).")] = 100,
    ) -> AlertList:
        """Alerts, newest first."""
        alerts = alerts_service.get_all(session=session, open_only=open_only, limit=limit)
        return AlertList(data=[AlertRead.of(a) for a in alerts], count=len(alerts))

    @api.post(
        "/alerts/{alert_id}/ack",
        tags=["alerts"],
        dependencies=[Depends(require_role(*ALERT_ACKNOWLEDGERS))],
    )
    def ack_alert(
        alert_id: Annotated[int, PathParam(ge=1, le=MAX_ID)],
        body: AckIn,
        session: SessionDep,
        user: CurrentUser,
    ) -> AlertRead:
        """Acknowledge an alert: reminders and escalation stop."""
        alert = alerts_service.acknowledge(
            session=session, clock=clock, alert_id=alert_id, by=body.by, actor=user.name
        )
        return AlertRead.of(alert)

    app.include_router(links)
    app.include_router(auth_views.router)
    app.include_router(dashboard.router)
    app.include_router(event_views.router)
    app.include_router(feed_views.router)
    app.include_router(alert_views.router)
    app.include_router(rule_views.router)
    app.include_router(source_views.router)
    app.include_router(audit_views.router)
    app.include_router(admin_views.router)
    app.include_router(plan_views.router)
    app.include_router(report_admin_views.router)
    app.include_router(api)
    app.include_router(incidents_api.router)
    app.include_router(events_api.router)
    app.include_router(incidents_views.router)
    app.include_router(reports_api.router)
    app.include_router(reports_views.router)
    app.include_router(report_run_views.router)
    app.include_router(assessment_api.router)
    app.include_router(assessment_views.router)
    app.include_router(incident_forms.router)
    app.include_router(incident_case_forms.router)
    app.include_router(incident_drafting_views.router)
    app.include_router(incident_document_forms.router)
    app.include_router(risks_api.router)
    app.include_router(risks_views.router)
    app.include_router(drill_views.router)
    api_posts.install(app, engine=engine, clock=clock, settings=settings, pipeline=pipeline)
    return app


def _by_token(session: Session, token: str) -> Alert:
    from sqlalchemy import select

    # A link's token is URL-safe base64 (`new_token`); anything else, a NUL included
    # (which PostgreSQL would refuse), finds nothing.
    alert = (
        session.scalar(select(Alert).where(Alert.ack_token == token))
        if _TOKEN.fullmatch(token)
        else None
    )
    if alert is None:
        raise NotFound(_("no alert for this acknowledgement link"))
    return alert
