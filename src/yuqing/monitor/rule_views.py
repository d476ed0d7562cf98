"""Pages over the rule language: `/search` (a rule and filters over the stored posts,
hits highlighted, CSV export) and `/admin/watches` (the watches, and an editor that
checks the rule as it is typed, naming the column of an error as the parser does, and
shows which recent stored posts it would match).

Saving a watch goes to the audit trail in the same transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from yuqing.auth.audit import record
from yuqing.auth.schemas import Actor
from yuqing.auth.service import get_all_departments
from yuqing.core.errors import InvalidInput, RuleSyntaxError
from yuqing.monitor import service
from yuqing.monitor.models import StoredPost
from yuqing.monitor.models import Watch as WatchRow
from yuqing.monitor.rules import Rule, compile_rule
from yuqing.monitor.rules.nodes import And, Near, Node, Or, Term
from yuqing.monitor.search import search_posts
from yuqing.monitor.watches import MAX_DEPARTMENT, Watch
from yuqing.web.departments import department_names
from yuqing.web.deps import ClockDep, SessionDep
from yuqing.web.navigation import page_roles
from yuqing.web.pages import TEMPLATES, render
from yuqing.web.params import without_control
from yuqing.web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
Searcher = Annotated[Actor, Depends(page_roles("/search"))]
Editor = Annotated[Actor, Depends(page_roles("/admin/watches"))]
PREVIEW = timedelta(days=7)  # "recent" stored posts a watch is tried on
SHOWN = 50
EXPORTED = 5000


def terms_of(node: Node) -> set[str]:
    """The terms a rule looks for (not those it excludes), to highlight them."""
    if isinstance(node, Term):
        return {node.text}
    if isinstance(node, Near):
        return {node.a.text, node.b.text}
    if isinstance(node, And | Or):
        return set().union(*(terms_of(item) for item in node.items))
    return set()  # Not: what is excluded is not a hit


def highlight(text: str, terms: Iterable[str]) -> Markup:
    """`text` escaped, with each occurrence of a term wrapped in <mark>."""
    wanted = sorted({t for t in terms if t}, key=len, reverse=True)
    if not wanted or not text:
        return escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(Markup("<mark>") + escape(found.group(0)) + Markup("</mark>"))
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


TEMPLATES.env.filters["highlight"] = highlight


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run: post text starting with = + - @ is hostile
    (a formula), so it gets a leading apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _when(value: str, zone: ZoneInfo, field: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _search(session: Session, rule: Rule, watch: str, since: datetime | None,
            until: datetime | None, limit: int) -> Sequence[StoredPost]:  # fmt: skip
    return search_posts(session=session, rule=rule, watch=watch or None, since=since,
                        until=until, limit=limit)  # fmt: skip


@router.get("/search", response_class=HTMLResponse, tags=["pages"])
def read_search(
    request: Request, user: Searcher, session: SessionDep,
    q: str = "", watch: str = "", since: str = "", until: str = "",
) -> HTMLResponse:  # fmt: skip
    """The search form and, for a rule, the stored posts it matches."""
    zone = ZoneInfo(request.app.state.settings.timezone)
    context: dict[str, object] = {
        "q": q, "watch": watch, "since": since, "until": until,
        "zone": zone, "posts": None, "error": None, "terms": set(),
    }  # fmt: skip
    if q.strip():
        try:
            rule = compile_rule(q)
        except RuleSyntaxError as exc:
            context["error"] = exc
        else:
            posts = _search(session, rule, watch, _when(since, zone, "since"),
                            _when(until, zone, "until"), SHOWN)  # fmt: skip
            context.update(posts=posts, terms=terms_of(rule.node))
    context["watches"] = [w.name for w in service.get_all_watch_rows(session=session)]
    return render(request, "monitor/search.html", context)


@router.get("/search.csv", tags=["pages"])
def export_search(
    request: Request, user: Searcher, session: SessionDep,
    q: str, watch: str = "", since: str = "", until: str = "",
) -> Response:  # fmt: skip
    """The matching posts as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    zone = ZoneInfo(request.app.state.settings.timezone)
    rule = compile_rule(q)
    posts = _search(session, rule, watch, _when(since, zone, "since"), _when(until, zone, "until"),
                    EXPORTED)  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "source", "published_at", "media_tier", "sentiment", "title", "text", "url"]
    )
    for p in posts:
        writer.writerow([_cell(str(value)) for value in [
            p.post_id, p.source, p.published_at.astimezone(zone).isoformat(),
            p.media_tier or "", p.sentiment_label or "", p.title, p.text, p.url or "",
        ]])  # fmt: skip
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="yuqing-search.csv"'},
    )


@router.get("/admin/watches", response_class=HTMLResponse, tags=["pages"])
def read_watches(
    request: Request, user: Editor, session: SessionDep, name: str = ""
) -> HTMLResponse:
    """The watches, and the editor (of `name`, or of a new watch)."""
    rows = service.get_all_watch_rows(session=session)
    editing = next((w for w in rows if w.name == name), None)
    rule = department = ""
    if editing is not None:
        rule = editing.rule or service.watch_from_row(editing).expr
        department = editing.department
    return render(request, "monitor/watches.html",
                  _editor(session, rows, name=name, rule=rule, department=department))  # fmt: skip


def _editor(session: Session, rows: Sequence[WatchRow], **fields: object) -> dict[str, object]:
    """The watches page's context: the list, the editor's fields, the known departments."""
    departments = [d.name for d in get_all_departments(session=session)]
    return {
        "watches": rows,
        # A watch written as groups reads as the rule they make (the editor shows the
        # same), not as the stored lists ({'subject': [...], ...}).
        "rules": {row.name: row.rule or service.watch_from_row(row).expr for row in rows},
        "departments": departments,
        "department_name": department_names(session=session),  # a watch's, in words
        **fields,
    }


@router.get("/admin/watches/check", response_class=HTMLResponse, tags=["pages"])
def check_watch(
    request: Request, user: Editor, session: SessionDep, clock: ClockDep, rule: str = ""
) -> HTMLResponse:
    """The editor's live check: the parser's error with its column, or the recent
    stored posts the rule would match (an HTML fragment for htmx)."""
    zone = ZoneInfo(request.app.state.settings.timezone)
    context: dict[str, object] = {
        "rule": rule,
        "error": None,
        "posts": [],
        "zone": zone,
        "terms": set(),
    }
    if rule.strip():
        try:
            compiled = compile_rule(rule)
        except RuleSyntaxError as exc:
            context["error"] = exc
        else:
            context["posts"] = _search(session, compiled, "", clock.now() - PREVIEW, None, 10)
            context["terms"] = terms_of(compiled.node)
    return render(request, "monitor/rule_check.html", context)


@router.post("/admin/watches", tags=["pages"])
def save_watch(
    request: Request, user: Editor, session: SessionDep, clock: ClockDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    rule: Annotated[str, Form(min_length=1)],
    department: Annotated[str, Form(max_length=MAX_DEPARTMENT)] = "",
) -> Response:  # fmt: skip
    """Add or replace a watch; a rule that does not parse is shown again with its column.
    A watch saved here keeps the sources and organization its file gave it."""
    name, department = name.strip(), without_control(department).strip()
    rows = service.get_all_watch_rows(session=session)
    try:
        compiled = compile_rule(rule)
    except RuleSyntaxError as exc:
        return render(request, "monitor/watches.html",
                      _editor(session, rows, name=name, rule=rule, department=department,
                              error=exc), status_code=422)  # fmt: skip
    old = next((w for w in rows if w.name == name), None)
    before = {"rule": old.rule, "department": old.department} if old else None
    watch = Watch(name=name, rule=compiled, expr=rule, department=department,
                  sources=frozenset(old.sources) if old and old.sources is not None else None,
                  organization=old.organization if old else "")  # fmt: skip
    service.upsert_watches(session=session, clock=clock, watches=[watch])
    record(session=session, clock=clock, actor=user.name, action="watch.saved",
           target=f"watch:{name}", before=before,
           after={"rule": rule, "department": department})  # fmt: skip
    return RedirectResponse(f"/admin/watches?name={quote(name)}", status_code=303)
