"""The case library (案例库): a closed incident as one JSON document with its posts as
they were captured (kept even when the posts were deleted online), searchable and
exportable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.analysis.models import EventPost
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock
from yuqing.core.errors import NotFound
from yuqing.core.i18n import _
from yuqing.core.textfold import fold
from yuqing.db.base import Base
from yuqing.incidents.models import (
    Action,
    Case,
    CorrectiveAction,
    DeadlineClock,
    Incident,
    IncidentEvent,
    IncidentLog,
    IncidentReview,
    Report,
    Statement,
    StatementReview,
    Task,
)
from yuqing.incidents.service.access import require_role
from yuqing.monitor.models import StoredPost
from yuqing.plan.schema import Plan
from yuqing.reports.models import ReportVersion

READERS: frozenset[str] = frozenset({"admin", "office", "leader", "auditor", "spokesperson"})
POST_FIELDS = ("pk", "source", "url", "title", "text", "author", "platform", "media_tier")


def _row(row: Base, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(row, column.key)
        out[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def _rows(session: Session, model: type[Base], incident_id: int) -> list[dict[str, Any]]:
    table = model.__table__
    query = select(model).where(table.c.incident_id == incident_id).order_by(*table.primary_key)
    return [_row(r) for r in session.scalars(query)]


def _posts(session: Session, incident_id: int) -> list[dict[str, Any]]:
    query = (
        select(StoredPost, EventPost.event_id)
        .join(EventPost, EventPost.post_pk == StoredPost.pk)
        .join(IncidentEvent, IncidentEvent.event_id == EventPost.event_id)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(StoredPost.published_at, StoredPost.pk)
    )
    posts = []
    for post, event_id in session.execute(query):
        item = {f: getattr(post, f) for f in POST_FIELDS}
        item.update(
            event_id=event_id,
            published_at=post.published_at.isoformat(),
            captured_at=post.received_at.isoformat(),
        )
        posts.append(item)
    return posts


def archive(*, session: Session, clock: Clock, incident: Incident, plan: Plan) -> Case:
    statements = _rows(session, Statement, incident.id)
    for statement in statements:
        statement["reviews"] = [
            _row(r)
            for r in session.scalars(
                select(StatementReview).where(StatementReview.statement_id == statement["id"])
            )
        ]
    review = session.get(IncidentReview, incident.id)
    posts = _posts(session, incident.id)
    document = {
        "incident": _row(incident),
        "plan": {
            "version": incident.plan_version,
            "organization": plan.organization.name,
            "confidential_roles": list(plan.response.confidential_roles),
        },
        "events": [e["event_id"] for e in _rows(session, IncidentEvent, incident.id)],
        "posts": posts,
        "log": _rows(session, IncidentLog, incident.id),
        "tasks": _rows(session, Task, incident.id),
        "reports": _rows(session, Report, incident.id),
        "deadlines": _rows(session, DeadlineClock, incident.id),
        "statements": statements,
        "actions": _rows(session, Action, incident.id),
        "review": _row(review) if review else None,
        "corrective_actions": _rows(session, CorrectiveAction, incident.id),
        # The signed report versions, whole: what was signed stays with the case.
        "signed_reports": [
            _row(r)
            for r in session.scalars(
                select(ReportVersion)
                .where(ReportVersion.incident_id == incident.id, ReportVersion.status == "signed")
                .order_by(ReportVersion.id)
            )
        ],
    }
    words = [incident.title, incident.category, review.summary if review else ""]
    words += [p["title"] or p["text"][:200] for p in posts]
    case = Case(
        incident_id=incident.id,
        title=incident.title,
        level=incident.level,
        category=incident.category,
        archived_at=clock.now(),
        search_text=fold(" ".join(words)),
        document=document,
    )
    session.merge(case)
    session.flush()
    return case


def _may_read(actor: Actor, case: Case) -> bool:
    """A confidential case stays visible to the people it named and the plan's roles."""
    incident = case.document["incident"]
    if not incident.get("confidential"):
        return True
    named = {incident["owner"], incident["opened_by"], *incident.get("readers", [])}
    return actor.name in named or actor.role in case.document["plan"].get("confidential_roles", [])


def search(*, session: Session, actor: Actor, query: str = "", limit: int = 50) -> list[Case]:
    require_role(actor, READERS, _("reading the case library"))
    stmt = select(Case).order_by(Case.archived_at.desc())
    for word in fold(query).split():
        stmt = stmt.where(Case.search_text.contains(word, autoescape=True))
    return [case for case in session.scalars(stmt) if _may_read(actor, case)][:limit]


def get_or_raise(*, session: Session, actor: Actor, incident_id: int) -> Case:
    require_role(actor, READERS, _("reading the case library"))
    case = session.get(Case, incident_id)
    if case is None or not _may_read(actor, case):
        raise NotFound(_("no case {id} in the case library").format(id=incident_id))
    return case
