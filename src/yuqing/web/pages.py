"""Rendering HTML pages: one Jinja2 environment (autoescaped) over the templates of
web/ and of each context, in the reader's language, with what every page needs.

Each page template extends `base.html` and fills `title` and `content`; the layout adds
the menu for the signed-in user, the sign-out and language forms (with their CSRF
token), and the vendored scripts. Views call `render(request, "x.html", {...})`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from yuqing.alerts.models import Alert, message_in
from yuqing.auth.schemas import LANGUAGES
from yuqing.core.i18n import _, current_locale, use_locale
from yuqing.web.i18n import install_i18n
from yuqing.web.navigation import ROLE_LABELS, menu
from yuqing.web.security import CSRF_COOKIE, CSRF_FIELD, csrf_token, request_actor

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    str(PACKAGE / context / "templates")
    for context in (
        "web",
        "auth",
        "analysis",
        "monitor",
        "alerts",
        "plan",
        "incidents",
        "reports",
        "assessment",
        "risks",
        "drills",
    )
]

TEMPLATES = Jinja2Templates(directory=TEMPLATE_DIRS)  # autoescape on for .html
# The templates ship inside the package and change only with it: without this, Jinja2
# stats every template file a page uses on every request, ~7 % of a page's time under
# fifty users (bench/web.py --profile).
TEMPLATES.env.auto_reload = False
install_i18n(TEMPLATES.env)  # pages speak through the catalogs (zh_CN first, en)
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}


def localtime(moment: datetime | str | None, zone: ZoneInfo | str = "Asia/Shanghai") -> str:
    """`moment` (or its ISO text) as people read it: minutes, in the plan's time zone."""
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    place = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return moment.astimezone(place).strftime("%Y-%m-%d %H:%M")


def role_label(role: str) -> str:
    """A role's name in the language in force (`admin` → 管理员)."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def headline(title: str | None, text: str | None, fallback: str = "") -> str:
    """A post's heading: its title, else the start of its text, as an event titles it
    (a microblog has no title, and its id, `demo-0363`, says nothing to a reader)."""
    from yuqing.analysis.events.model import make_title

    return make_title(title or "", text or "") or fallback


TEMPLATES.env.filters["localtime"] = localtime
TEMPLATES.env.filters["headline"] = headline
TEMPLATES.env.globals["role_label"] = role_label


def alert_message(alert: Alert) -> tuple[str, str]:
    """An alert's title and text in the reader's language (the page's), when it was
    written in it; else in the deployment's."""
    return message_in(alert, current_locale())


TEMPLATES.env.filters["alert_message"] = alert_message


def unbracketed(title: str) -> str:
    """An alert's title without its leading `【level】` (`[level]` in English), for pages
    that show the level beside it already (the alerts page said `重大 【重大】…`)."""
    for opening, closing in (("【", "】"), ("[", "]")):
        if title.startswith(opening) and closing in title:
            return title[title.index(closing) + 1 :].lstrip() or title
    return title


TEMPLATES.env.filters["unbracketed"] = unbracketed


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    language: str | None = None,
) -> HTMLResponse:
    """The page `template` for this request's user, in their language; `language` is for
    a page read by someone who is not signed in but known (an alert link's recipient)."""
    actor = request_actor(request)
    token = csrf_token(request)
    settings = getattr(request.app.state, "settings", None)
    drill = settings.drill if settings is not None else None
    values = {
        "user": actor,
        "menu": menu(actor, drill=drill is not None) if actor else [],
        "drill": drill,  # a drill's sandbox: every page says so
        "csrf_field": CSRF_FIELD,
        "csrf_token": token,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "current_path": request.url.path,
        **(context or {}),
    }
    with use_locale(actor.language if actor else language):
        response = TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)
    if getattr(request.state, "new_csrf", None) == token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response
