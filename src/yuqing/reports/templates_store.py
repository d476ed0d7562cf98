"""Report templates an administrator edits: stored versions per kind, checked before use.

A template is HTML with Jinja2, one per report kind, period and incident kinds alike:
the HTML page is rendered from it, and the PDF is printed from that page and the DOCX
built from it (render_docx). An administrator's text is input, so it runs
in Jinja's immutable sandbox (no attribute tricks, no changing the figures), autoescaped,
with undefined names an error. A new version is stored only once a test render over
sample figures of every shape passes; otherwise the error is reported with its line
and the version in force stays in force.
"""

from __future__ import annotations

import re
import traceback
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.reports import document
from yuqing.reports.department_scope import DepartmentIncident
from yuqing.reports.document import DocumentInfo
from yuqing.reports.figures import EventFigures, Figures
from yuqing.reports.labels import TEMPLATE_GLOBALS
from yuqing.reports.periods import INCIDENT_KINDS, check_kind
from yuqing.reports.schedules.models import ReportTemplate
from yuqing.web.i18n import install_i18n

BUILTIN = Path(__file__).resolve().parent / "templates"
BUILTIN_NAME = "reports/report.html"  # the period kinds'
BUILTIN_INCIDENT_NAME = "reports/incident.html"  # the incident kinds'
FILENAME = "<template>"  # the name Jinja gives a template made from a string
MAX_CHARS = 200_000
SAMPLE_AT = "2026-03-01T09:00:00+08:00"  # a sample incident's times
# A rendered page larger than this is a template gone wrong (`{{ "x" * 10**9 }}`), not a
# report: the figures of a month fill well under a megabyte.
MAX_OUTPUT_CHARS = 20_000_000
# Characters no HTML page holds and PostgreSQL refuses to store (NUL), tab, CR, LF aside.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with `*` and `**` held to sizes a page can use: a string
    or a list repeated past the output limit, or a power with an exponent past 1000, is a
    `SecurityError` (a template error with its line) instead of gigabytes or minutes."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 1000:
            raise SecurityError(_("a power with an exponent over 1000"))
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > MAX_OUTPUT_CHARS
                ):
                    raise SecurityError(_("a repetition over {n} items").format(n=MAX_OUTPUT_CHARS))
        return super().call_binop(context, operator, left, right)


class TemplateInvalid(InvalidInput):
    """A template that does not compile or does not render; `.where` is `KIND.html:LINE`."""


@cache
def sandbox() -> ImmutableSandboxedEnvironment:
    """The sandboxed environment templates from the store render in."""
    env = _Sandbox(
        loader=FileSystemLoader(BUILTIN),  # `{% extends "reports/report.html" %}` works
        autoescape=True,
        undefined=StrictUndefined,
    )
    install_i18n(env)
    env.globals.update(TEMPLATE_GLOBALS)
    return env


def builtin_name(kind: str) -> str:
    return BUILTIN_INCIDENT_NAME if kind in INCIDENT_KINDS else BUILTIN_NAME


def builtin_source(kind: str) -> str:
    """The template shipped with YuQing for `kind`, the starting point for an edited one."""
    return (BUILTIN / builtin_name(kind)).read_text(encoding="utf-8")


def active_source(*, session: Session, kind: str) -> str | None:
    """The latest stored template of `kind`, or None when the built-in one is in force."""
    active = active_template(session=session, kind=kind)
    return active.source if active is not None else None


def active_template(*, session: Session, kind: str) -> ReportTemplate | None:
    """The latest stored template of `kind`, or None when the built-in one is in force."""
    return session.scalar(
        select(ReportTemplate)
        .where(ReportTemplate.kind == kind)
        .order_by(ReportTemplate.version.desc())
        .limit(1)
    )


def source_by_id(*, session: Session, template_id: int | None) -> str | None:
    """A stored template's text by its id (None, or a row no longer there: built-in)."""
    if template_id is None:
        return None
    return session.scalar(select(ReportTemplate.source).where(ReportTemplate.id == template_id))


def get_versions(*, session: Session, kind: str) -> list[ReportTemplate]:
    """Every stored version of `kind`, newest first."""
    return list(
        session.scalars(
            select(ReportTemplate)
            .where(ReportTemplate.kind == kind)
            .order_by(ReportTemplate.version.desc())
        )
    )


def render_source(source: str, context: dict[str, object]) -> str:
    """Render a stored template's text in the sandbox. Whatever stops it is a
    `TemplateError` with the template's line in its traceback: Jinja's own errors, and
    those of the Python operations a template runs (`{{ 1/0 }}`, `{{ n + "a" }}`, a range
    over the sandbox's limit); a page past `MAX_OUTPUT_CHARS` is one too."""
    template = sandbox().from_string(source)
    chunks: list[str] = []
    size = 0
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise SecurityError(
                    _("the page is longer than {n} characters").format(n=MAX_OUTPUT_CHARS)
                )
            chunks.append(chunk)
    except TemplateError:
        raise
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        error = TemplateError(f"{type(exc).__name__}: {exc}")
        raise error.with_traceback(exc.__traceback__) from None
    return "".join(chunks)


def sample_context(kind: str) -> dict[str, object]:
    """Figures of every shape a template meets: events with and without a level, days,
    tiers, sites, a watch, a department with an incident it leads and one it helps with,
    and the full header, so a test render reaches every branch.
    An incident kind's sample has every part any incident kind shows."""
    if kind in INCIDENT_KINDS:
        from yuqing.reports.template_samples import incident_context

        return incident_context(kind)
    event = EventFigures("ev-1", "示例事件", 3, 0.6667, 2, "municipal", "一级", "confirmed")
    bare = EventFigures("ev-2", "示例事件二", 1, 0.0, 1, None, None, None)
    figures = Figures(
        kind=kind,
        start="2026-03-01T00:00:00+08:00",
        end="2026-03-02T00:00:00+08:00",
        timezone="Asia/Shanghai",
        watch="示例",
        posts=4,
        negative_share=0.5,
        events=2,
        events_by_level={"一级": 1},
        top_events=[event, bare],
        sentiment_by_day=[
            {"day": "2026-03-01", "posts": 4, "negative": 2, "neutral": 1, "positive": 1}
        ],
        posts_by_tier={"municipal": 3, "unknown": 1},
        posts_by_platform={"微博": 3, "news": 1},
        top_sites=[{"site": "weibo", "posts": 3}],
        alerts_raised=1,
        alerts_acknowledged=1,
        department="edu",
        department_name="示例部门",
        incidents=[
            DepartmentIncident(1, "示例事件", "lead", "一级", "open", SAMPLE_AT, None, None),
            DepartmentIncident(
                2, "示例事件二", "helper", None, "closed", SAMPLE_AT, SAMPLE_AT, SAMPLE_AT
            ),
        ],
    )
    doc = DocumentInfo("示例单位", "示例〔2026〕1号", "内部", "示例办公室", date(2026, 3, 2))
    return {
        "f": figures,
        "doc": doc,
        "title": document.title(figures),
        "period": document.period_text(figures),
        "summary": document.summary(figures),
        "charts": [{"title": "示例", "data": ""}],
    }


def _line(exc: BaseException) -> int | None:
    """The template line an error happened on (Jinja rewrites tracebacks to name it)."""
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    return lines[-1] if lines else None


def check(source: str, *, kind: str) -> str:
    """Compile and test-render `source`; the rendered sample, or TemplateInvalid."""
    where = f"{kind}.html"
    if len(source) > MAX_CHARS:
        raise TemplateInvalid(
            _("the template is longer than {n} characters").format(n=MAX_CHARS), where=where
        )
    control = _CONTROL.search(source)
    if control is not None:
        at = source.count("\n", 0, control.start()) + 1
        raise TemplateInvalid(
            _("control character {code} in the template").format(
                code=f"U+{ord(control.group()):04X}"
            ),
            where=f"{where}:{at}",
        )
    try:
        page = render_source(source, sample_context(kind))
        if kind in INCIDENT_KINDS:
            # The sample above holds every part of every incident kind, so that each
            # branch is tried; the page returned (the preview) holds this kind's parts.
            from yuqing.reports.template_samples import incident_context

            page = render_source(source, incident_context(kind, own_parts=True))
        return page
    except TemplateError as exc:
        line = _line(exc)
        message = exc.message or type(exc).__name__
        raise TemplateInvalid(
            _("template error: {error}").format(error=message),
            where=f"{where}:{line}" if line else where,
        ) from None


def set_template(
    *, session: Session, clock: Clock, kind: str, source: str, author: str
) -> ReportTemplate:
    """Store `source` as the next version of `kind` once it passes `check`."""
    check_kind(kind)
    check(source, kind=kind)
    number = (
        session.scalar(select(func.max(ReportTemplate.version)).where(ReportTemplate.kind == kind))
        or 0
    ) + 1
    row = ReportTemplate(
        kind=kind, version=number, source=source, author=author, created_at=clock.now()
    )
    session.add(row)
    session.flush()
    return row
