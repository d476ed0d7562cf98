"""A report as DOCX (python-docx), built from the same HTML page the PDF is printed from.

The page is the built-in template or the administrator's (templates_store), so whatever
the template says (its header, 文号, confidentiality mark, signature block, wording, order
and added text) is in the Word file too. The page is read as structure, not as CSS:
headings, paragraphs, line breaks, bold and italic, lists, tables (rows under `<thead>`
repeat on each page), and pictures inlined as `data:` URIs; nothing is fetched. A few
classes the templates use carry the layout Word needs: `org` (the red header line),
`docno`, `period`, `subtitle` and `center` (centred), `mark` (bold), `signature` and
`right` (right-aligned), `section`, `remarks` and `pre` (line breaks kept), `n` (a
number cell, right-aligned). The file is A4 with a page number in the footer and Noto
Sans CJK SC as the East Asian font of every style.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import _Cell
    from docx.text.paragraph import Paragraph

log = logging.getLogger(__name__)
CJK_FONT = "Noto Sans CJK SC"
HEADER_RED = (0xC0, 0x00, 0x00)
MAX_PICTURE_MM = 160  # the text width of the A4 page below
SKIPPED = {"head", "style", "script", "template", "title", "noscript", "iframe", "object"}
CONTAINERS = {
    *("body", "div", "section", "article", "header", "footer", "main", "nav", "aside"),
    *("blockquote", "figure", "address", "form", "fieldset", "dl", "center"),
}
PARAGRAPHS = {"p", "pre", "figcaption", "dt", "dd", "caption", "legend"}
HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 3, "h6": 3}
BLOCKS = CONTAINERS | PARAGRAPHS | set(HEADINGS) | {"table", "ul", "ol", "li", "hr"}
CENTRED = {"org", "docno", "period", "subtitle", "center"}
RIGHT = {"signature", "right"}
KEEP_LINES = {"section", "remarks", "pre"}
DATA_PICTURE = re.compile(r"^data:image/(png|jpe?g|gif|bmp);base64,", re.I)


@dataclass(frozen=True)
class Style:
    """What an element passes to the text inside it."""

    bold: bool = False
    italic: bool = False
    small: bool = False
    align: str | None = None  # center | right
    keep_lines: bool = False  # newlines are line breaks (white-space: pre…)
    org: bool = False  # the red header line


def render(html: str) -> bytes:
    """The DOCX file's bytes for a report page."""
    from docx import Document as new_document
    from lxml import html as lxml_html

    out = new_document()
    _page_setup(out)
    root = lxml_html.document_fromstring(html or "<p></p>")
    body = root.find("body")
    writer = _Writer(out)
    writer.container(body if body is not None else root, Style())
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def _styled(element: Any, style: Style) -> Style:
    """The style an element's content has: its tag, its classes, its inline CSS."""
    tag = element.tag if isinstance(element.tag, str) else ""
    classes = _classes(element)
    css = (element.get("style") or "").replace(" ", "").lower()
    align = element.get("align") or style.align
    if classes & CENTRED or "text-align:center" in css:
        align = "center"
    if classes & RIGHT or "text-align:right" in css:
        align = "right"
    return replace(
        style,
        bold=style.bold or tag in ("b", "strong", "th") or bool(classes & {"mark", "org"}),
        italic=style.italic or tag in ("i", "em", "cite"),
        small=style.small or tag == "small",
        align=align,
        keep_lines=style.keep_lines
        or tag == "pre"
        or bool(classes & KEEP_LINES)
        or "white-space:pre" in css,
        org=style.org or "org" in classes,
    )


class _Writer:
    def __init__(self, out: Document) -> None:
        self.out = out

    # Blocks ---------------------------------------------------------------------------

    def container(self, element: Any, style: Style) -> None:
        """A block holding blocks; loose text and inline elements between them become
        paragraphs of their own."""
        loose: list[Any] = []  # inline children (and text) waiting for a paragraph
        if (element.text or "").strip():
            loose.append(element.text)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in SKIPPED:
                if (child.tail or "").strip():
                    loose.append(child.tail)
                continue
            if child.tag in BLOCKS:
                self._flush(loose, style)
                loose = []
                self.block(child, style)
            else:
                loose.append(child)
            if (child.tail or "").strip():
                loose.append(child.tail)
        self._flush(loose, style)

    def _flush(self, loose: list[Any], style: Style) -> None:
        if not loose:
            return
        paragraph = self.out.add_paragraph()
        _align(paragraph, style)
        for item in loose:
            if isinstance(item, str):
                self._text(paragraph, item, style)
            else:
                self.inline(paragraph, item, style)
        _trim(paragraph)

    def block(self, element: Any, outer: Style) -> None:
        tag = element.tag
        style = _styled(element, outer)
        if tag in CONTAINERS:
            self.container(element, style)
        elif tag in HEADINGS:
            paragraph = self.out.add_heading(level=HEADINGS[tag])
            if tag == "h1" and style.align is None:
                style = replace(style, align="center")  # the title, as the page shows it
            self._paragraph_content(paragraph, element, style)
        elif tag in PARAGRAPHS or tag == "li":
            paragraph = self.out.add_paragraph()
            if tag == "li":
                parent = element.getparent()
                ordered = parent is not None and parent.tag == "ol"
                paragraph.style = self.out.styles["List Number" if ordered else "List Bullet"]
            self._paragraph_content(paragraph, element, style)
        elif tag in ("ul", "ol"):
            for child in element:
                if isinstance(child.tag, str) and child.tag in BLOCKS:
                    self.block(child, style)
        elif tag == "table":
            self.table(element, style)
        # <hr>: the red rule under the header is drawn by the header's own style

    def _paragraph_content(self, paragraph: Paragraph, element: Any, style: Style) -> None:
        _align(paragraph, style)
        self._children(paragraph, element, style)
        _trim(paragraph)

    def table(self, element: Any, style: Style) -> None:
        """A bordered table; rows under <thead> repeat at the top of each page."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        rows: list[tuple[Any, bool]] = []
        for child in element:
            if child.tag in ("thead", "tbody", "tfoot"):
                rows += [(r, child.tag == "thead") for r in child if r.tag == "tr"]
            elif child.tag == "tr":
                rows.append((child, False))
        cells = [[c for c in row if c.tag in ("td", "th")] for row, _head in rows]
        width = max((len(c) for c in cells), default=0)
        if not width:
            return
        table = self.out.add_table(rows=0, cols=width)
        table.style = "Table Grid"
        for (_row, head), row_cells in zip(rows, cells, strict=True):
            row = table.add_row()
            if head:
                repeat = OxmlElement("w:tblHeader")
                repeat.set(qn("w:val"), "true")
                row._tr.get_or_add_trPr().append(repeat)
            for cell, source in zip(row.cells, row_cells, strict=False):
                self._cell(cell, source, replace(_styled(source, style), keep_lines=True))

    def _cell(self, cell: _Cell, element: Any, style: Style) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph = cell.paragraphs[0]
        if "n" in _classes(element):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            _align(paragraph, style)
        self._children(paragraph, element, style)
        _trim(paragraph)

    # Inline content -------------------------------------------------------------------

    def _children(self, paragraph: Paragraph, element: Any, style: Style) -> None:
        self._text(paragraph, element.text, style)
        for child in element:
            if isinstance(child.tag, str) and child.tag not in SKIPPED:
                self.inline(paragraph, child, style)
            self._text(paragraph, child.tail, style)

    def inline(self, paragraph: Paragraph, element: Any, outer: Style) -> None:
        tag = element.tag
        if tag == "br":
            paragraph.add_run().add_break()
        elif tag == "img":
            self._picture(paragraph, element)
        elif tag == "table":  # a table inside a paragraph or cell: its text, row by row
            for row in element.iter("tr"):
                text = " | ".join(" ".join(c.text_content().split()) for c in row)
                self._text(paragraph, text, _styled(element, outer))
                paragraph.add_run().add_break()
        else:
            style = _styled(element, outer)
            if tag in BLOCKS and paragraph.runs:  # a block nested in a line starts a new one
                paragraph.add_run().add_break()
            self._children(paragraph, element, style)

    def _text(self, paragraph: Paragraph, text: str | None, style: Style) -> None:
        from docx.shared import Pt, RGBColor

        if not text:
            return
        if style.keep_lines:  # the source's line breaks around the text are not text
            lines = [" ".join(line.split()) for line in text.strip().split("\n")]
        else:
            lines = [" ".join(text.split()) + (" " if text[-1:].isspace() else "")]
            if text[:1].isspace() and lines[0].strip():
                lines[0] = " " + lines[0]
        for i, line in enumerate(lines):
            if i:
                paragraph.add_run().add_break()
            if not line:
                continue
            run = paragraph.add_run(line)
            run.bold = style.bold or None
            run.italic = style.italic or None
            if style.small:
                run.font.size = Pt(9)
            if style.org:
                run.font.size, run.font.color.rgb = Pt(22), RGBColor(*HEADER_RED)

    def _picture(self, paragraph: Paragraph, element: Any) -> None:
        """A picture inlined as a data URI; any other source is left out, never fetched."""
        from docx.image.exceptions import UnrecognizedImageError
        from docx.shared import Emu, Mm

        source = (element.get("src") or "").strip()
        if not DATA_PICTURE.match(source):
            return
        try:
            data = base64.b64decode(source.split(",", 1)[1], validate=False)
            shape = paragraph.add_run().add_picture(io.BytesIO(data))
        except (binascii.Error, ValueError, UnrecognizedImageError) as exc:  # the text goes on
            log.info("picture left out of the DOCX: %s", type(exc).__name__)
            return
        limit = Mm(MAX_PICTURE_MM)
        if "chart" in _classes(element) or shape.width > limit:
            shape.height = Emu(int(shape.height * limit / shape.width))
            shape.width = limit


def _align(paragraph: Paragraph, style: Style) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if style.align == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif style.align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _trim(paragraph: Paragraph) -> None:
    """No space at the ends of a paragraph (the HTML's indentation is not text)."""
    runs = [r for r in paragraph.runs if r.text]
    if runs:
        runs[0].text = runs[0].text.lstrip(" ")
        runs[-1].text = runs[-1].text.rstrip(" ")


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


def _page_number(paragraph: Paragraph) -> None:
    """A PAGE field: Word and WPS fill in each page's number."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

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
