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
from yuqing.reports import store


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
