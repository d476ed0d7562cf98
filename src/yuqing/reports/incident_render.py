"""An incident report as HTML, PDF or DOCX: the header fields as a table, the text
sections people edit, then the figures from the store (spread, events, deadlines,
actions). HTML and DOCX show the same rows, built once here."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass

from yuqing.core.i18n import N_, _
from yuqing.reports import charts as charts_mod
from yuqing.reports.document import DocumentInfo
from yuqing.reports.incident_kinds import HEADER_FIELDS, TEXT_FIELDS, IncidentFigures
from yuqing.reports.labels import tier_name

TITLES = {
    "special": N_("Special public-opinion report"),
    "flash": N_("Flash report"),
    "initial": N_("Initial report"),
    "progress": N_("Progress report"),
    "closing": N_("Closing report"),
}
FIELD_LABELS = {
    "event_name": N_("Event name"),
    "category": N_("Event category"),
    "level": N_("Event level"),
    "received_at": N_("Time received"),
    "reporter": N_("Reporter"),
    "discovered_at": N_("Time discovered"),
    "discovered_where": N_("Place discovered"),
    "content": N_("Main content"),
    "cause": N_("Possible cause"),
    "scope": N_("Scope"),
    "harm": N_("Harm"),
    "measures": N_("Measures taken"),
    "trend": N_("Trend"),
    "next_steps": N_("Next steps"),
}
CLOCK_STATES = {"running": N_("running"), "met": N_("met"), "missed": N_("missed")}


def kind_title(kind: str) -> str:
    return _(TITLES[kind])


def field_label(name: str) -> str:
    return _(FIELD_LABELS[name])


@dataclass(frozen=True)
class Rows:
    """What the documents show, as text: the same in HTML and DOCX."""

    title: str
    subtitle: str
    header: list[tuple[str, str]]
    sections: list[tuple[str, str]]
    figures: list[tuple[str, str]]
    events: list[list[str]]
    deadlines: list[list[str]]


def rows(figures: IncidentFigures, sections: Mapping[str, str]) -> Rows:
    """The rows of the documents; `sections` are the edited texts (the fields otherwise)."""
    title = kind_title(figures.kind)
    if figures.report and figures.kind == "progress":
        title += _(" No. {number}").format(number=figures.report["number"])
    subtitle = _("Incident {id}: {title}").format(id=figures.incident, title=figures.title)
    return Rows(
        title=title,
        subtitle=subtitle,
        header=[(field_label(name), figures.fields.get(name, "")) for name in HEADER_FIELDS],
        sections=[
            (field_label(name), sections.get(name, figures.fields.get(name, "")))
            for name in TEXT_FIELDS
        ],
        figures=[
            (_("Posts"), str(figures.posts)),
            (_("Negative share"), f"{figures.negative_share * 100:.1f}%"),
            (_("Sites"), str(figures.sites)),
            (_("Events"), str(len(figures.events))),
            (_("Deadlines met"), str(figures.deadlines_met)),
            (_("Deadlines missed"), str(figures.deadlines_missed)),
        ],
        events=[
            [
                e.title,
                str(e.posts),
                f"{(e.negative / e.posts if e.posts else 0.0) * 100:.1f}%",
                str(e.sites),
                tier_name(e.top_tier),
                f"{e.first_at} {e.first_source}",
            ]
            for e in figures.events
        ],
        deadlines=[
            [
                f"{d['name']} #{d['number']}",
                d["due_at"],
                _(CLOCK_STATES.get(d["state"], d["state"]))
                + (
                    _(" ({minutes} min late)").format(minutes=d["late_minutes"])
                    if d["late_minutes"]
                    else ""
                ),
            ]
            for d in figures.deadlines
        ],
    )


def render(
    figures: IncidentFigures, sections: Mapping[str, str], doc: DocumentInfo, fmt: str
) -> bytes:
    """The report in `fmt`: JSON holds the figures and the sections the documents show."""
    if fmt == "json":
        content = {**figures.to_json(), "sections": dict(sections)}
        return json.dumps(content, ensure_ascii=False, indent=2).encode() + b"\n"
    if fmt == "docx":
        return render_docx(figures, sections, doc)
    html = render_html(figures, sections, doc)
    if fmt == "html":
        return html.encode()
    from yuqing.reports import render_pdf

    return render_pdf.render(html)


def render_html(figures: IncidentFigures, sections: Mapping[str, str], doc: DocumentInfo) -> str:
    from yuqing.reports.render_html import _environment

    drawn = _charts(figures)
    shown = rows(figures, sections)
    return (
        _environment()
        .get_template("reports/incident.html")
        .render(
            f=figures,
            doc=doc,
            title=shown.title,
            subtitle=shown.subtitle,
            header_rows=shown.header,
            sections=shown.sections,
            figure_rows=shown.figures,
            event_rows=shown.events,
            deadline_rows=shown.deadlines,
            charts=[
                {"title": c.title, "data": base64.b64encode(c.png).decode("ascii")} for c in drawn
            ],
        )
    )


def _charts(figures: IncidentFigures) -> list[charts_mod.Chart]:
    """Posts by day and by media tier (tone by day says little more for one incident)."""
    if not figures.posts:
        return []
    return [c for c in charts_mod.draw_all(figures.charted()) if c.name != "sentiment"]


def render_docx(figures: IncidentFigures, sections: Mapping[str, str], doc: DocumentInfo) -> bytes:
    from docx import Document as new_document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    from yuqing.reports.render_docx import HEADER_RED, _page_setup, _table

    shown = rows(figures, sections)
    out = new_document()
    _page_setup(out)
    if doc.mark:
        out.add_paragraph().add_run(doc.mark).bold = True
    if doc.organization:
        para = out.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(doc.organization)
        run.bold, run.font.size, run.font.color.rgb = True, Pt(22), RGBColor(*HEADER_RED)
    if doc.doc_number:
        out.add_paragraph(doc.doc_number).alignment = WD_ALIGN_PARAGRAPH.CENTER
    out.add_heading(shown.title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    out.add_paragraph(shown.subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _table(out, [_("Field"), _("Value")], [[k, v or "—"] for k, v in shown.header])
    for label, text in shown.sections:
        out.add_heading(label, level=1)
        out.add_paragraph(text or "—")
    out.add_heading(_("Spread"), level=1)
    _table(out, [_("Figure"), _("Value")], [list(r) for r in shown.figures])
    if shown.events:
        header = [_("Event"), _("Posts"), _("Negative share"), _("Sites")]
        header += [_("Highest media tier"), _("First seen")]
        _table(out, header, shown.events)
    for chart in _charts(figures):
        out.add_picture(io.BytesIO(chart.png), width=Mm(160))
    if shown.deadlines:
        out.add_heading(_("Deadlines"), level=1)
        _table(out, [_("Deadline"), _("Due"), _("State")], shown.deadlines)
    if figures.actions:
        out.add_heading(_("Actions recorded"), level=1)
        _table(
            out,
            [_("Time"), _("Kind"), _("Description")],
            [[a["at"], a["kind"], a["description"]] for a in figures.actions],
        )
    for line in (doc.signature, doc.issued.isoformat() if doc.issued else None):
        if line:
            out.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
