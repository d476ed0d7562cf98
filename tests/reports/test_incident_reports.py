"""The incident reports: every kind from a seeded incident on both stores, in all four
formats; the figures equal the store's, a person's edits of the incident's report are
used, Chinese is in the PDF's text layer and every font is embedded. Each kind holds its
own parts: the flash report one short page, the progress report what changed since the
previous report, the closing report the whole course, the review and 整改."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Cli
from tests.reports.incident_fixtures import (  # noqa: F401 - the fixture
    EDITED_CAUSE,
    NEW_SOURCE,
    REVIEW_SUMMARY,
    IncidentCase,
    advance_to_progress,
    close_course,
    incident_case_fixture,
)
from tests.reports.test_reports_service import OUTPUT, docx_text, fonts_embedded, pdf_text
from yuqing.analysis.models import EventPost
from yuqing.auth.schemas import Actor
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import InvalidInput, NotFound
from yuqing.incidents.models import (
    CorrectiveAction,
    DeadlineClock,
    IncidentEvent,
    IncidentLog,
    IncidentReview,
    Report,
    Statement,
    StatementReview,
)
from yuqing.incidents.service.measures import measure
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
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the school plan's zone
HEADER = DocumentInfo(organization="明德学校", doc_number="明德教舆〔2026〕7号", mark="内部")


def store_totals(
    session: Session, incident: int, received_by: datetime | None = None
) -> tuple[int, int, int]:
    """Posts, negative posts and sites of the incident, counted in Python from the rows
    (only those received by `received_by` if given)."""
    pks = set(
        session.scalars(
            select(EventPost.post_pk)
            .join(IncidentEvent, IncidentEvent.event_id == EventPost.event_id)
            .where(IncidentEvent.incident_id == incident)
        )
    )
    posts = [
        p
        for p in session.scalars(select(StoredPost))
        if p.pk in pks and (received_by is None or p.received_at <= received_by)
    ]
    negative = sum(p.sentiment_label == "negative" for p in posts)
    return len(posts), negative, len({p.source for p in posts})


@pytest.mark.parametrize("kind", INCIDENT_KINDS)
def test_every_incident_kind_holds_the_stores_figures(
    incident_case: IncidentCase, kind: str, tmp_path: Path, clock: FrozenClock
) -> None:
    store = incident_case.store
    with Session(store.engine) as session:
        figures = incident_kinds.compute(
            session=session,
            actor=incident_case.office,
            kind=kind,
            incident_id=incident_case.incident,
            now=clock.now(),
        )
        posts, negative, sites = store_totals(session, incident_case.incident)
        assert session.scalar(select(func.count()).select_from(StoredPost)) == posts
    assert (figures.posts, figures.sites) == (posts, sites) == (3, 1)
    assert figures.negative_share == round(negative / posts, 4)
    assert figures.fields["event_name"] and figures.fields["category"] == "食品安全"
    assert figures.level  # the plan's name of the confirmed level
    assert figures.parts == list(incident_kinds.PARTS[kind])
    if kind == "flash":  # what happened, when, where, the level, first measures: no more
        assert set(figures.fields) == {*incident_kinds.HEADER_FIELDS, "content", "measures"}
        assert not (figures.events or figures.posts_by_day or figures.deadlines)
        assert not (figures.actions or figures.statements or figures.course)
    elif kind == "special":  # the situation, a judgement, the handling, suggestions
        assert set(figures.fields) == {
            *incident_kinds.HEADER_FIELDS,
            *("content", "trend", "measures", "next_steps"),
        }
    else:
        assert set(figures.fields) == set(incident_kinds.REPORT_FIELDS)
    if kind in ("initial", "special", "closing"):
        assert sum(d["posts"] for d in figures.posts_by_day) == posts
        assert [e.id for e in figures.events] == ["ev-1"] and figures.events[0].posts == posts
        assert figures.actions[0]["kind"] == "official_reply"
    if kind == "initial":  # the person's edits of the incident's initial report are used
        assert figures.fields["cause"] == EDITED_CAUSE
        assert figures.report is not None and figures.report["status"] == "draft"

    data = json.loads(incident_render.render(figures, figures.fields, HEADER, "json"))
    assert (data["kind"], data["incident"], data["posts"]) == (kind, incident_case.incident, 3)
    assert data == {**figures.to_json(), "sections": figures.fields}

    document, text = docx_text(
        incident_render.render(figures, figures.fields, HEADER, "docx"), tmp_path / "r.docx"
    )
    assert TITLES[kind] in text and "明德教舆〔2026〕7号" in text
    spread = {r.cells[0].text: r.cells[1].text for r in document.tables[1].rows}
    assert spread["帖文"] == str(posts) and spread["负面占比"] == f"{negative / posts * 100:.1f}%"
    assert "w:tblHeader" in document.element.body.xml
    charted = kind in ("initial", "special", "closing")
    assert bool(document.inline_shapes) == charted  # the flash report has no charts
    if kind == "special":
        assert "舆情概况" in text and "处置建议" in text and "可能原因" not in text
    else:
        assert ("主要内容" in text) and (("可能原因" in text) == (kind != "flash"))
    assert docx.Document(str(tmp_path / "r.docx")).paragraphs  # opens again

    html = incident_render.render(figures, figures.fields, HEADER, "html").decode()
    assert f"<title>{TITLES[kind]}" in html

    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"{store.backend}-incident-{kind}.pdf"
    pdf.write_bytes(incident_render.render(figures, figures.fields, HEADER, "pdf"))
    layer = re.sub(r"\s+", " ", pdf_text(pdf))
    assert TITLES[kind] in layer and "事件名称" in layer and "食品安全" in layer
    assert f"帖文 {posts} " in layer
    if kind == "flash":
        assert pdf_pages(pdf) == 1 and "已采取措施" in layer and "时限" not in layer
    if kind in ("initial", "special"):
        assert "已记录的处置行动" in layer and "时限" in layer
    if kind == "initial":
        assert EDITED_CAUSE in layer
    assert fonts_embedded(pdf) and all(fonts_embedded(pdf))
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True)


def test_an_unknown_or_hidden_incident_is_not_found(
    incident_case: IncidentCase, clock: FrozenClock
) -> None:
    now = clock.now()
    with Session(incident_case.store.engine) as session:
        with pytest.raises(NotFound, match="没有事件 999"):
            incident_kinds.compute(
                session=session, actor=incident_case.office, kind="flash", incident_id=999, now=now
            )
        outsider = Actor(name="d", display_name="d", role="department", department="health")
        with pytest.raises(NotFound, match=f"没有事件 {incident_case.incident}"):
            incident_kinds.compute(
                session=session,
                actor=outsider,
                kind="flash",
                incident_id=incident_case.incident,
                now=now,
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


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]


def save_pdf(figures: incident_kinds.IncidentFigures, name: str) -> str:
    """The PDF saved with its page images for review; its text layer, spaces folded."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"{name}.pdf"
    pdf.write_bytes(incident_render.render(figures, figures.fields, HEADER, "pdf"))
    assert fonts_embedded(pdf) and all(fonts_embedded(pdf))
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(pdf.with_suffix(""))], check=True)
    return re.sub(r"\s+", " ", pdf_text(pdf))


def test_a_progress_report_holds_what_changed_since_the_previous_report(
    incident_case: IncidentCase, clock: FrozenClock, tmp_path: Path
) -> None:
    advance_to_progress(incident_case, clock)
    with Session(incident_case.store.engine) as session:
        figures = incident_kinds.compute(
            session=session,
            actor=incident_case.office,
            kind="progress",
            incident_id=incident_case.incident,
            now=clock.now(),
        )
        initial = session.scalars(
            select(Report).where(Report.kind == "initial").order_by(Report.revision)
        ).all()
        submitted = initial[0]
        assert submitted.submitted_at is not None and initial[1].corrects == submitted.id
        then = store_totals(session, incident_case.incident, received_by=submitted.submitted_at)
        now = store_totals(session, incident_case.incident)
        statements = list(session.scalars(select(Statement)))
        measured = measure(
            session=session,
            incident_id=incident_case.incident,
            statements=statements,
            now=clock.now(),
        )
        approvals = session.scalar(
            select(func.count())
            .select_from(StatementReview)
            .where(StatementReview.step.is_not(None))
        )
    assert then == (3, 2, 1) and now == (5, 3, 2)  # two posts from NEW_SOURCE, one negative
    changes = figures.changes
    assert changes is not None and changes["previous"]["id"] == submitted.id
    assert (changes["posts_then"], changes["posts_now"], changes["new_posts"]) == (3, 5, 2)
    assert (changes["sites_then"], changes["sites_now"], changes["new_sites"]) == (1, 2, 1)
    assert changes["negative_share_then"] == round(2 / 3, 4)
    assert changes["negative_share_now"] == round(3 / 5, 4)
    [statement] = figures.statements
    [m] = measured
    assert statement["number"] == m.number and statement["status"] == "published"
    assert statement["measures"]["before"]["posts"] == m.before.posts
    assert statement["measures"]["after"]["posts"] == m.after.posts
    assert statement["measures"]["trend"] == m.trend
    assert len(statement["approvals"]) == approvals and approvals
    [correction] = figures.corrections
    assert correction["corrects"]["id"] == submitted.id and correction["revision"] == 2
    assert not figures.events and not figures.posts_by_day  # the initial report had those

    data = json.loads(incident_render.render(figures, figures.fields, HEADER, "json"))
    assert data["changes"] == changes and data["statements"] == figures.statements

    document, text = docx_text(
        incident_render.render(figures, figures.fields, HEADER, "docx"), tmp_path / "p.docx"
    )
    assert "自上次报告以来的变化" in text and "对此前报告的更正" in text
    table = next(
        t for t in document.tables if t.rows[0].cells[0].text == "指标" and len(t.columns) == 4
    )
    cells = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows}
    assert cells["帖文"] == ["3", "5", "+2"] and cells["网站数"] == ["1", "2", "+1"]
    assert cells["负面占比"][:2] == ["66.7%", "60.0%"]

    layer = save_pdf(figures, f"{incident_case.store.backend}-incident-progress-course")
    assert "进程报告" in layer and "自上次报告以来的变化" in layer
    assert "上次报告以来发布的通稿" in layer and "第 1 号通稿" in layer and "已平息" in layer
    assert "对此前报告的更正" in layer and "初次报告第 1 期" in layer


def test_a_closing_report_holds_the_whole_course_the_review_and_corrective_actions(
    incident_case: IncidentCase, clock: FrozenClock, tmp_path: Path
) -> None:
    advance_to_progress(incident_case, clock)
    close_course(incident_case, clock)
    with Session(incident_case.store.engine) as session:
        figures = incident_kinds.compute(
            session=session,
            actor=incident_case.office,
            kind="closing",
            incident_id=incident_case.incident,
            now=clock.now(),
        )
        clocks = session.scalars(select(DeadlineClock).order_by(DeadlineClock.due_at)).all()
        course_logs = session.scalars(
            select(IncidentLog)
            .where(IncidentLog.kind.in_(("opened", "stage", "ended", "closed")))
            .order_by(IncidentLog.at, IncidentLog.id)
        ).all()
        review = session.get(IncidentReview, incident_case.incident)
        corrective = session.scalars(
            select(CorrectiveAction).order_by(CorrectiveAction.due_at)
        ).all()
        reviews = session.scalars(
            select(StatementReview).where(StatementReview.step.is_not(None))
        ).all()
        from yuqing.plan import service as plan_service

        plan = plan_service.get_active_plan(session=session)
        assert plan is not None and review is not None
    steps = [c["step"] for c in figures.course]
    assert steps == ["opened", *["stage"] * (len(plan.stages) - 1), "ended"]
    assert [c["stage_name"] for c in figures.course[:-1]] == [s.name for s in plan.stages]
    assert figures.course[-1]["reason"] == "舆情平息"
    assert [c["at"] for c in figures.course] == [
        log.at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") for log in course_logs
    ]
    assert figures.course[0]["at"] == "2026-03-02 09:00"  # opened on the frozen clock
    assert [(d["name"], d["state"], d["late_minutes"]) for d in figures.deadlines] == [
        (c.name, c.state, c.late_minutes) for c in clocks
    ]
    assert figures.deadlines_met == sum(c.state == "met" for c in clocks)
    assert figures.deadlines_missed == sum(c.state == "missed" for c in clocks)
    [statement] = figures.statements
    assert [a["reviewer"] for a in statement["approvals"]] == [r.reviewer for r in reviews]
    assert figures.review is not None and figures.review["summary"] == REVIEW_SUMMARY
    assert figures.review["evaluation"] == review.evaluation == "处置得当"
    assert (
        [(c["title"], c["owner"], c["status"]) for c in figures.corrective_actions]
        == [(c.title, c.owner, c.status) for c in corrective]
        == [("冷库温控巡检制度", "后勤处", "done"), ("食堂检查制度", "办公室", "open")]
    )
    assert figures.posts == 5 and figures.sites == 2 and NEW_SOURCE

    data = json.loads(incident_render.render(figures, figures.fields, HEADER, "json"))
    assert data["course"] == figures.course and data["review"] == figures.review
    assert data["corrective_actions"] == figures.corrective_actions

    _document, text = docx_text(
        incident_render.render(figures, figures.fields, HEADER, "docx"), tmp_path / "c.docx"
    )
    assert REVIEW_SUMMARY in text and "冷库温控巡检制度" in text and "后勤处" in text

    layer = save_pdf(figures, f"{incident_case.store.backend}-incident-closing-course")
    for heading in ("结案报告", "处置过程", "时限", "通稿", "复盘总结", "有效做法", "存在不足"):
        assert heading in layer, heading
    assert "整改措施" in layer and "食堂检查制度" in layer and "舆情平息" in layer


def test_a_version_stored_before_the_kinds_differed_renders_as_it_did(
    incident_case: IncidentCase, clock: FrozenClock
) -> None:
    with Session(incident_case.store.engine) as session:
        figures = incident_kinds.compute(
            session=session,
            actor=incident_case.office,
            kind="initial",
            incident_id=incident_case.incident,
            now=clock.now(),
        )
    new_keys = ("parts", "changes", "statements", "corrections", "course", "review")
    stored = {k: v for k, v in figures.to_json().items() if k not in new_keys}
    stored["kind"] = "flash"  # an old flash report held every part and every field
    old = incident_kinds.IncidentFigures.from_json(stored)
    assert old.parts == list(incident_kinds.FULL)
    shown = incident_render.rows(old, old.fields)
    assert len(shown.sections) == len(incident_kinds.TEXT_FIELDS)
    assert {"events", "deadlines", "actions"} <= set(shown.tables)
