"""Reports (初次报告, 进程报告, 结案报告, 快报, 《舆情专报》): drafted prefilled from the
event's facts, edited by people, submitted up the chain. A submitted report is never
changed: a correction is a new revision (or a progress report that corrects it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.analysis.models import Event
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.incidents.models import Incident, IncidentEvent, Report
from yuqing.incidents.service import clocks
from yuqing.incidents.service.access import get_changeable, get_visible, record
from yuqing.incidents.wording import label
from yuqing.plan.response import REPORT_KINDS
from yuqing.plan.schema import Plan
from yuqing.plan.wording import tier_name

# PRODUCT §6 / P4: the fields every report carries, in this order.
REPORT_FIELDS: tuple[str, ...] = (
    "event_name",
    "category",
    "level",
    "received_at",
    "reporter",
    "discovered_at",
    "discovered_where",
    "content",
    "cause",
    "scope",
    "harm",
    "measures",
    "trend",
    "next_steps",
)


def prefill(session: Session, incident: Incident, plan: Plan) -> dict[str, Any]:
    """The fields the system knows: the incident, and the facts of its largest event."""
    event = session.scalar(
        select(Event)
        .join(IncidentEvent, IncidentEvent.event_id == Event.id)
        .where(IncidentEvent.incident_id == incident.id)
        .order_by(Event.posts.desc(), Event.id)
        .limit(1)
    )
    level = plan.level(incident.level).name if incident.level else ""
    zone = ZoneInfo(plan.organization.timezone)

    def local(moment: datetime) -> str:
        """A time as the report's reader writes it: minutes, in the plan's zone."""
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    fields: dict[str, Any] = dict.fromkeys(REPORT_FIELDS, "")
    fields.update(
        event_name=incident.title,
        category=incident.category,
        level=level,
        received_at=local(incident.opened_at),
        reporter=incident.owner,
        discovered_at=local(incident.discovered_at),
        discovered_where=label(incident.tip_channel) if incident.tip_channel else "",
        content=incident.tip_text or "",
    )
    if event is not None:
        negative = event.negative / event.posts if event.posts else 0.0
        fields.update(
            discovered_at=local(event.first_at),
            discovered_where=event.first_source,
            content=event.title,
            scope=_(
                "{posts} posts on {sites} sites, highest media tier {tier}, {negative:.0%} negative"
            ).format(
                posts=event.posts,
                sites=event.sites,
                tier=tier_name(event.top_tier),
                negative=negative,
            ),
        )
    return fields


def _next_number(session: Session, incident_id: int, kind: str) -> int:
    top = session.scalar(
        select(func.max(Report.number)).where(
            Report.incident_id == incident_id, Report.kind == kind
        )
    )
    return (top or 0) + 1


def draft(
    session: Session,
    clock: Clock,
    incident: Incident,
    plan: Plan,
    kind: str,
    by: str,
    *,
    number: int | None = None,
    corrects: int | None = None,
) -> Report:
    """A new prefilled draft of `kind` (a progress report gets the next number)."""
    report = Report(
        incident_id=incident.id,
        kind=kind,
        number=number or _next_number(session, incident.id, kind),
        revision=1,
        fields=prefill(session, incident, plan),
        status="draft",
        corrects=corrects,
        created_at=clock.now(),
        edited_by=by,
    )
    session.add(report)
    session.flush()
    return report


def create_report(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    kind: str,
    corrects: int | None = None,
    expected_version: int | None = None,
) -> Report:
    """A report a person starts (e.g. a progress report that corrects an earlier one)."""
    incident, plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        what=_("writing a report"),
        open_only=False,
    )
    if kind not in REPORT_KINDS:
        raise InvalidInput(
            _("unknown report kind {value!r}; expected one of {known}").format(
                value=kind, known=", ".join(REPORT_KINDS)
            ),
            where="kind",
        )
    if corrects is not None:
        earlier = session.get(Report, corrects)
        if earlier is None or earlier.incident_id != incident.id:
            raise NotFound(_("no report {id} in this incident").format(id=corrects))
    report = draft(session, clock, incident, plan, kind, actor.name, corrects=corrects)
    record(session, clock, incident, actor.name, "report_drafted", after=f"{kind}#{report.number}")
    return report


def _report(session: Session, actor: Actor, report_id: int) -> tuple[Report, Incident, Plan]:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(_("no report {id}").format(id=report_id))
    incident, plan = get_visible(session, actor, report.incident_id)
    return report, incident, plan


def update_report(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    report_id: int,
    fields: dict[str, Any],
    expected_version: int | None = None,
) -> Report:
    """Change fields of a draft; a submitted report is refused (revise it instead)."""
    report, incident, _plan = _report(session, actor, report_id)
    get_changeable(
        session, actor, incident.id, expected_version, what=_("editing a report"), open_only=False
    )
    unknown = sorted(set(fields) - set(REPORT_FIELDS))
    if unknown:
        raise InvalidInput(
            _("unknown report field {name!r}; expected some of {known}").format(
                name=unknown[0], known=", ".join(REPORT_FIELDS)
            ),
            where=f"fields.{unknown[0]}",
        )
    if report.status != "draft":
        raise Conflict(
            _("report {id} was submitted and is never edited in place: revise it").format(
                id=report.id
            )
        )
    report.fields = {**report.fields, **{k: str(v) for k, v in fields.items()}}
    report.edited_by = actor.name
    record(
        session,
        clock,
        incident,
        actor.name,
        "report_edited",
        after=f"{report.kind}#{report.number}r{report.revision}",
    )
    return report


def revise_report(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    report_id: int,
    expected_version: int | None = None,
) -> Report:
    """A new draft revision of a submitted report, its fields copied; the old one stays."""
    report, incident, _plan = _report(session, actor, report_id)
    get_changeable(
        session, actor, incident.id, expected_version, what=_("revising a report"), open_only=False
    )
    if report.status != "submitted":
        raise Conflict(_("report {id} is still a draft: edit it").format(id=report.id))
    top = session.scalar(
        select(func.max(Report.revision)).where(
            Report.incident_id == incident.id,
            Report.kind == report.kind,
            Report.number == report.number,
        )
    )
    revised = Report(
        incident_id=incident.id,
        kind=report.kind,
        number=report.number,
        revision=(top or 1) + 1,
        fields=dict(report.fields),
        status="draft",
        corrects=report.id,
        created_at=clock.now(),
        edited_by=actor.name,
    )
    session.add(revised)
    record(
        session,
        clock,
        incident,
        actor.name,
        "report_revised",
        after=f"{report.kind}#{report.number}r{revised.revision}",
    )
    return revised


def submit_report(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    report_id: int,
    expected_version: int | None = None,
) -> Report:
    """Submit a draft up the reporting chain; its deadline is recorded as met or missed.

    A submitted progress report starts the next one's clock while the response lasts."""
    report, incident, plan = _report(session, actor, report_id)
    get_changeable(
        session,
        actor,
        incident.id,
        expected_version,
        what=_("submitting a report"),
        open_only=False,
    )
    if report.status != "draft":
        raise Conflict(_("report {id} was submitted already").format(id=report.id))
    now = clock.now()
    report.status, report.submitted_at, report.submitted_by = "submitted", now, actor.name
    running = clocks.find(session, incident.id, clocks.report_clock(report.kind), report.number)
    if running is not None and report.revision == 1:
        clocks.finish(running, now)
    if (
        report.kind == "progress"
        and incident.status == "open"
        and running is not None
        and incident.level is not None
    ):
        due, source = clocks.due_for(plan, incident, "progress", max(now, running.due_at))
        following = draft(session, clock, incident, plan, "progress", "system")
        clocks.start(
            session, incident, clocks.report_clock("progress"), following.number, source, now, due
        )
    state = f" ({running.state}, {running.late_minutes} min late)" if running else ""
    record(
        session,
        clock,
        incident,
        actor.name,
        "report_submitted",
        after=f"{report.kind}#{report.number}r{report.revision}{state}",
    )
    return report


def get_all(*, session: Session, incident_id: int) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .where(Report.incident_id == incident_id)
            .order_by(Report.created_at, Report.id)
        )
    )
