"""Who is asking: the auth middleware resolves every request's actor once.

- Pages (everything outside /api/ and /static/): the session cookie, a server-side
  session (auth/sessions.py). No cookie, or an ended session: anonymous.
- The API (/api/…): `Authorization: Bearer …`, either one of `YUQING_API_TOKENS` (the
  deployment's scripts, acting as `service` with the administrator's rights) or a user's
  API token (acting as that user, rate limited per token). Cookies are not read there.

The actor goes to `request.state.actor`; its language is in force for the rest of the
request (`use_locale`), so errors and pages speak it. Refusing is left to the route's
dependencies (web/deps.py): an anonymous actor is fine for /login and /healthz.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from yuqing.auth import service as auth_service
from yuqing.auth.schemas import SERVICE_ACTOR, Actor
from yuqing.auth.secrets import same
from yuqing.auth.sessions import WriteNeeded
from yuqing.auth.tokens import RateLimiter
from yuqing.core.clock import Clock
from yuqing.core.i18n import use_locale
from yuqing.core.settings import AuthSettings
from yuqing.db.engine import session_scope

SESSION_COOKIE = "yuqing_session"
API_PREFIX = "/api/"
UNAUTHENTICATED_PREFIXES = ("/static/",)


@dataclass(frozen=True)
class Found:
    actor: Actor | None
    retry_after: float = 0.0  # > 0: this token is over its rate limit


SERVICE = Actor(name=SERVICE_ACTOR, display_name=SERVICE_ACTOR, role="admin")


class Authenticator:
    """Resolves a request's actor against the store (blocking; run in a worker thread)."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        readers: sessionmaker[Session] | None = None,
        clock: Clock,
        policy: AuthSettings,
        service_tokens: list[str],
    ) -> None:
        self.sessions = sessions
        self.readers = readers or sessions
        self.clock = clock
        self.policy = policy
        self.service_tokens = list(service_tokens)
        self.limiter = RateLimiter(clock=clock, per_minute=policy.api_rate_per_minute)

    def for_api(self, authorization: str) -> Found:
        scheme, _sep, supplied = authorization.partition(" ")
        supplied = supplied.strip()
        if scheme.lower() != "bearer" or not supplied:
            return Found(None)
        # Checked against every service token, so the time taken says nothing of which.
        if sum(same(supplied, t) for t in self.service_tokens):
            return Found(SERVICE)
        with session_scope(self.sessions) as session:
            actor = auth_service.authenticate_token(session=session, raw=supplied)
        if actor is None:
            return Found(None)
        return Found(actor, self.limiter.take(actor.token_id))

    def for_page(self, session_id: str) -> Found:
        if not session_id:
            return Found(None)
        # Most requests only read their session: on SQLite the writer's lock is left to
        # the requests that change something (web/app.py, db/engine.py make_reader).
        try:
            with session_scope(self.readers) as session:
                actor = auth_service.resolve_session(
                    session=session, clock=self.clock, policy=self.policy,
                    session_id=session_id, may_write=False,
                )  # fmt: skip
        except WriteNeeded:  # it ended, or is due a touch: once a minute at most
            with session_scope(self.sessions) as session:
                actor = auth_service.resolve_session(
                    session=session, clock=self.clock, policy=self.policy, session_id=session_id
                )
        return Found(actor)


class AuthMiddleware:
    """ASGI middleware: sets `request.state.actor` (and `retry_after`) and the language."""

    def __init__(self, app: ASGIApp, *, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(UNAUTHENTICATED_PREFIXES):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        if path.startswith(API_PREFIX):
            header = connection.headers.get("authorization", "")
            found = (
                await run_in_threadpool(self.authenticator.for_api, header)
                if header
                else Found(None)
            )
        else:
            cookie = connection.cookies.get(SESSION_COOKIE, "")
            found = (
                await run_in_threadpool(self.authenticator.for_page, cookie)
                if cookie
                else Found(None)
            )
        state = scope.setdefault("state", {})
        state["actor"] = found.actor
        state["retry_after"] = found.retry_after
        # A person's own language; the process language (YUQING_LANG) for service tokens.
        person = found.actor is not None and found.actor.user_id is not None
        with use_locale(found.actor.language if person and found.actor else None):
            await self.app(scope, receive, send)
