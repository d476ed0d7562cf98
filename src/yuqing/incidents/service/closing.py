"""Other actions with evidence, the end of the response, the review with its corrective
actions, and closing into the case library."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock, utc
from yuqing.core.errors import Conflict, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.incidents.models import Action, CorrectiveAction, Incident, IncidentReview, Report, Task
from yuqing.incidents.service import cases, clocks, reports
from yuqing.incidents.service.access import get_changeable, record, require_role
from yuqing.incidents.wording import label

ACTION_KINDS: tuple[str, ...] = (
    "official_reply",
    "press_conference",
    "interview",
    "correction_request",
    "police_referral",
)


def record_action(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    kind: str,
    description: str,
    evidence: Sequence[str],
    target: str | None = None,
    expected_version: int | None = None,
) -> Action:
    incident, _plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("recording an action")
    )
    if kind not in ACTION_KINDS:
        raise InvalidInput(
            _("unknown action {value!r}; expected one of {known}").format(
                value=kind, known=", ".join(ACTION_KINDS)
            ),
            where="kind",
        )
    evidence = [e.strip() for e in evidence if e.strip()]
    if not description.strip() or not evidence:
        raise InvalidInput(_("an action needs a description and its evidence"), where="evidence")
    action = Action(
        incident_id=incident.id,
        kind=kind,
        description=description.strip(),
        evidence=evidence,
        target=target,
        at=clock.now(),
        actor=actor.name,
    )
    session.add(action)
    session.flush()
    record(session, clock, incident, actor.name, "action", after=f"{kind} {action.id}")
    return action


def end_response(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    reason: str,
    expected_version: int | None = None,
) -> Incident:
    """The recorded decision that ends the response (by a role of `response.end_by`).

    Refused while a task is open, or while either line of 双处置 (offline fix, online
    response) has no task done. Starts the closing report's clock."""
    incident, plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("ending the response")
    )
    require_role(actor, plan.response.end_by, _("ending the response"))
    if not reason.strip():
        raise InvalidInput(_("ending the response needs the reason"), where="reason")
    tasks = session.scalars(select(Task).where(Task.incident_id == incident.id)).all()
    still_open = [t for t in tasks if t.status != "done"]
    if still_open:
        raise Conflict(
            _("{n} task(s) still open (first: {title}): finish them before ending").format(
                n=len(still_open), title=still_open[0].title
            )
        )
    for track in ("offline", "online"):
        if not any(t.track == track for t in tasks):
            raise Conflict(
                _("double handling: no {track} task was done; both lines must reach done").format(
                    track=label(track)
                )
            )
    now = clock.now()
    incident.status, incident.ended_at, incident.ended_by = "ended", now, actor.name
    incident.end_reason = reason.strip()
    # Nothing of the response is due any more: its clocks stop now (the closing report's
    # starts below, and runs after the end).
    clocks.stop_running(session, incident.id, now, keep=clocks.AFTER_END)
    for row in session.scalars(
        select(Report).where(
            Report.incident_id == incident.id, Report.kind == "progress", Report.status == "draft"
        )
    ):
        session.delete(row)  # unwritten progress drafts end with the response
    if incident.level and clocks.has_deadline(plan, incident.level, "closing"):
        closing = reports.draft(session, clock, incident, plan, "closing", "system")
        due, source = clocks.due_for(plan, incident, "closing", now)
        clocks.start(
            session, incident, clocks.report_clock("closing"), closing.number, source, now, due
        )
    record(
        session, clock, incident, actor.name, "ended", before="open", after="ended", reason=reason
    )
    return incident


def write_review(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    summary: str,
    worked: str = "",
    failed: str = "",
    evaluation: str = "",
    expected_version: int | None = None,
) -> IncidentReview:
    incident, _plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("writing the review"), open_only=False
    )
    if incident.status != "ended":
        raise Conflict(_("the review is written once the response has ended"))
    if not summary.strip():
        raise InvalidInput(_("the review needs a summary"), where="summary")
    review = session.get(IncidentReview, incident.id) or IncidentReview(incident_id=incident.id)
    review.summary, review.worked, review.failed = summary.strip(), worked, failed
    review.evaluation, review.written_at, review.written_by = evaluation, clock.now(), actor.name
    session.add(review)
    record(session, clock, incident, actor.name, "review_written")
    return review


def add_corrective_action(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    title: str,
    owner: str,
    due_at: datetime,
    expected_version: int | None = None,
) -> CorrectiveAction:
    incident, _plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        what=_("adding a corrective action"),
        open_only=False,
    )
    if not title.strip() or not owner.strip():
        raise InvalidInput(_("a corrective action needs a title and an owner"), where="title")
    row = CorrectiveAction(
        incident_id=incident.id,
        title=title.strip(),
        owner=owner.strip(),
        due_at=utc(due_at),
        status="open",
    )
    session.add(row)
    session.flush()
    record(session, clock, incident, actor.name, "corrective_added", after=f"{row.id} {owner}")
    return row


def complete_corrective_action(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    action_id: int,
) -> CorrectiveAction:
    row = session.get(CorrectiveAction, action_id)
    if row is None:
        raise NotFound(_("no corrective action {id}").format(id=action_id))
    incident, _plan = get_changeable(
        session,
        actor,
        row.incident_id,
        None,
        what=_("completing a corrective action"),
        open_only=False,
    )
    row.status, row.done_at = "done", clock.now()
    record(session, clock, incident, actor.name, "corrective_done", after=str(row.id))
    return row


def close_incident(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    expected_version: int | None = None,
) -> Incident:
    """Close an ended incident with its review and closing report into the case library."""
    incident, plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        what=_("closing the incident"),
        open_only=False,
    )
    require_role(actor, plan.response.end_by, _("closing the incident"))
    if incident.status != "ended":
        raise Conflict(
            _("incident {id} is {status}: end the response first").format(
                id=incident.id, status=label(incident.status)
            )
        )
    if session.get(IncidentReview, incident.id) is None:
        raise Conflict(_("write the review before closing"))
    closing_drafts = session.scalars(
        select(Report.id).where(
            Report.incident_id == incident.id, Report.kind == "closing", Report.status == "draft"
        )
    ).all()
    if closing_drafts:
        raise Conflict(_("submit the closing report before closing"))
    incident.status, incident.closed_at = "closed", clock.now()
    clocks.stop_running(session, incident.id, incident.closed_at)  # nothing runs after
    record(session, clock, incident, actor.name, "closed", before="ended", after="closed")
    cases.archive(session=session, clock=clock, incident=incident, plan=plan)
    return incident
