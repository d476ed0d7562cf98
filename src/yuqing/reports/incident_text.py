"""One text for an incident report, on the incident page and under `/reports`.

An incident report's fields (the initial, flash, progress, special or closing report)
are written on the incident page, where its deadline runs and from where it is submitted
up the chain. A stored version of it under `/reports` is not a second copy edited apart:
while it is a draft it follows that incident report (the latest revision of the same
kind and number), and an edit made under `/reports` is written into the incident report
(whose log records it). Signing freezes the one text: the incident report is submitted
if it is still a draft (its deadline is recorded met or missed then), and the version
keeps what was signed. A correction of a signed version opens a new revision of the
incident report, which the new draft version follows.

A version whose incident report is gone (the incident deleted) keeps the text it holds.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict
from yuqing.core.i18n import _
from yuqing.incidents import service as incidents
from yuqing.incidents.models import Report
from yuqing.reports.incident_kinds import latest_report, report_ref, shown_fields, text_fields
from yuqing.reports.incident_render import kind_title
from yuqing.reports.models import ReportVersion
from yuqing.reports.periods import INCIDENT_KINDS


def source_of(session: Session, version: ReportVersion) -> Report | None:
    """The incident report a version's text is: same incident, kind and number, the
    latest revision."""
    if version.kind not in INCIDENT_KINDS or version.incident_id is None:
        return None
    ref = version.figures.get("report")
    if not isinstance(ref, dict) or not isinstance(ref.get("number"), int):
        return None
    return session.scalar(
        select(Report)
        .where(
            Report.incident_id == version.incident_id,
            Report.kind == version.kind,
            Report.number == ref["number"],
        )
        .order_by(Report.revision.desc(), Report.id.desc())
        .limit(1)
    )


def follow(session: Session, version: ReportVersion, *, keep: bool = False) -> Report | None:
    """Bring a draft's text (and the fields and report its JSON names) up to its incident
    report; a signed version is left as it was signed. Returns the incident report.

    Reading a draft writes nothing (the text is loaded as if stored); `keep` stores it,
    as signing and correcting do."""
    source = source_of(session, version)
    if source is None or version.status != "draft":
        return source
    zone = ZoneInfo(str(version.figures.get("timezone") or "Asia/Shanghai"))
    fields = shown_fields(source.fields, version.kind, zone)
    sections = {name: fields[name] for name in text_fields(version.kind)}
    figures = {**version.figures, "fields": fields, "report": report_ref(source)}
    if keep:
        version.sections, version.figures = sections, figures
        flag_modified(version, "sections")
        flag_modified(version, "figures")
        session.flush()
    elif (sections, figures) != (version.sections, version.figures):
        set_committed_value(version, "sections", sections)
        set_committed_value(version, "figures", figures)
    return source


def write(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    version: ReportVersion,
    sections: dict[str, str],
) -> bool:
    """Write edited sections into the version's incident report; False when it has none."""
    source = source_of(session, version)
    if source is None:
        return False
    if source.status != "draft":
        raise Conflict(
            _(
                "the incident's report {kind} #{number} was submitted and is never edited "
                "in place: correct it with a new revision on the incident page"
            ).format(kind=kind_title(source.kind), number=source.number)
        )
    incidents.update_report(
        session=session, clock=clock, actor=actor, report_id=source.id, fields=sections
    )
    session.flush()
    follow(session, version, keep=True)
    return True


def ensure_source(
    *, session: Session, clock: Clock, actor: Actor, kind: str, incident_id: int
) -> None:
    """A version needs an incident report to be the text of: the incident's draft of
    `kind` is started (prefilled, as on the incident page) when it has none yet."""
    if latest_report(session, incident_id, kind) is None:
        incidents.create_report(
            session=session, clock=clock, actor=actor, incident_id=incident_id, kind=kind
        )
        session.flush()


def freeze(*, session: Session, clock: Clock, actor: Actor, version: ReportVersion) -> None:
    """Before signing: the incident report is submitted if it is still a draft, so the
    text signed is the text sent up, and neither is edited apart afterwards."""
    source = follow(session, version)
    if source is not None and source.status == "draft":
        incidents.submit_report(session=session, clock=clock, actor=actor, report_id=source.id)
        session.flush()
    follow(session, version, keep=True)


def reopen(*, session: Session, clock: Clock, actor: Actor, version: ReportVersion) -> None:
    """A correction's text: a new draft revision of the incident report when the one it
    follows was submitted (the submitted one stays as it was)."""
    source = source_of(session, version)
    if source is not None and source.status == "submitted":
        incidents.revise_report(session=session, clock=clock, actor=actor, report_id=source.id)
        session.flush()
    follow(session, version, keep=True)


def versions_of(session: Session, report: Report) -> list[ReportVersion]:
    """The stored versions whose text is this incident report, newest first: the drafts
    (which follow the latest revision of its kind and number) and those signed on it."""
    latest = session.scalar(
        select(func.max(Report.revision)).where(
            Report.incident_id == report.incident_id,
            Report.kind == report.kind,
            Report.number == report.number,
        )
    )
    found = []
    for version in session.scalars(
        select(ReportVersion)
        .where(ReportVersion.incident_id == report.incident_id, ReportVersion.kind == report.kind)
        .order_by(ReportVersion.id.desc())
    ):
        ref = version.figures.get("report") or {}
        if ref.get("number") != report.number:
            continue
        draft = version.status == "draft"
        if (draft and report.revision == latest) or (not draft and ref.get("id") == report.id):
            found.append(version)
    return found
