"""An incident report and its stored version under /reports are one text: an edit on
either page is read on the other, signing submits the incident report with the signed
text (neither is edited apart afterwards), and a correction opens a new revision."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.reports.incident_fixtures import EDITED_CAUSE, IncidentCase
from yuqing.core.clock import FrozenClock
from yuqing.incidents.models import DeadlineClock, IncidentLog, Report
from yuqing.reports.incident_kinds import text_fields
from yuqing.reports.models import ReportVersion

SignedIn = Callable[[str], tuple[TestClient, str]]
NEW_CAUSE = "冷库温控失灵，已更换设备"
SECOND_CAUSE = "冷库温控失灵；另查明验收记录缺失"


def _reports(session: Session, incident: int, kind: str) -> list[Report]:
    query = select(Report).where(Report.incident_id == incident, Report.kind == kind)
    return list(session.scalars(query.order_by(Report.revision)))


def _version_id(answer: object) -> int:
    location = answer.headers["location"]  # type: ignore[attr-defined]
    return int(location.rsplit("/", 1)[1])


def test_an_edit_on_either_page_is_the_same_text_and_signing_does_not_fork_it(
    incident_case: IncidentCase, signed_in: SignedIn, clock: FrozenClock
) -> None:
    case = incident_case.incident
    engine = incident_case.store.engine
    office, office_csrf = signed_in("office")
    leader, leader_csrf = signed_in("leader")
    made = office.post("/reports", data={"kind": "initial", "incident": str(case),
                                         "csrf_token": office_csrf})  # fmt: skip
    assert made.status_code == 303, made.text
    vid = _version_id(made)
    with Session(engine) as session:
        [initial] = _reports(session, case, "initial")
        rid = initial.id
    incident_page = f"/incidents/{case}/reports/{rid}"
    page = office.get(f"/reports/{vid}").text
    assert EDITED_CAUSE in page and f'href="{incident_page}"' in page
    assert f'href="/reports/{vid}"' in office.get(incident_page).text

    # Written on the incident page, read under /reports (page and documents).
    saved = office.post(incident_page, data={"cause": NEW_CAUSE, "then": "save",
                                             "csrf_token": office_csrf})  # fmt: skip
    assert saved.status_code == 303
    assert NEW_CAUSE in office.get(f"/reports/{vid}").text
    assert office.get(f"/reports/{vid}/download/json").json()["sections"]["cause"] == NEW_CAUSE

    # Written under /reports, read on the incident page; the incident's log says who.
    edited = office.post(f"/reports/{vid}/edit", data={"trend": "热度下降",
                                                       "csrf_token": office_csrf})  # fmt: skip
    assert edited.status_code == 303
    assert "热度下降" in office.get(incident_page).text
    with Session(engine) as session:
        report = session.get(Report, rid)
        assert report is not None and report.fields["trend"] == "热度下降"
        kinds = session.scalars(
            select(IncidentLog.actor).where(
                IncidentLog.incident_id == case, IncidentLog.kind == "report_edited"
            )
        ).all()
        assert "office" in kinds

    # Signing submits the incident report with the signed text: one text, frozen.
    signed = leader.post(f"/reports/{vid}/sign", data={"csrf_token": leader_csrf})
    assert signed.status_code == 303
    with Session(engine) as session:
        report = session.get(Report, rid)
        version = session.get(ReportVersion, vid)
        assert report is not None and version is not None
        assert (report.status, report.submitted_by) == ("submitted", "leader")
        assert version.status == "signed" and version.content_hash
        assert version.sections == {n: report.fields[n] for n in text_fields("initial")}
        assert version.figures["report"] == {"id": rid, "number": 1, "revision": 1,
                                             "status": "submitted"}  # fmt: skip
        deadline = session.scalars(
            select(DeadlineClock).where(
                DeadlineClock.incident_id == case, DeadlineClock.name == "report:initial"
            )
        ).one()
        assert deadline.state in ("met", "missed") and deadline.done_at == clock.now()
    refused = office.post(incident_page, data={"cause": "改", "then": "save",
                                               "csrf_token": office_csrf})  # fmt: skip
    assert refused.status_code == 409
    assert office.post(f"/reports/{vid}/edit", data={"cause": "改", "csrf_token": office_csrf}
                       ).status_code == 409  # fmt: skip

    # A correction is a new revision of the incident report, which the new version follows.
    corrected = office.post(f"/reports/{vid}/correct", data={"csrf_token": office_csrf})
    assert corrected.status_code == 303
    second = _version_id(corrected)
    with Session(engine) as session:
        first, revision = _reports(session, case, "initial")
        assert (first.status, revision.status, revision.revision) == ("submitted", "draft", 2)
        assert revision.fields["cause"] == NEW_CAUSE
        rid2 = revision.id
    assert office.post(f"/incidents/{case}/reports/{rid2}", data={
        "cause": SECOND_CAUSE, "then": "save", "csrf_token": office_csrf}).status_code == 303  # fmt: skip
    assert SECOND_CAUSE in office.get(f"/reports/{second}").text
    signed_text = office.get(f"/reports/{vid}/download/json").json()["sections"]["cause"]
    assert signed_text == NEW_CAUSE  # the signed version stays as it was signed
    revision_page = office.get(f"/incidents/{case}/reports/{rid2}").text
    assert f'href="/reports/{second}"' in revision_page
    assert f'href="/reports/{vid}"' not in revision_page  # signed on revision 1


def test_a_kind_the_incident_has_no_report_of_starts_its_draft(
    incident_case: IncidentCase, signed_in: SignedIn
) -> None:
    case = incident_case.incident
    office, csrf = signed_in("office")
    with Session(incident_case.store.engine) as session:
        assert _reports(session, case, "special") == []
    made = office.post("/reports", data={"kind": "special", "incident": str(case),
                                         "csrf_token": csrf})  # fmt: skip
    vid = _version_id(made)
    with Session(incident_case.store.engine) as session:
        [special] = _reports(session, case, "special")
        assert special.status == "draft"
    # The special report's judgement (趋势研判) is the incident report's trend field.
    office.post(f"/reports/{vid}/edit", data={"trend": "家长情绪激动", "csrf_token": csrf})
    assert "家长情绪激动" in office.get(f"/incidents/{case}/reports/{special.id}").text
