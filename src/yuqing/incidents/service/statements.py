"""The fact sheet (统一口径) and statements: draft → in_review → approved → published.

The chain is the plan's `approvals.<level>`, step by step in order (三审三校 where the
plan lists proofreads). A step names a person (a user of that name) or a role (a user
with that role, or the plan person of that name holding it), within a unit when given
(the user's department). Every revision and every review or comment is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock, utc
from yuqing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.incidents.models import FactSheet, Incident, Statement, StatementReview
from yuqing.incidents.service import clocks
from yuqing.incidents.service.access import get_changeable, get_visible, record
from yuqing.incidents.wording import label as status_label
from yuqing.plan.handling import ApprovalStep
from yuqing.plan.schema import Plan

DECISIONS: tuple[str, ...] = ("approve", "reject", "comment")


def update_fact_sheet(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    facts: str,
    figures: dict[str, Any] | None = None,
    wording: str = "",
    expected_version: int | None = None,
) -> FactSheet:
    incident, _plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("editing the fact sheet")
    )
    sheet = session.get(FactSheet, incident.id)
    now = clock.now()
    if sheet is None:
        sheet = FactSheet(incident_id=incident.id, revision=0)
        session.add(sheet)
    sheet.facts, sheet.figures, sheet.wording = facts, dict(figures or {}), wording
    sheet.revision += 1
    sheet.updated_at, sheet.updated_by = now, actor.name
    record(session, clock, incident, actor.name, "fact_sheet", after=f"r{sheet.revision}")
    return sheet


def _statement(session: Session, actor: Actor, statement_id: int) -> tuple[Statement, Incident]:
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise NotFound(_("no statement {id}").format(id=statement_id))
    incident, _plan = get_visible(session, actor, statement.incident_id)
    return statement, incident


def draft_statement(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    text: str,
    revises: int | None = None,
    expected_version: int | None = None,
) -> Statement:
    """A new statement in the series, or (`revises`) a new revision of an unpublished one."""
    incident, _plan = get_changeable(
        session, actor, incident_id, expected_version, what=_("drafting a statement")
    )
    if incident.level is None:
        raise Conflict(_("confirm the incident's level first: it decides who approves"))
    if not text.strip():
        raise InvalidInput(_("a statement needs its text"), where="text")
    sheet = session.get(FactSheet, incident.id)
    number, revision = None, 1
    if revises is not None:
        earlier, _incident = _statement(session, actor, revises)
        if earlier.incident_id != incident.id or earlier.status == "published":
            raise Conflict(
                _("statement {id} cannot be revised: it is published or elsewhere").format(
                    id=revises
                )
            )
        earlier.status = "superseded"
        number, revision = earlier.number, earlier.revision + 1
    if number is None:
        top = session.scalar(
            select(func.max(Statement.number)).where(Statement.incident_id == incident.id)
        )
        number = (top or 0) + 1
    statement = Statement(
        incident_id=incident.id,
        number=number,
        revision=revision,
        text=text.strip(),
        level=incident.level,
        fact_sheet_revision=sheet.revision if sheet else None,
        status="in_review",
        author=actor.name,
        created_at=clock.now(),
    )
    session.add(statement)
    session.flush()
    record(
        session,
        clock,
        incident,
        actor.name,
        "statement_drafted",
        after=f"{statement.number}r{statement.revision}",
    )
    return statement


def chain(plan: Plan, statement: Statement) -> list[ApprovalStep]:
    return list(plan.approvals.get(statement.level or "", []))


def approvals(session: Session, statement_id: int) -> list[StatementReview]:
    return list(
        session.scalars(
            select(StatementReview)
            .where(StatementReview.statement_id == statement_id)
            .order_by(StatementReview.at, StatementReview.id)
        )
    )


def _approved_steps(session: Session, statement: Statement) -> int:
    return sum(1 for r in approvals(session, statement.id) if r.decision == "approve")


def may_take(plan: Plan, step: ApprovalStep, actor: Actor) -> bool:
    """Whether the actor is who the step names."""
    if step.person is not None:
        return actor.name == step.person
    person = next((p for p in plan.people if p.id == actor.name), None)
    holds = actor.role == step.role or (person is not None and step.role in person.roles)
    if step.unit is None:
        return holds
    in_unit = actor.department == step.unit or (person is not None and person.unit == step.unit)
    return holds and in_unit


def may_approve(plan: Plan, step: ApprovalStep, actor: Actor, statement: Statement) -> bool:
    """Whether the actor may approve or reject the statement at `step`: the step names
    them, and they did not write it (unless the plan lets authors approve)."""
    own = statement.author == actor.name and not plan.response.author_may_approve
    return may_take(plan, step, actor) and not own


def review_statement(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    statement_id: int,
    decision: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Statement:
    """Take the next step of the chain (approve or reject), or add a comment."""
    if decision not in DECISIONS:
        raise InvalidInput(
            _("unknown decision {value!r}; expected one of {known}").format(
                value=decision, known=", ".join(DECISIONS)
            ),
            where="decision",
        )
    statement, incident = _statement(session, actor, statement_id)
    incident, plan = get_changeable(
        session,
        actor,
        incident.id,
        expected_version,
        roles=set(plan_roles()),
        what=_("reviewing a statement"),
    )
    now = clock.now()
    if decision == "comment":
        if not comment.strip():
            raise InvalidInput(_("a comment needs its text"), where="comment")
        session.add(
            StatementReview(
                statement_id=statement.id,
                step=None,
                decision="comment",
                reviewer=actor.name,
                comment=comment.strip(),
                at=now,
            )
        )
        record(session, clock, incident, actor.name, "statement_comment", after=str(statement.id))
        return statement
    if statement.status != "in_review":
        raise Conflict(
            _("statement {id} is {status}, not in review").format(
                id=statement.id, status=status_label(statement.status)
            )
        )
    steps = chain(plan, statement)
    index = _approved_steps(session, statement)
    step = steps[index]
    label = step.name or step.role or step.person or str(index + 1)
    if not may_take(plan, step, actor):
        raise Forbidden(
            _("step {step} of the chain is not for {name}").format(step=label, name=actor.name)
        )
    if statement.author == actor.name and not plan.response.author_may_approve:
        raise Forbidden(_("the plan does not let the author approve their own statement"))
    session.add(
        StatementReview(
            statement_id=statement.id,
            step=index,
            step_name=label,
            decision=decision,
            reviewer=actor.name,
            comment=comment.strip(),
            at=now,
        )
    )
    if decision == "reject":
        statement.status = "rejected"
    elif index + 1 == len(steps):
        statement.status = "approved"
    record(
        session,
        clock,
        incident,
        actor.name,
        f"statement_{decision}",
        after=f"{statement.id} {label}",
        reason=comment,
    )
    return statement


def plan_roles() -> tuple[str, ...]:
    """Every account role may be named by a chain; the chain itself decides who."""
    from yuqing.auth.schemas import ROLES

    return tuple(r for r in ROLES if r != "auditor")


def publish_statement(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    statement_id: int,
    channel: str,
    link: str = "",
    text: str | None = None,
    published_at: datetime | None = None,
    expected_version: int | None = None,
) -> Statement:
    """Record where and when an approved statement went out, with the text as published."""
    statement, incident = _statement(session, actor, statement_id)
    incident, plan = get_changeable(
        session, actor, incident.id, expected_version, what=_("publishing a statement")
    )
    if statement.status != "approved":
        steps = chain(plan, statement)
        done = _approved_steps(session, statement)
        waiting = (
            steps[done].name or steps[done].role or steps[done].person if done < len(steps) else ""
        )
        raise Conflict(
            _(
                "statement {id} is {status}, not approved ({done} of {total} approvals; "
                "next: {next}): it cannot be published"
            ).format(
                id=statement.id,
                status=status_label(statement.status),
                done=done,
                total=len(steps),
                next=waiting or "-",
            )
        )
    if not channel.strip():
        raise InvalidInput(_("say on which channel it was published"), where="channel")
    when = utc(published_at) if published_at else clock.now()
    statement.status, statement.channel, statement.link = "published", channel.strip(), link
    statement.published_at, statement.published_by = when, actor.name
    statement.published_text = text if text is not None else statement.text
    answer = clocks.find_running(session, incident.id, clocks.ANSWER)
    if answer is not None:
        clocks.finish(answer, when)
    record(
        session,
        clock,
        incident,
        actor.name,
        "statement_published",
        after=f"{statement.id} {channel}",
    )
    return statement


def get_all(*, session: Session, incident_id: int) -> list[Statement]:
    return list(
        session.scalars(
            select(Statement)
            .where(Statement.incident_id == incident_id)
            .order_by(Statement.number, Statement.revision)
        )
    )
