"""A report as PDF: weasyprint prints the HTML page (A4, page numbers from @page CSS).

weasyprint embeds (subsets) every font it uses, so the Chinese text of the page is in
the PDF's text layer and shows the same on a machine without Noto CJK.
"""

from __future__ import annotations

import logging


def _inline_only() -> object:
    """A fetcher of inlined data only: a report never reaches the network or the disk."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def render(html: str) -> bytes:
    """The PDF of `html` (a page that needs nothing from outside: charts are data URIs)."""
    from weasyprint import HTML

    # weasyprint warns through logging about CSS it ignores; a report is not the place.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    pdf = HTML(string=html, base_url=None, url_fetcher=_inline_only()).write_pdf()
    assert pdf is not None  # no target given: the bytes come back
    return bytes(pdf)
