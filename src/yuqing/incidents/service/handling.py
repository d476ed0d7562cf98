"""Stages, ownership (首问负责制) and tasks (双处置) of an open incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock, utc
from yuqing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.incidents.models import Incident, Task
from yuqing.incidents.service.access import get_changeable, get_visible, record

TRACKS: tuple[str, ...] = ("offline", "online", "other")  # 双处置: offline fix, online response


def move_stage(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    stage: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Move to a stage of the plan. Forward moves may pass over only stages the plan marks
    `required: false`; going back (it re-ignited) needs a reason."""
    incident, plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("changing the stage")
    )
    order = [s.id for s in plan.stages]
    if stage not in order:
        raise InvalidInput(
            _("unknown stage {value!r}; the plan has {known}").format(
                value=stage, known=" → ".join(order)
            ),
            where="stage",
        )
    here, there = order.index(incident.stage), order.index(stage)
    if there == here:
        raise Conflict(
            _("the incident is at stage {stage} already").format(stage=plan.stages[there].name)
        )
    if there < here and not reason.strip():
        raise InvalidInput(_("going back to an earlier stage needs a reason"), where="reason")
    for skipped in plan.stages[here + 1 : there]:
        if skipped.required and skipped.id not in incident.entered_stages:
            raise Conflict(
                _("cannot skip the required stage {name} ({id}) on the way to {to}").format(
                    name=skipped.name, id=skipped.id, to=plan.stages[there].name
                )
            )
    before, incident.stage = incident.stage, stage
    incident.entered_stages = [*incident.entered_stages, stage]
    record(session, clock, incident, actor.name, "stage", before=before, after=stage, reason=reason)
    return incident


def hand_over(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Offer the case to the next owner; the current owner stays responsible until they
    accept."""
    from yuqing.auth import service as auth_service

    incident, _plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("handing over")
    )
    if actor.name != incident.owner and actor.role not in {"admin", "leader"}:
        raise Forbidden(
            _("only the owner {owner} hands the case over").format(owner=incident.owner)
        )
    if to == incident.owner:
        raise Conflict(_("{name} owns the case already").format(name=to))
    auth_service.get_user_or_raise(session=session, name=to)
    incident.handover_to = to
    record(
        session,
        clock,
        incident,
        actor.name,
        "handover_offered",
        before=incident.owner,
        after=to,
        reason=reason,
    )
    return incident


def accept_handover(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    expected_version: int | None = None,
) -> Incident:
    incident, _plan = get_visible(session, actor, incident_id)
    if incident.handover_to != actor.name:
        raise Conflict(
            _("no hand-over of incident {id} waits for {name}").format(
                id=incident.id, name=actor.name
            )
        )
    incident, _plan = get_changeable(
        session,
        actor,
        incident_id,
        expected_version,
        roles={actor.role},
        what=_("accepting a hand-over"),
    )
    before, incident.owner, incident.handover_to = incident.owner, actor.name, None
    record(
        session, clock, incident, actor.name, "handover_accepted", before=before, after=actor.name
    )
    return incident


def add_task(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    title: str,
    owner: str,
    track: str = "other",
    due_at: datetime | None = None,
    expected_version: int | None = None,
) -> Task:
    incident, _plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("adding a task")
    )
    if track not in TRACKS:
        raise InvalidInput(
            _("unknown track {value!r}; expected one of {known}").format(
                value=track, known=", ".join(TRACKS)
            ),
            where="track",
        )
    if not title.strip() or not owner.strip():
        raise InvalidInput(_("a task needs a title and an owner"), where="title")
    task = Task(
        incident_id=incident.id,
        title=title.strip(),
        track=track,
        owner=owner.strip(),
        due_at=utc(due_at) if due_at else None,
        status="open",
        created_at=clock.now(),
        created_by=actor.name,
    )
    session.add(task)
    session.flush()
    record(session, clock, incident, actor.name, "task_added", after=f"{task.id} {track} {owner}")
    return task


def complete_task(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    task_id: int,
    expected_version: int | None = None,
) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(_("no task {id}").format(id=task_id))
    incident, _plan = get_changeable(
        session, actor, task.incident_id, expected_version, what=_("completing a task")
    )
    if task.status == "done":
        raise Conflict(_("task {id} is done already").format(id=task.id))
    task.status, task.done_at, task.done_by = "done", clock.now(), actor.name
    record(session, clock, incident, actor.name, "task_done", after=str(task.id))
    return task


def get_tasks(*, session: Session, incident_id: int) -> list[Task]:
    return list(
        session.scalars(select(Task).where(Task.incident_id == incident_id).order_by(Task.id))
    )
