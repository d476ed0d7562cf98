"""Generating a report: figures from the store, rendered, written whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from yuqing.core.clock import Clock
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import _
from yuqing.plan.service import get_active_plan
from yuqing.reports import figures as figures_mod
from yuqing.reports.document import DocumentInfo
from yuqing.reports.figures import Figures
from yuqing.reports.periods import check_kind, resolve_period

Format = Literal["json", "html", "docx", "pdf"]
FORMATS: tuple[Format, ...] = ("json", "html", "docx", "pdf")
DEFAULT_ZONE = "Asia/Shanghai"  # CONTRACTS: naive time means Asia/Shanghai


def compute(
    *,
    session: Session,
    clock: Clock,
    kind: str,
    start: datetime | None = None,
    end: datetime | None = None,
    watch: str | None = None,
    department: str | None = None,
) -> tuple[Figures, DocumentInfo]:
    """The figures of a report and the plan's part of its document (the header)."""
    check_kind(kind)
    plan = get_active_plan(session=session)
    zone = ZoneInfo(plan.organization.timezone if plan else DEFAULT_ZONE)
    period = resolve_period(kind, start=start, end=end, now=clock.now(), zone=zone)
    figures = figures_mod.compute(
        session=session, kind=kind, period=period, watch=watch, plan=plan, department=department
    )
    return figures, DocumentInfo(organization=plan.organization.name if plan else None)


def render(
    figures: Figures, doc: DocumentInfo, fmt: Format, *, template: str | None = None
) -> bytes:
    """The report in `fmt`; charts are drawn only for the formats that show them.

    `template` (an administrator's stored one) shapes the HTML page, and the PDF and the
    DOCX are both made from that page.
    """
    if fmt == "json":
        return json.dumps(figures.to_json(), ensure_ascii=False, indent=2).encode() + b"\n"
    from yuqing.reports import charts, render_docx, render_html, render_pdf

    drawn = charts.draw_all(figures) if figures.posts else []
    html = render_html.render(figures, doc, drawn, template)
    if fmt == "docx":
        return render_docx.render(html)
    return html.encode() if fmt == "html" else render_pdf.render(html)


def check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise InvalidInput(
            _("unknown format '{fmt}' (expected one of: {formats})").format(
                fmt=fmt, formats=", ".join(FORMATS)
            )
        )
    return fmt


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it: whole, or not at all."""
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        raise InvalidInput(_("no such directory: {path}").format(path=directory))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
