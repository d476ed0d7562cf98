"""The incident as one read (its page, `yuqing incident show`, the API) and "my work"."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.incidents.models import Action, Incident, IncidentLog, Report, Statement, Task
from yuqing.incidents.schemas import (
    ActionRead,
    ClockRead,
    IncidentDetail,
    IncidentRead,
    LogRead,
    ReportRead,
    StatementRead,
    TaskRead,
)
from yuqing.incidents.service import clocks, handling, measures, opening, reports, statements
from yuqing.incidents.service.access import get_visible, may_see, plan_of


def get_detail(*, session: Session, clock: Clock, actor: Actor, incident_id: int) -> IncidentDetail:
    incident, _plan = get_visible(session, actor, incident_id)
    said = statements.get_all(session=session, incident_id=incident.id)
    log = session.scalars(
        select(IncidentLog)
        .where(IncidentLog.incident_id == incident.id)
        .order_by(IncidentLog.at, IncidentLog.id)
    )
    actions = session.scalars(
        select(Action).where(Action.incident_id == incident.id).order_by(Action.id)
    )
    return IncidentDetail(
        incident=IncidentRead.model_validate(incident),
        event_ids=opening.get_event_ids(session=session, incident_id=incident.id),
        deadlines=[
            ClockRead.model_validate(c)
            for c in clocks.get_all(session=session, incident_id=incident.id)
        ],
        reports=[
            ReportRead.model_validate(r)
            for r in reports.get_all(session=session, incident_id=incident.id)
        ],
        tasks=[
            TaskRead.model_validate(t)
            for t in handling.get_tasks(session=session, incident_id=incident.id)
        ],
        statements=[StatementRead.model_validate(s) for s in said],
        actions=[ActionRead.model_validate(a) for a in actions],
        log=[LogRead.model_validate(e) for e in log],
        measures=measures.measure(
            session=session, incident_id=incident.id, statements=said, now=clock.now()
        ),
    )


@dataclass
class MyWork:
    """What waits for one person."""

    handovers: list[Incident]
    approvals: list[Statement]
    tasks: list[Task]
    reports: list[Report]


def my_work(*, session: Session, actor: Actor) -> MyWork:
    """Hand-overs offered to me, statements whose next step is mine, my open tasks, and
    report drafts of the incidents I own."""
    mine = MyWork([], [], [], [])
    open_incidents = session.scalars(select(Incident).where(Incident.status != "closed")).all()
    for incident in open_incidents:
        plan = plan_of(session, incident)
        if not may_see(actor, incident, plan):
            continue
        if incident.handover_to == actor.name:
            mine.handovers.append(incident)
        for statement in statements.get_all(session=session, incident_id=incident.id):
            if statement.status != "in_review":
                continue
            steps = statements.chain(plan, statement)
            done = sum(r.decision == "approve" for r in statements.approvals(session, statement.id))
            if done < len(steps) and statements.may_approve(plan, steps[done], actor, statement):
                mine.approvals.append(statement)
        if incident.owner == actor.name:
            mine.reports += [
                r
                for r in reports.get_all(session=session, incident_id=incident.id)
                if r.status == "draft"
            ]
    mine.tasks = list(
        session.scalars(
            select(Task).where(Task.owner == actor.name, Task.status == "open").order_by(Task.id)
        )
    )
    return mine
