"""Stored reports: generate a version, edit its text sections while it is a draft, sign it.

Signing freezes a version: its content hash (SHA-256 over the canonical JSON of what
the documents are drawn from) goes into the hash-chained audit trail, and nothing of it
changes again. A correction is a new draft version that names the signed one.

Who may do what (PRODUCT §1): the office, leaders and administrators write reports,
leaders and administrators sign them (a leading group approves), auditors read them.
An incident report is seen only by those who may see its incident. A department user
writes and reads the period reports of their own department only (`ReportScope`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yuqing.auth import audit
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.incidents.service.access import get_visible, require_role
from yuqing.plan.service import get_active_plan
from yuqing.reports import (
    incident_kinds,
    incident_render,
    incident_text,
    service,
    templates_store,
)
from yuqing.reports.department_scope import DepartmentIncident
from yuqing.reports.document import DocumentInfo, summary, title
from yuqing.reports.figures import EventFigures, Figures, level_names
from yuqing.reports.models import ReportVersion
from yuqing.reports.periods import INCIDENT_KINDS, check_kind

READERS: frozenset[str] = frozenset({"admin", "office", "leader", "auditor", "department"})
WRITERS: frozenset[str] = frozenset({"admin", "office", "leader", "department"})
SIGNERS: frozenset[str] = frozenset({"admin", "leader"})
# Incident reports stay with the roles that read every report: a department works on its
# incidents' reports on the incident page.
INCIDENT_REPORT_ROLES: frozenset[str] = frozenset({"admin", "office", "leader", "auditor"})
PERIOD_SECTIONS = ("summary", "remarks")  # the texts people edit in a period report
SECTION_LIMIT = 20_000  # characters of one section: a report, not a dump
HEADER_KEYS = ("organization", "doc_number", "mark", "signature", "issued")
NOBODY = "\x00none"  # the department of a department user who has none (web/deps.py)


@dataclass(frozen=True)
class Subject:
    """What a report covers: one incident, or a period and its watch and department."""

    kind: str
    incident: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    watch: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class ReportScope:
    """The period reports a user may write and read (web/deps.py `scope_in` decides).

    `department` None: every report, as for the roles that see every event. Otherwise
    the reports of that department, and also those of the whole organization when the
    plan lets department users see every event (`departments_see_all`); never another
    department's, which lists the incidents that department leads or helps with.
    """

    department: str | None
    whole: bool = True  # the reports of no department

    def allows(self, version: ReportVersion) -> bool:
        if self.department is None:
            return True
        if version.incident_id is not None:
            return False
        if version.department is None:
            return self.whole
        return version.department == self.department


def scope_of(session: Session, actor: Actor) -> ReportScope:
    """The reports `actor` reaches under the plan in force."""
    from yuqing.web.deps import SCOPED_ROLES, scope_in

    if actor.role not in SCOPED_ROLES:
        return ReportScope(None)
    if not actor.department:  # a department of nobody: no report at all
        return ReportScope(NOBODY, whole=False)
    return ReportScope(actor.department, whole=scope_in(session, actor).department is None)


def _scoped_subject(session: Session, actor: Actor, subject: Subject) -> Subject:
    """The subject a user may write: a department user's is their department's by
    default; an incident's or another department's is refused."""
    scope = scope_of(session, actor)
    if scope.department is None:
        return subject
    if subject.incident is not None or subject.kind in INCIDENT_KINDS:
        require_role(actor, INCIDENT_REPORT_ROLES, _("writing an incident's report"))
    if not actor.department:
        raise Forbidden(_("this belongs to another department"))
    if subject.department is None and not scope.whole:
        subject = replace(subject, department=scope.department)
    if subject.department is not None and subject.department != scope.department:
        raise Forbidden(_("this belongs to another department"))
    return subject


def section_names(kind: str) -> tuple[str, ...]:
    return incident_kinds.text_fields(kind) if kind in INCIDENT_KINDS else PERIOD_SECTIONS


def create(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    header: dict[str, Any] | None = None,
) -> ReportVersion:
    """Generate a report from the store and keep it as a new draft version."""
    require_role(actor, WRITERS, _("writing a report"))
    check_kind(subject.kind)
    incident_kinds.check_incident_kind(subject.kind, subject.incident)
    if subject.incident is not None and subject.department is not None:
        raise InvalidInput(_("--department is for period reports"), where="department")
    subject = _scoped_subject(session, actor, subject)
    header = _checked_header(header or {})
    if subject.incident is not None:
        incident_text.ensure_source(
            session=session,
            clock=clock,
            actor=actor,
            kind=subject.kind,
            incident_id=subject.incident,
        )
        figures = incident_kinds.compute(
            session=session,
            actor=actor,
            kind=subject.kind,
            incident_id=subject.incident,
            now=clock.now(),
        )
        data = figures.to_json()
        sections = {name: figures.fields[name] for name in incident_kinds.text_fields(subject.kind)}
        name = incident_render.kind_title(subject.kind) + f" · {figures.title}"
        start = end = None
        plan = get_visible(session, actor, subject.incident)[1]
        header.setdefault("organization", plan.organization.name)
    else:
        period_figures, doc = service.compute(
            session=session,
            clock=clock,
            kind=subject.kind,
            start=subject.start,
            end=subject.end,
            watch=subject.watch,
            department=subject.department,
        )
        data = period_figures.to_json()
        sections = {"summary": summary(period_figures), "remarks": ""}
        name = title(period_figures) + f" · {period_figures.start[:10]}"
        start = datetime.fromisoformat(period_figures.start)
        end = datetime.fromisoformat(period_figures.end)
        header.setdefault("organization", doc.organization)
    now = clock.now()
    version = ReportVersion(
        kind=subject.kind,
        incident_id=subject.incident,
        period_start=start,
        period_end=end,
        watch=subject.watch,
        department=subject.department,
        version=_next_version(
            session, subject.kind, subject.incident, start, end, subject.watch, subject.department
        ),
        title=name,
        figures=data,
        sections=sections,
        header=header,
        status="draft",
        created_at=now,
        created_by=actor.name,
        updated_at=now,
        edited_by=actor.name,
    )
    session.add(version)
    session.flush()
    _audit(session, clock, actor, "report.generated", version, after={"version": version.version})
    return version


def _next_version(
    session: Session,
    kind: str,
    incident: int | None,
    start: datetime | None,
    end: datetime | None,
    watch: str | None,
    department: str | None,
) -> int:
    query = select(func.max(ReportVersion.version)).where(ReportVersion.kind == kind)
    for column, value in (
        (ReportVersion.incident_id, incident),
        (ReportVersion.period_start, start),
        (ReportVersion.period_end, end),
        (ReportVersion.watch, watch),
        (ReportVersion.department, department),
    ):
        query = query.where(column.is_(None) if value is None else column == value)
    return int(session.scalar(query) or 0) + 1


def _checked_header(header: dict[str, Any]) -> dict[str, Any]:
    """Only the header's known keys, as text; the date as YYYY-MM-DD."""
    unknown = sorted(set(header) - set(HEADER_KEYS))
    if unknown:
        raise InvalidInput(
            _("unknown header field {name!r}; expected some of {known}").format(
                name=unknown[0], known=", ".join(HEADER_KEYS)
            ),
            where=f"header.{unknown[0]}",
        )
    out = {k: str(v).strip() for k, v in header.items() if v not in (None, "")}
    if "issued" in out:
        try:
            date.fromisoformat(out["issued"])
        except ValueError:
            raise InvalidInput(
                _("--date: expected YYYY-MM-DD, got {value!r}").format(value=out["issued"]),
                where="header.issued",
            ) from None
    return out


def get_or_raise(*, session: Session, actor: Actor, report_id: int) -> ReportVersion:
    """A version the actor may read; one of an incident they may not see reads as missing."""
    require_role(actor, READERS, _("reading reports"))
    version = session.get(ReportVersion, report_id)
    if version is None:
        raise NotFound(_("no report {id}").format(id=report_id))
    scope = scope_of(session, actor)
    if not scope.allows(version):
        if version.incident_id is not None:
            require_role(actor, INCIDENT_REPORT_ROLES, _("reading an incident's report"))
        raise Forbidden(_("this belongs to another department"))
    if version.incident_id is not None:
        try:
            get_visible(session, actor, version.incident_id)
        except NotFound:
            raise NotFound(_("no report {id}").format(id=report_id)) from None
        incident_text.follow(session, version)  # a draft reads as its incident report
    return version


def get_all(
    *,
    session: Session,
    actor: Actor,
    kind: str | None = None,
    incident: int | None = None,
    department: str | None = None,
    limit: int = 100,
) -> list[ReportVersion]:
    """Versions the actor may read, newest first (of one department when asked)."""
    require_role(actor, READERS, _("reading reports"))
    query = select(ReportVersion).order_by(ReportVersion.created_at.desc(), ReportVersion.id.desc())
    if kind:
        query = query.where(ReportVersion.kind == kind)
    if incident is not None:
        query = query.where(ReportVersion.incident_id == incident)
    if department:
        query = query.where(ReportVersion.department == department)
    scope = scope_of(session, actor)
    if scope.department is not None:
        own = ReportVersion.department == scope.department
        query = query.where(
            ReportVersion.incident_id.is_(None),
            or_(own, ReportVersion.department.is_(None)) if scope.whole else own,
        )
    found = []
    seen: dict[int, bool] = {}
    for version in session.scalars(query.limit(max(1, min(limit, 1000)) * 2)):
        if version.incident_id is not None:
            if version.incident_id not in seen:
                seen[version.incident_id] = _may_see(session, actor, version.incident_id)
            if not seen[version.incident_id]:
                continue
        found.append(version)
    return found[:limit]


def _may_see(session: Session, actor: Actor, incident_id: int) -> bool:
    try:
        get_visible(session, actor, incident_id)
    except NotFound:
        return False
    return True


def update_sections(
    *, session: Session, clock: Clock, actor: Actor, report_id: int, sections: dict[str, Any]
) -> ReportVersion:
    """Change text sections of a draft; a signed version is refused (correct it instead)."""
    require_role(actor, WRITERS, _("editing a report"))
    version = get_or_raise(session=session, actor=actor, report_id=report_id)
    known = section_names(version.kind)
    unknown = sorted(set(sections) - set(known))
    if unknown:
        raise InvalidInput(
            _("unknown report section {name!r}; expected some of {known}").format(
                name=unknown[0], known=", ".join(known)
            ),
            where=f"sections.{unknown[0]}",
        )
    for name, text in sections.items():
        if not isinstance(text, str) or len(text) > SECTION_LIMIT:
            raise InvalidInput(
                _("section {name!r}: expected text of at most {limit} characters").format(
                    name=name, limit=SECTION_LIMIT
                ),
                where=f"sections.{name}",
            )
    _check_draft(version)
    before = {k: version.sections.get(k, "") for k in sections}
    texts = {k: v.replace("\r\n", "\n") for k, v in sections.items()}
    # An incident report's text is the incident's report: written there, read from there.
    if not incident_text.write(
        session=session, clock=clock, actor=actor, version=version, sections=texts
    ):
        version.sections = {**version.sections, **texts}
    version.updated_at, version.edited_by = clock.now(), actor.name
    session.flush()
    _audit(session, clock, actor, "report.edited", version, before=before, after=dict(sections))
    return version


def _check_draft(version: ReportVersion) -> None:
    if version.status != "draft":
        raise Conflict(
            _("report {id} is signed and never changes: correct it with a new version").format(
                id=version.id
            )
        )


def content_hash(version: ReportVersion) -> str:
    """SHA-256 over the canonical JSON of everything the documents are drawn from."""
    content = {
        "id": version.id,
        "kind": version.kind,
        "version": version.version,
        "incident": version.incident_id,
        "figures": version.figures,
        "sections": version.sections,
        "header": version.header,
    }
    if version.template_id is not None:  # built-in: the hash of versions signed before 0014
        content["template"] = version.template_id
    return hashlib.sha256(audit.canonical(content)).hexdigest()


def sign(*, session: Session, clock: Clock, actor: Actor, report_id: int) -> ReportVersion:
    """Sign a draft: it is frozen and its content hash enters the audit trail."""
    require_role(actor, SIGNERS, _("signing a report"))
    version = get_or_raise(session=session, actor=actor, report_id=report_id)
    _check_draft(version)
    incident_text.freeze(session=session, clock=clock, actor=actor, version=version)
    version.status = "signed"
    version.signed_at, version.signed_by = clock.now(), actor.name
    # Frozen with the template in force, so the signed text prints the same later.
    template = templates_store.active_template(session=session, kind=version.kind)
    version.template_id = template.id if template is not None else None
    version.content_hash = content_hash(version)
    session.flush()
    _audit(
        session,
        clock,
        actor,
        "report.signed",
        version,
        after={"version": version.version, "content_hash": version.content_hash},
    )
    return version


def correct(*, session: Session, clock: Clock, actor: Actor, report_id: int) -> ReportVersion:
    """A new draft version of a signed one, its content copied; the signed one stays."""
    require_role(actor, WRITERS, _("correcting a report"))
    signed = get_or_raise(session=session, actor=actor, report_id=report_id)
    if signed.status != "signed":
        raise Conflict(_("report {id} is still a draft: edit it").format(id=signed.id))
    now = clock.now()
    version = ReportVersion(
        kind=signed.kind,
        incident_id=signed.incident_id,
        period_start=signed.period_start,
        period_end=signed.period_end,
        watch=signed.watch,
        department=signed.department,
        version=_next_version(
            session,
            signed.kind,
            signed.incident_id,
            signed.period_start,
            signed.period_end,
            signed.watch,
            signed.department,
        ),
        title=signed.title,
        figures=dict(signed.figures),
        sections=dict(signed.sections),
        header=dict(signed.header),
        status="draft",
        corrects=signed.id,
        created_at=now,
        created_by=actor.name,
        updated_at=now,
        edited_by=actor.name,
    )
    session.add(version)
    session.flush()
    incident_text.reopen(session=session, clock=clock, actor=actor, version=version)
    _audit(session, clock, actor, "report.corrected", version, after={"corrects": signed.id})
    return version


def _audit(
    session: Session,
    clock: Clock,
    actor: Actor,
    action: str,
    version: ReportVersion,
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    audit.record(
        session=session,
        clock=clock,
        actor=actor.name,
        action=action,
        target=f"report:{version.id}",
        before=before,
        after=after,
    )


def document_info(version: ReportVersion) -> DocumentInfo:
    header = version.header
    issued = header.get("issued")
    return DocumentInfo(
        organization=header.get("organization"),
        doc_number=header.get("doc_number"),
        mark=header.get("mark"),
        signature=header.get("signature"),
        issued=date.fromisoformat(issued) if issued else None,
        summary=version.sections.get("summary"),
        remarks=version.sections.get("remarks"),
    )


def render(version: ReportVersion, fmt: service.Format, *, session: Session) -> bytes:
    """The stored version as a document: drawn from what it holds, not from the store,
    shaped by the administrator's template it was signed with (a draft: the one in force)."""
    if fmt == "json":
        content = {**version.figures, "sections": version.sections, "version": version.version}
        return json.dumps(content, ensure_ascii=False, indent=2).encode() + b"\n"
    doc = document_info(version)
    template = (
        templates_store.source_by_id(session=session, template_id=version.template_id)
        if version.status == "signed"
        else templates_store.active_source(session=session, kind=version.kind)
    )
    if version.kind in INCIDENT_KINDS:
        figures = incident_kinds.IncidentFigures.from_json(version.figures)
        return incident_render.render(figures, version.sections, doc, fmt, template)
    period = period_figures_from_json(version.figures, session=session)
    return service.render(period, doc, fmt, template=template)


def period_figures_from_json(data: dict[str, Any], *, session: Session | None = None) -> Figures:
    """A stored period report's figures, its levels in the plan's order (`level_order`;
    one stored before it was kept takes the order of the plan in force, read through
    `session`)."""
    values = {k: v for k, v in data.items() if k not in ("from", "to")}
    if "level_order" not in values and session is not None:
        values["level_order"] = level_names(get_active_plan(session=session))
    values["top_events"] = [EventFigures(**e) for e in data.get("top_events", [])]
    values["incidents"] = [DepartmentIncident(**i) for i in data.get("incidents", [])]
    return Figures(start=data["from"], end=data["to"], **values)


def filename(version: ReportVersion, fmt: str) -> str:
    """An ASCII file name for downloads: kind, subject, version. A period's first day is
    the one its title names, in the report's time zone (not the UTC date of its start:
    the daily report of 12-09 in Shanghai starts on 12-08 in UTC)."""
    start = str((version.figures or {}).get("from") or "")[:10]
    if version.incident_id is not None:
        subject = f"incident-{version.incident_id}"
    elif start:
        subject = start
    else:
        subject = version.period_start.date().isoformat() if version.period_start else "report"
    return f"{version.kind}-{subject}-v{version.version}.{fmt}"
