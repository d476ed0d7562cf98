"""The incident reports: every kind from a seeded incident on both stores, in all four
formats; the figures equal the store's, a person's edits of the incident's report are
used, Chinese is in the PDF's text layer and every font is embedded."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Cli
from tests.reports.incident_fixtures import (  # noqa: F401 - the fixture
    EDITED_CAUSE,
    IncidentCase,
    incident_case_fixture,
)
from tests.reports.test_reports_service import OUTPUT, docx_text, fonts_embedded, pdf_text
from yuqing.analysis.models import EventPost
from yuqing.auth.schemas import Actor
from yuqing.core.errors import InvalidInput, NotFound
from yuqing.incidents.models import IncidentEvent
from yuqing.monitor.models import StoredPost
from yuqing.reports import incident_kinds, incident_render
from yuqing.reports.document import DocumentInfo
from yuqing.reports.periods import INCIDENT_KINDS

TITLES = {
    "special": "舆情专报",
    "flash": "舆情快报",
    "initial": "初次报告",
    "progress": "进程报告",
    "closing": "结案报告",
}
HEADER = DocumentInfo(organization="明德学校", doc_number="明德教舆〔2026〕7号", mark="内部")


def store_totals(session: Session, incident: int) -> tuple[int, int, int]:
    """Posts, negative posts and sites of the incident, counted in Python from the rows."""
    pks = set(
        session.scalars(
            select(EventPost.post_pk)
            .join(IncidentEvent, IncidentEvent.event_id == EventPost.event_id)
            .where(IncidentEvent.incident_id == incident)
        )
    )
    posts = [p for p in session.scalars(select(StoredPost)) if p.pk in pks]
    negative = sum(p.sentiment_label == "negative" for p in posts)
    return len(posts), negative, len({p.source for p in posts})


@pytest.mark.parametrize("kind", INCIDENT_KINDS)
def test_every_incident_kind_holds_the_stores_figures(
    incident_case: IncidentCase, kind: str, tmp_path: Path
) -> None:
    store = incident_case.store
    with Session(store.engine) as session:
        figures = incident_kinds.compute(
            session=session,
            actor=incident_case.office,
            kind=kind,
            incident_id=incident_case.incident,
        )
        posts, negative, sites = store_totals(session, incident_case.incident)
        assert session.scalar(select(func.count()).select_from(StoredPost)) == posts
    assert (figures.posts, figures.sites) == (posts, sites) == (3, 1)
    assert figures.negative_share == round(negative / posts, 4)
    assert sum(d["posts"] for d in figures.posts_by_day) == posts
    assert [e.id for e in figures.events] == ["ev-1"] and figures.events[0].posts == posts
    assert figures.fields["event_name"] and figures.fields["category"] == "食品安全"
    assert figures.level  # the plan's name of the confirmed level
    assert figures.actions[0]["kind"] == "official_reply"
    if kind == "initial":  # the person's edits of the incident's initial report are used
        assert figures.fields["cause"] == EDITED_CAUSE
        assert figures.report is not None and figures.report["status"] == "draft"

    data = json.loads(incident_render.render(figures, figures.fields, HEADER, "json"))
    assert (data["kind"], data["incident"], data["posts"]) == (kind, incident_case.incident, 3)

    document, text = docx_text(
        incident_render.render(figures, figures.fields, HEADER, "docx"), tmp_path / "r.docx"
    )
    assert TITLES[kind] in text and "明德教舆〔2026〕7号" in text
    spread = {r.cells[0].text: r.cells[1].text for r in document.tables[1].rows}
    assert spread["帖文"] == str(posts) and spread["负面占比"] == f"{negative / posts * 100:.1f}%"
    assert "w:tblHeader" in document.element.body.xml
    assert docx.Document(str(tmp_path / "r.docx")).paragraphs  # opens again

    html = incident_render.render(figures, figures.fields, HEADER, "html").decode()
    assert f"<title>{TITLES[kind]}" in html

    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"{store.backend}-incident-{kind}.pdf"
    pdf.write_bytes(incident_render.render(figures, figures.fields, HEADER, "pdf"))
    layer = re.sub(r"\s+", " ", pdf_text(pdf))
    assert TITLES[kind] in layer and "事件名称" in layer and "食品安全" in layer
    assert f"帖文 {posts} " in layer
    if kind == "initial":
        assert EDITED_CAUSE in layer
    assert fonts_embedded(pdf) and all(fonts_embedded(pdf))
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True)


def test_an_unknown_or_hidden_incident_is_not_found(incident_case: IncidentCase) -> None:
    with Session(incident_case.store.engine) as session:
        with pytest.raises(NotFound, match="没有事件 999"):
            incident_kinds.compute(
                session=session, actor=incident_case.office, kind="flash", incident_id=999
            )
        outsider = Actor(name="d", display_name="d", role="department", department="health")
        with pytest.raises(NotFound, match=f"没有事件 {incident_case.incident}"):
            incident_kinds.compute(
                session=session, actor=outsider, kind="flash", incident_id=incident_case.incident
            )


def test_a_kind_and_the_incident_option_must_match() -> None:
    with pytest.raises(InvalidInput, match="需要 --incident"):
        incident_kinds.check_incident_kind("closing", None)
    with pytest.raises(InvalidInput, match="周期报告不能使用 --incident"):
        incident_kinds.check_incident_kind("daily", 1)


def test_the_command_writes_an_incident_report(
    incident_case: IncidentCase, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "flash.json"
    args = ["--incident", str(incident_case.incident), "--format", "json", "-o", str(out)]
    result = cli("report", "generate", "flash", *args)
    assert result.code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["posts"] == 3

    missing = tmp_path / "none" / "x.pdf"
    missing.parent.mkdir()
    args = ["--incident", "999", "--format", "pdf", "-o", str(missing)]
    result = cli("report", "generate", "closing", *args)
    assert result.code != 0
    assert result.stderr.strip().splitlines() == ["yuqing: 没有事件 999"]
    assert list(missing.parent.iterdir()) == []
