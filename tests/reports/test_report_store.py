"""Stored report versions in the service: a signed version is frozen and archived with
its incident's case; a section too long or of the wrong kind is refused whole."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.reports.incident_fixtures import (  # noqa: F401 - the fixture
    IncidentCase,
    incident_case_fixture,
)
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import Conflict, Forbidden, InvalidInput
from yuqing.incidents.models import Incident
from yuqing.incidents.service import cases
from yuqing.incidents.service.access import plan_of
from yuqing.reports import store, templates_store


def test_a_signed_version_is_archived_with_the_incident(
    incident_case: IncidentCase, clock: FrozenClock
) -> None:
    with Session(incident_case.store.engine) as session:
        subject = store.Subject(kind="closing", incident=incident_case.incident)
        with pytest.raises(Forbidden):
            store.create(session=session, clock=clock, actor=incident_case.monitor, subject=subject)
        version = store.create(
            session=session, clock=clock, actor=incident_case.office, subject=subject
        )
        with pytest.raises(InvalidInput, match="next_steps"):
            store.update_sections(
                session=session,
                clock=clock,
                actor=incident_case.office,
                report_id=version.id,
                sections={"next_steps": "x" * (store.SECTION_LIMIT + 1)},
            )
        with pytest.raises(InvalidInput, match="summary"):  # a period report's section
            store.update_sections(
                session=session,
                clock=clock,
                actor=incident_case.office,
                report_id=version.id,
                sections={"summary": "x"},
            )
        with pytest.raises(Forbidden):
            store.sign(
                session=session, clock=clock, actor=incident_case.office, report_id=version.id
            )
        store.sign(session=session, clock=clock, actor=incident_case.leader, report_id=version.id)
        with pytest.raises(Conflict):
            store.update_sections(
                session=session,
                clock=clock,
                actor=incident_case.leader,
                report_id=version.id,
                sections={"trend": "y"},
            )
        incident = session.get(Incident, incident_case.incident)
        assert incident is not None
        case = cases.archive(
            session=session, clock=clock, incident=incident, plan=plan_of(session, incident)
        )
        archived = case.document["signed_reports"]
        assert [r["id"] for r in archived] == [version.id]
        assert archived[0]["content_hash"] == version.content_hash == store.content_hash(version)
        assert archived[0]["figures"]["posts"] == 3


def _template_marked(kind: str, mark: str) -> str:
    """The built-in template with `mark` as the page's first line."""
    body = '<body class="kind-{{ f.kind }}">'
    return templates_store.builtin_source(kind).replace(body, f"{body}<p>{mark}</p>", 1)


def test_a_signed_version_prints_with_the_template_it_was_signed_with(
    incident_case: IncidentCase, clock: FrozenClock
) -> None:
    """A draft prints with the administrator's template in force; signing freezes that
    template with the text, so a later template changes new drafts, not what was signed."""
    with Session(incident_case.store.engine) as session:
        office, leader = incident_case.office, incident_case.leader
        subject = store.Subject(kind="flash", incident=incident_case.incident)
        draft = store.create(session=session, clock=clock, actor=office, subject=subject)
        assert "甲版抬头" not in store.render(draft, "html", session=session).decode()

        templates_store.set_template(session=session, clock=clock, kind="flash",
                                     source=_template_marked("flash", "甲版抬头"), author="admin")  # fmt: skip
        assert "甲版抬头" in store.render(draft, "html", session=session).decode()
        signed = store.sign(session=session, clock=clock, actor=leader, report_id=draft.id)
        hash_at_signing = signed.content_hash

        templates_store.set_template(session=session, clock=clock, kind="flash",
                                     source=_template_marked("flash", "乙版抬头"), author="admin")  # fmt: skip
        session.commit()
        page = store.render(signed, "html", session=session).decode()
        assert "甲版抬头" in page and "乙版抬头" not in page
        assert "甲版抬头" in _docx_text(store.render(signed, "docx", session=session))
        assert store.content_hash(signed) == hash_at_signing

        correction = store.correct(session=session, clock=clock, actor=office, report_id=signed.id)
        assert "乙版抬头" in store.render(correction, "html", session=session).decode()


def _docx_text(data: bytes) -> str:
    import io

    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_a_period_reports_file_is_named_after_the_day_its_title_names() -> None:
    """The daily report of 2026-03-02 in Shanghai starts 2026-03-01 16:00 UTC: its files
    were named `daily-2026-03-01-…` while the page called it 2026-03-02."""
    from datetime import UTC, datetime

    from yuqing.reports.models import ReportVersion

    version = ReportVersion(
        kind="daily", version=2, incident_id=None,
        period_start=datetime(2026, 3, 1, 16, 0, tzinfo=UTC),
        figures={"from": "2026-03-02T00:00:00+08:00", "to": "2026-03-03T00:00:00+08:00"},
    )  # fmt: skip
    assert store.filename(version, "pdf") == "daily-2026-03-02-v2.pdf"
    incident = ReportVersion(kind="flash", version=1, incident_id=7, figures={})
    assert store.filename(incident, "docx") == "flash-incident-7-v1.docx"
