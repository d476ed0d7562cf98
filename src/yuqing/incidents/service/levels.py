"""Levels of an incident: proposed (by the system or anyone), confirmed by a role that
may, each with its history. A confirmed level drafts at once the reports the plan
requires for it and starts their deadline clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.alerts import service as alerts_service
from yuqing.alerts.plan_routes import route_people_with_roles
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import Conflict, InvalidInput
from yuqing.core.i18n import _, env_locale, use_locale
from yuqing.incidents.models import Incident, IncidentEvent, IncidentLog, Report
from yuqing.incidents.service import clocks, reports
from yuqing.incidents.service.access import (
    LEVEL_DECIDERS,
    LEVEL_PROPOSERS,
    get_changeable,
    may_see,
    plan_of,
    record,
)
from yuqing.plan.schema import Plan
from yuqing.plan.wording import level_name


def _known(plan: Plan, level: str) -> None:
    known = [lvl.id for lvl in plan.levels]
    if level not in known:
        raise InvalidInput(
            _("unknown level {value!r}; the plan has {known}").format(
                value=level, known=", ".join(known)
            ),
            where="level",
        )


def propose_level(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    level: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    incident, plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        roles=LEVEL_PROPOSERS,
        what=_("proposing a level"),
    )
    _known(plan, level)
    before, incident.proposed_level = incident.proposed_level, level
    record(
        session,
        clock,
        incident,
        actor.name,
        "level_proposed",
        before=before,
        after=level,
        reason=reason,
    )
    if actor.role not in LEVEL_DECIDERS:
        notify_proposal(session, clock, incident, plan, level)
    return incident


def notify_proposal(
    session: Session, clock: Clock, incident: Incident, plan: Plan, level: str
) -> int:
    """Tell those who may confirm a proposed level (the deciders of that level's route)
    through the alert outbox, once per proposal, in words of its own (who proposed which
    level and why, and where to decide): the proposal's log line names the notice, so
    its deliveries' keys differ from any other proposal's. A case opened from a tip is
    told too: the notice needs no alert. Returns the deliveries added."""
    recipients = route_people_with_roles(plan, level, LEVEL_DECIDERS)
    if not recipients:
        return 0
    session.flush()
    proposal = session.scalars(
        select(IncidentLog)
        .where(IncidentLog.incident_id == incident.id, IncidentLog.kind == "level_proposed")
        .order_by(IncidentLog.id.desc())
        .limit(1)
    ).first()
    if proposal is None:
        return 0
    named = level_name(plan, level)
    with use_locale(env_locale()):  # the deployment's language, not the proposer's page's
        subject = _("Level proposed for incident {id}: {level} — {title}").format(
            id=incident.id, level=named, title=incident.title
        )
        body = _(
            "{who} proposes level {level} for incident {id} “{title}”: {reason}. Confirm "
            "or set the level on the incident's page (/incidents/{id}) or with: yuqing "
            "incident level {id} LEVEL --reason TEXT"
        ).format(
            who=proposal.actor,
            level=named,
            id=incident.id,
            title=incident.title,
            reason=proposal.reason or _("no reason given"),
        )
    return alerts_service.add_notice(
        session,
        recipients,
        subject=subject,
        body=body,
        purpose="level-proposal",
        key=f"incident:{incident.id}:proposal:{proposal.id}",
        not_before=clock.now(),
    )


def required_reports(plan: Plan, level: str) -> list[str]:
    """The report kinds drafted when `level` is confirmed (the closing one waits)."""
    listed = plan.response.reports.get(level)
    kinds = listed if listed is not None else ["initial", "flash", "special", "progress"]
    return [k for k in kinds if k != "closing" and clocks.has_deadline(plan, level, k)]


def _is_rise(plan: Plan, before: str | None, after: str) -> bool:
    """Whether `after` is more severe than the confirmed level `before`."""
    if before is None or before == after:
        return False
    return plan.level(after).rank < plan.level(before).rank  # rank 1 is the most severe


# Fields people write (the rest is prefilled): a restarted report keeps what they wrote.
WRITTEN_FIELDS: tuple[str, ...] = ("cause", "harm", "measures", "trend", "next_steps")


def _restart(session: Session, clock: Clock, incident: Incident, plan: Plan, kind: str) -> None:
    """A rise of level: the kind's running clock is cancelled (the row stays; the log
    says why) and a new draft for the new level starts its clock from now. An unsubmitted
    draft of the old level gives the new one what people wrote and goes; submitted
    reports stay as they are."""
    now = clock.now()
    name = clocks.report_clock(kind)
    written: dict[str, str] = {}
    for old in session.scalars(
        select(Report).where(
            Report.incident_id == incident.id, Report.kind == kind, Report.status == "draft"
        )
    ):
        written.update({k: v for k, v in old.fields.items() if k in WRITTEN_FIELDS and v})
        session.delete(old)
    clocks.cancel_running(session, incident.id, name)
    report = reports.draft(session, clock, incident, plan, kind, "system")
    report.fields = {**report.fields, **written}
    due, source = clocks.due_for(plan, incident, kind, now, restart=True)
    clocks.start(session, incident, name, report.number, source, now, due)


def _restart_answer(session: Session, clock: Clock, incident: Incident, plan: Plan) -> None:
    """The first answer, not given yet, is due by the new level's rule from now."""
    now = clock.now()
    running = clocks.find_running(session, incident.id, clocks.ANSWER)
    if running is None:
        latest = clocks.find(
            session,
            incident.id,
            clocks.ANSWER,
            clocks.next_number(session, incident.id, clocks.ANSWER) - 1,
        )
        if latest is not None and latest.state != "stopped":
            return  # answered (or cancelled) already: a rise does not ask for it again
        # never started, or stopped unanswered by the end of a response re-opened now
        number = clocks.next_number(session, incident.id, clocks.ANSWER)
    else:
        running.state = "cancelled"
        number = clocks.next_number(session, incident.id, clocks.ANSWER)
    due, source = clocks.due_for(plan, incident, clocks.ANSWER, now, restart=True)
    clocks.start(session, incident, clocks.ANSWER, number, source, now, due)


def _apply(
    session: Session,
    clock: Clock,
    actor: Actor,
    incident: Incident,
    plan: Plan,
    level: str,
    reason: str,
) -> None:
    """Set the confirmed level and start (or, on a rise, restart) the plan's clocks."""
    before = incident.level
    rise = _is_rise(plan, before, level)
    incident.level = level
    now = clock.now()
    for kind in required_reports(plan, level):
        if rise:
            _restart(session, clock, incident, plan, kind)
            continue
        name = clocks.report_clock(kind)
        if any(
            c.name == name and c.state != "cancelled"
            for c in clocks.get_all(session=session, incident_id=incident.id)
        ):
            continue
        report = reports.draft(session, clock, incident, plan, kind, "system")
        due, source = clocks.due_for(plan, incident, kind, now)
        clocks.start(session, incident, name, report.number, source, incident.discovered_at, due)
    if clocks.has_deadline(plan, level, clocks.ANSWER):
        if rise:
            _restart_answer(session, clock, incident, plan)
        elif not clocks.find(session, incident.id, clocks.ANSWER):
            due, source = clocks.due_for(plan, incident, clocks.ANSWER, now)
            clocks.start(session, incident, clocks.ANSWER, 1, source, incident.discovered_at, due)
    record(
        session,
        clock,
        incident,
        actor.name,
        "level_raised" if rise else "level_confirmed",
        before=before,
        after=level,
        reason=reason,
    )


def confirm_level(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    level: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Confirm (or change) the level: drafts and clocks for the reports the plan requires
    at that level.

    First confirmation (or a lower level): only kinds without a clock get one, counted
    from discovery. A rise to a more severe level (it re-ignited) restarts, from now, the
    clocks of every report the new level requires and its first answer if not given yet:
    new drafts for the new level, the old clocks kept as cancelled, submitted reports kept.
    """
    incident, plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        roles=LEVEL_DECIDERS,
        what=_("confirming a level"),
    )
    _known(plan, level)
    _apply(session, clock, actor, incident, plan, level, reason)
    return incident


def follow_event_level(
    *,
    session: Session,
    clock: Clock,
    by: str,
    actor: Actor | None,
    event_id: str,
    level: str,
) -> list[Incident]:
    """A person confirmed `level` on an event: every open incident covering the event
    whose level is less severe follows it (PRODUCT §2: the system proposes, a person with
    the right role confirms), in the caller's transaction.

    `actor` is the person's account (None when `by` has none: a plan person deciding from
    the CLI). Someone who may confirm an incident's level and may see the case raises it
    as `confirm_level` does (log line, audit entry, the new level's drafts and clocks);
    anyone else's decision becomes the case's proposed level, for a level decider to
    confirm. Never lowers a level or a proposal. Returns the incidents changed."""
    changed: list[Incident] = []
    rows = session.scalars(
        select(Incident)
        .join(IncidentEvent, IncidentEvent.incident_id == Incident.id)
        .where(IncidentEvent.event_id == event_id, Incident.status == "open")
        .order_by(Incident.id)
    ).all()
    for incident in rows:
        plan = plan_of(session, incident)
        if level not in {lvl.id for lvl in plan.levels}:
            continue  # opened under a plan without that level: nothing to compare with
        if incident.level is not None and not _is_rise(plan, incident.level, level):
            continue
        reason = _("level {level} confirmed on event {event_id}").format(
            level=level_name(plan, level), event_id=event_id
        )
        if actor is not None and actor.role in LEVEL_DECIDERS and may_see(actor, incident, plan):
            _apply(session, clock, actor, incident, plan, level, reason)
            changed.append(incident)
            continue
        proposed = incident.proposed_level
        if proposed is not None and not _is_rise(plan, proposed, level):
            continue  # proposed as severe already
        incident.proposed_level = level
        record(
            session, clock, incident, by, "level_proposed",
            before=proposed, after=level, reason=reason,
        )  # fmt: skip
        notify_proposal(session, clock, incident, plan, level)
        changed.append(incident)
    return changed


def reopen(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    level: str,
    reason: str,
    expected_version: int | None = None,
) -> Incident:
    """Re-open an ended response at a more severe level (it re-ignited after the end).

    The incident is open again; the closing report's clock is cancelled and its unwritten
    draft goes (ending again drafts a new one); the new level restarts the plan's clocks
    from now as a rise does. A closed incident is in the case library and stays there:
    open a new incident from its events instead."""
    incident, plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        roles=LEVEL_DECIDERS,
        what=_("re-opening an incident"),
        open_only=False,
    )
    _known(plan, level)
    if incident.status != "ended":
        raise Conflict(
            _("incident {id} is {status}: only an ended response can be re-opened").format(
                id=incident.id, status=incident.status
            )
        )
    if not reason.strip():
        raise InvalidInput(_("re-opening needs the reason"), where="reason")
    if incident.level is not None and not _is_rise(plan, incident.level, level):
        raise Conflict(
            _("re-opening takes a level more severe than {level}").format(
                level=level_name(plan, incident.level)
            )
        )
    clocks.cancel_running(session, incident.id, clocks.report_clock("closing"))
    for draft in session.scalars(
        select(Report).where(
            Report.incident_id == incident.id, Report.kind == "closing", Report.status == "draft"
        )
    ):
        session.delete(draft)
    ended = f"{incident.ended_at.isoformat() if incident.ended_at else ''} {incident.ended_by}"
    incident.status, incident.ended_at, incident.ended_by, incident.end_reason = (
        "open",
        None,
        None,
        None,
    )
    record(
        session, clock, incident, actor.name, "reopened", before=ended, after="open", reason=reason
    )
    _apply(session, clock, actor, incident, plan, level, reason)
    return incident


def level_first_set_at(*, session: Session, incident_id: int) -> datetime | None:
    """When the incident's level was first confirmed or raised; None while it has none."""
    return session.scalar(
        select(func.min(IncidentLog.at)).where(
            IncidentLog.incident_id == incident_id,
            IncidentLog.kind.in_(("level_confirmed", "level_raised")),
        )
    )
