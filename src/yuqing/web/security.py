"""Security headers on every answer, and CSRF tokens on every state-changing form.

Headers: a Content-Security-Policy that allows scripts and styles from our own origin
only (no inline script, no `style=` attributes: the pages use classes and the vendored
scripts), no framing, no MIME sniffing, no referrer to other sites. A route that must
allow something more (the API docs' own script) sets its own Content-Security-Policy;
this middleware then leaves that header as it is.

CSRF (synchronizer token): a signed-in browser's forms carry its session's token; before
sign-in (the login form, the acknowledgement link) a random token is kept in a cookie of
its own and repeated in the form. A POST, PUT, PATCH or DELETE to a page without the
matching token, as the form field `csrf_token` or the header `X-CSRF-Token` (htmx sends
it from the `hx-headers` of <body>), is refused with 403. The API is exempt: it takes no
cookies, only `Authorization: Bearer`, which another site cannot make a browser send.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yuqing.auth.schemas import Actor
from yuqing.auth.secrets import new_secret, same
from yuqing.core.errors import Forbidden
from yuqing.core.i18n import _

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # ECharts exports charts as data: URLs
        "font-src 'self'",
        "connect-src 'self'",  # htmx requests and server-sent events
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS: dict[bytes, bytes] = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_COOKIE = "yuqing_csrf"


class SecurityHeaders:
    """ASGI middleware: adds HEADERS to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS.items() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def request_actor(request: Request) -> Actor | None:
    """The actor the auth middleware found for this request (web/authn.py), if any."""
    actor = getattr(request.state, "actor", None)
    return actor if isinstance(actor, Actor) else None


def csrf_token(request: Request) -> str:
    """The token this request's forms must carry (made and remembered when new)."""
    actor = request_actor(request)
    if actor is not None and actor.csrf_token:
        return actor.csrf_token
    known = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(known) <= 100:
        return known
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = new_secret()
        request.state.new_csrf = fresh  # pages.render() sets the cookie
    return fresh


async def csrf_protect(request: Request) -> None:
    """Dependency of every page router: a state-changing request needs its CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    actor = request_actor(request)
    expected = (
        actor.csrf_token
        if actor is not None and actor.csrf_token
        else request.cookies.get(CSRF_COOKIE, "")
    )
    supplied = request.headers.get(CSRF_HEADER, "")
    if not supplied:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)  # parsed once; Form() reuses it
            supplied = value if isinstance(value, str) else ""
    if not expected or not supplied or not same(expected, supplied):
        raise Forbidden(
            _("the form has expired or did not come from this site: reload the page and try again")
        )
