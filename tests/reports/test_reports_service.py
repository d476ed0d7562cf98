"""Every period kind from a seeded store, on both databases: the figures equal the
store's (counted here over every post, apart from the report's queries), the DOCX and
the PDF hold them, the PDF's fonts are embedded. Each kind is rendered once per store."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import ROOT, Store
from tests.reports.conftest import HOSTILE_TITLE
from yuqing.alerts.models import Alert
from yuqing.analysis.models import EventPost
from yuqing.core.clock import FrozenClock
from yuqing.monitor.models import StoredPost
from yuqing.reports import service
from yuqing.reports.document import DocumentInfo
from yuqing.reports.figures import Figures

OUTPUT = ROOT / "test-output" / "reports"
# The clock of each kind, and the period its default then covers (Shanghai days).
KINDS = {
    "daily": (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), "2026-03-01", "2026-03-02", "舆情日报"),
    "weekly": (datetime(2026, 3, 4, 1, 0, tzinfo=UTC), "2026-02-23", "2026-03-02", "舆情周报"),
    "monthly": (datetime(2026, 3, 5, 1, 0, tzinfo=UTC), "2026-02-01", "2026-03-01", "舆情月报"),
    "bulletin": (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), "2026-02-23", "2026-03-02", "网上舆情"),
}
HEADER = DocumentInfo(
    organization="明德县第一中学",
    doc_number="明德教舆〔2026〕12号",
    mark="内部",
    signature="明德县第一中学舆情工作领导小组办公室",
)


def expected(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """The figures worked out here from every stored row, not through the report's queries."""
    posts = [p for p in session.scalars(select(StoredPost)) if start <= p.published_at < end]
    pks = {p.pk for p in posts}
    events = {link.event_id for link in session.scalars(select(EventPost)) if link.post_pk in pks}
    alerts = [
        a
        for a in session.scalars(select(Alert))
        if start <= a.created_at < end and a.event_id in events
    ]
    negative = sum(p.sentiment_label == "negative" for p in posts)
    return {
        "posts": len(posts),
        "negative_share": round(negative / len(posts), 4) if posts else 0.0,
        "events": len(events),
        "posts_by_tier": dict(Counter(p.media_tier or "unknown" for p in posts)),
        "posts_by_platform": dict(Counter(p.platform or "unknown" for p in posts)),
        "alerts_raised": len(alerts),
        "alerts_acknowledged": sum(a.acknowledged_at is not None for a in alerts),
    }


def docx_text(data: bytes, path: Path) -> tuple[docx.document.Document, str]:
    path.write_bytes(data)
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return document, "\n".join([p.text for p in document.paragraphs] + cells)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def fonts_embedded(path: Path) -> list[bool]:
    """The `emb` column of pdffonts, one per font."""
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    return [line.split()[-5] == "yes" for line in lines]


def check_docx(figures: Figures, document: docx.document.Document, text: str, title: str) -> None:
    assert title in text and "明德教舆〔2026〕12号" in text and "内部" in text
    rows = {
        row.cells[0].text: row.cells[1].text
        for row in document.tables[0].rows  # the summary table: figure, value
    }
    assert rows["帖文"] == str(figures.posts)
    assert rows["事件"] == str(figures.events)
    assert rows["负面占比"] == f"{figures.negative_share * 100:.1f}%"
    for level, n in figures.events_by_level.items():
        assert rows[f"{level}事件"] == str(n)
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    body = document.element.body.xml
    assert "w:tblHeader" in body  # header rows repeat across pages
    assert "PAGE" in section.footer._element.xml  # page numbers
    normal = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == "Noto Sans CJK SC"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_period_kind_holds_the_stores_figures(
    seeded: Store, kind: str, tmp_path: Path
) -> None:
    now, first, end, title = KINDS[kind]
    with Session(seeded.engine) as session:
        figures, _doc = service.compute(session=session, clock=FrozenClock(now), kind=kind)
        period = (datetime.fromisoformat(figures.start), datetime.fromisoformat(figures.end))
        want = expected(session, *period)
    data = figures.to_json()
    assert (data["from"][:10], data["to"][:10]) == (first, end)
    assert data["from"].endswith("+08:00")
    assert {k: data[k] for k in want} == want
    assert want["posts"] > 0
    assert sum(r["posts"] for r in data["sentiment_by_day"]) == want["posts"]
    assert sum(data["events_by_level"].values()) <= data["events"]
    assert data["top_events"] and data["top_events"][0]["posts"] <= want["posts"]

    document, text = docx_text(service.render(figures, HEADER, "docx"), tmp_path / "r.docx")
    check_docx(figures, document, text, title)

    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"{seeded.backend}-{kind}.pdf"
    pdf.write_bytes(service.render(figures, HEADER, "pdf"))
    layer = re.sub(r"\s+", " ", pdf_text(pdf))
    assert title in layer and "明德教舆〔2026〕12号" in layer
    assert f"帖文 {figures.posts} " in layer
    assert all(fonts_embedded(pdf)) and fonts_embedded(pdf)
    # Page images for review (docs/reports.md): test-output/ is not committed.
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True)


def test_the_daily_report_counts_days_in_the_plans_zone(seeded: Store) -> None:
    now = KINDS["daily"][0]
    with Session(seeded.engine) as session:
        figures, _doc = service.compute(session=session, clock=FrozenClock(now), kind="daily")
    # a4 is 16:30 UTC on 1 March, 00:30 on 2 March in Shanghai: tomorrow's.
    assert figures.posts == 3
    assert [r["day"] for r in figures.sentiment_by_day] == ["2026-03-01"]


def test_post_titles_are_escaped_in_the_html(seeded: Store) -> None:
    now = KINDS["daily"][0]
    with Session(seeded.engine) as session:
        figures, _doc = service.compute(session=session, clock=FrozenClock(now), kind="daily")
    # The pipeline strips tags from titles; the page must not count on it.
    figures.top_events[0] = replace(figures.top_events[0], title=HOSTILE_TITLE)
    html = service.render(figures, replace(HEADER, mark="<i>内部</i>"), "html").decode()
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;学校食堂" in html


def test_platforms_are_named_in_words(seeded: Store) -> None:
    now = KINDS["weekly"][0]
    with Session(seeded.engine) as session:
        figures, _doc = service.compute(session=session, clock=FrozenClock(now), kind="weekly")
    assert {"microblog", "forum"} <= set(figures.posts_by_platform)
    html = service.render(figures, HEADER, "html").decode()
    assert "<td>微博</td>" in html and "<td>论坛</td>" in html
    assert "<td>microblog</td>" not in html and "<td>forum</td>" not in html


def test_a_watch_limits_the_report_to_its_posts(seeded: Store) -> None:
    now = KINDS["weekly"][0]
    with Session(seeded.engine) as session:
        canteen, _ = service.compute(
            session=session, clock=FrozenClock(now), kind="weekly", watch="canteen"
        )
        hospital, _ = service.compute(
            session=session, clock=FrozenClock(now), kind="weekly", watch="hospital"
        )
        every, _ = service.compute(session=session, clock=FrozenClock(now), kind="weekly")
    assert (canteen.posts, hospital.posts) == (3, 1)
    assert every.posts == canteen.posts + hospital.posts
    assert canteen.watch == "canteen"


def test_the_top_events_carry_their_summary_into_the_report(seeded: Store, tmp_path: Path) -> None:
    now = KINDS["weekly"][0]
    with Session(seeded.engine) as session:
        figures, _doc = service.compute(session=session, clock=FrozenClock(now), kind="weekly")
    top = figures.top_events[0]
    assert top.summary  # kept with the event by the pipeline
    assert figures.to_json()["top_events"][0]["summary"] == top.summary
    html = service.render(figures, HEADER, "html").decode()
    assert top.summary[0] in html
    _document, text = docx_text(service.render(figures, HEADER, "docx"), tmp_path / "r.docx")
    assert top.summary[0] in text
    figures.top_events[0] = replace(top, summary=[HOSTILE_TITLE])
    html = service.render(figures, HEADER, "html").decode()
    assert "<script>" not in html


def test_an_alert_of_an_event_merged_into_one_in_scope_still_counts(seeded: Store) -> None:
    """Merging moves an event's posts to the one it joins, not its alerts: those alerts
    dropped out of the report while the alerts page still listed them."""
    from yuqing.alerts import service as alerts_service
    from yuqing.alerts.routing import RoutePlan
    from yuqing.analysis.models import Event

    now = KINDS["daily"][0]
    with Session(seeded.engine) as session:
        before, _doc = service.compute(session=session, clock=FrozenClock(now), kind="daily")
        survivor = before.top_events[0].id
        at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai, in the period
        session.add(Event(id="ev-merged", title="并入的事件", first_at=at, last_at=at,
                          updated_at=at, merged_into=survivor))  # fmt: skip
        session.flush()
        alerts_service.raise_alert(session=session, clock=FrozenClock(at), event_id="ev-merged",
                                   level="IV", level_rank=4, title="【一般】并入的事件",
                                   route=RoutePlan(recipients=[]), text="依据")  # fmt: skip
        after, _doc = service.compute(session=session, clock=FrozenClock(now), kind="daily")
        session.rollback()
    assert after.alerts_raised == before.alerts_raised + 1
