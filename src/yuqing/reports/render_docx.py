"""A report as DOCX (python-docx), editable in Word or WPS: A4, page numbers in the
footer, tables whose header row repeats on each page, a CJK font for East Asian text."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from yuqing.core.i18n import _
from yuqing.reports import document
from yuqing.reports.charts import Chart
from yuqing.reports.document import DocumentInfo
from yuqing.reports.figures import EventFigures, Figures
from yuqing.reports.labels import level_status_name, tier_name

if TYPE_CHECKING:
    from docx.document import Document

CJK_FONT = "Noto Sans CJK SC"
HEADER_RED = (0xC0, 0x00, 0x00)


def render(figures: Figures, doc: DocumentInfo, charts: list[Chart]) -> bytes:
    """The DOCX file's bytes."""
    from docx import Document as new_document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

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
    out.add_heading(document.title(figures), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    out.add_paragraph(document.period_text(figures)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    out.add_heading(_("Summary"), level=1)
    out.add_paragraph(document.summary(figures) if doc.summary is None else doc.summary)
    rows = [
        [_("Posts"), str(figures.posts)],
        [_("Negative share"), _percent(figures.negative_share)],
        [_("Events"), str(figures.events)],
        *[
            [_("Events at level {level}").format(level=level), str(n)]
            for level, n in figures.events_by_level.items()
        ],
        [_("Alerts raised"), str(figures.alerts_raised)],
        [_("Alerts acknowledged"), str(figures.alerts_acknowledged)],
    ]
    _table(out, [_("Figure"), _("Value")], rows)
    if figures.top_events:
        out.add_heading(_("Top events"), level=1)
        header = ["#", _("Event"), _("Posts"), _("Sites"), _("Highest media tier")]
        header += [_("Negative share"), _("Level")]
        _table(out, header, [_event_row(i, e) for i, e in enumerate(figures.top_events, 1)])
    if figures.posts:
        out.add_heading(_("Trends"), level=1)
        for chart in charts:
            out.add_picture(io.BytesIO(chart.png), width=Mm(160))
        out.add_heading(_("Sentiment by day"), level=1)
        _table(
            out,
            [_("Day"), _("Posts"), _("negative"), _("neutral"), _("positive")],
            [
                [row["day"], *(str(row[k]) for k in ("posts", "negative", "neutral", "positive"))]
                for row in figures.sentiment_by_day
            ],
        )
        out.add_heading(_("Posts by media tier and platform"), level=1)
        _table(
            out,
            [_("Media tier"), _("Posts")],
            [[tier_name(t), str(n)] for t, n in figures.posts_by_tier.items()],
        )
        _table(
            out,
            [_("Platform"), _("Posts")],
            [[p, str(n)] for p, n in figures.posts_by_platform.items()],
        )
        out.add_heading(_("Top sites"), level=1)
        _table(
            out, [_("Site"), _("Posts")], [[r["site"], str(r["posts"])] for r in figures.top_sites]
        )
    if doc.remarks:
        out.add_heading(_("Remarks"), level=1)
        out.add_paragraph(doc.remarks)
    for line in (doc.signature, doc.issued.isoformat() if doc.issued else None):
        if line:
            out.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _event_row(rank: int, event: EventFigures) -> list[str]:
    level = event.level and f"{event.level}（{level_status_name(event.level_status)}）"
    return [
        str(rank),
        # The summary under the title: what the event is about, in its own sentences.
        event.title + ("\n" + event.summary_text if event.summary else ""),
        str(event.posts),
        str(event.sites),
        tier_name(event.top_tier),
        _percent(event.negative_share),
        level or "—",
    ]


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _page_setup(out: Document) -> None:
    """A4, the CJK font on every style's East Asian text, a page number in the footer."""
    from docx.oxml.ns import qn
    from docx.shared import Mm

    section = out.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    # Word picks the font of Chinese characters from w:eastAsia, not from the font name.
    for style in out.styles:
        element = getattr(style, "element", None)
        if element is None or getattr(style, "font", None) is None:
            continue
        rpr = element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), CJK_FONT)
    _page_number(section.footer.paragraphs[0])


def _page_number(paragraph: object) -> None:
    """A PAGE field: Word and WPS fill in each page's number."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    assert isinstance(paragraph, Paragraph)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _table(out: Document, header: list[str], rows: list[list[str]]) -> None:
    """A bordered table whose first row repeats at the top of each page it spans."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = out.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    head = table.rows[0]
    for cell, text in zip(head.cells, header, strict=True):
        cell.text = text
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(repeat)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
