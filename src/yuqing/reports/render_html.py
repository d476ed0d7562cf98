"""A report as one HTML page (Jinja2, autoescaped: post titles are hostile); the PDF is
printed from the same page."""

from __future__ import annotations

import base64
import logging
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from yuqing.reports import document
from yuqing.reports.charts import Chart
from yuqing.reports.document import DocumentInfo
from yuqing.reports.figures import Figures
from yuqing.reports.labels import TEMPLATE_GLOBALS
from yuqing.web.i18n import install_i18n

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )
    install_i18n(env)
    env.globals.update(TEMPLATE_GLOBALS)
    return env


def render(
    figures: Figures, doc: DocumentInfo, charts: list[Chart], template: str | None = None
) -> str:
    """The report page, charts inlined as data URIs so the file stands alone.

    `template` is an administrator's stored template (`templates_store`), rendered in the
    sandbox; should it fail on these figures, the built-in template is used and the
    failure logged: a scheduled report still goes out.
    """
    context = _context(figures, doc, charts)
    if template is not None:
        from jinja2 import TemplateError

        from yuqing.reports.templates_store import render_source

        try:
            return render_source(template, context)
        except TemplateError as exc:
            log.warning("stored %s template failed, built-in used: %s", figures.kind, exc)
    return _environment().get_template("reports/report.html").render(context)


def _context(figures: Figures, doc: DocumentInfo, charts: list[Chart]) -> dict[str, object]:
    return {
        "f": figures,
        "doc": doc,
        "title": document.title(figures),
        "period": document.period_text(figures),
        "summary": document.summary(figures) if doc.summary is None else doc.summary,
        "charts": [
            {"title": c.title, "data": base64.b64encode(c.png).decode("ascii")} for c in charts
        ],
    }
