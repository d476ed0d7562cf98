"""What the progress and closing reports add to an incident's fields and spread, read
from the store: the change since the previous submitted report (进程报告), the course of
the response, statements with their approvals and before/after measures, the review
and the corrective actions (结案报告).

"Then" counts the posts the store had received when the previous report was submitted
(by `received_at`: what the office could have known), "now" every post of the incident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.analysis.models import EventPost
from yuqing.incidents.models import (
    CorrectiveAction,
    Incident,
    IncidentEvent,
    IncidentLog,
    IncidentReview,
    Report,
    Statement,
)
from yuqing.incidents.schemas import WindowMeasures
from yuqing.incidents.service.measures import measure
from yuqing.incidents.service.statements import approvals
from yuqing.monitor.models import StoredPost
from yuqing.plan.schema import Plan
from yuqing.reports.figures import NEGATIVE

# The log entries that mark the course of the response, in the order they happen.
COURSE_KINDS = ("opened", "stage", "ended", "closed")


def local(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""


def post_scope(incident_id: int) -> Any:
    """The stored posts of the incident's events (a post in two events counts once)."""
    return StoredPost.pk.in_(
        select(EventPost.post_pk)
        .join(IncidentEvent, IncidentEvent.event_id == EventPost.event_id)
        .where(IncidentEvent.incident_id == incident_id)
    )


def totals(
    session: Session, incident_id: int, received_by: datetime | None = None
) -> tuple[int, int, int]:
    """Posts, negative posts and distinct sites; only those received by then if given."""
    query = select(
        func.count(),
        func.count().filter(StoredPost.sentiment_label == NEGATIVE),
        func.count(func.distinct(StoredPost.source)),
    ).where(post_scope(incident_id))
    if received_by is not None:
        query = query.where(StoredPost.received_at <= received_by)
    posts, negative, sites = session.execute(query).one()
    return int(posts), int(negative), int(sites)


def _share(negative: int, posts: int) -> float:
    return round(negative / posts, 4) if posts else 0.0


def previous_submitted(session: Session, incident_id: int, source: Report | None) -> Report | None:
    """The last report of any kind submitted before this one (before now if a draft)."""
    query = select(Report).where(
        Report.incident_id == incident_id,
        Report.status == "submitted",
        Report.submitted_at.is_not(None),
    )
    if source is not None:
        query = query.where(Report.id != source.id)
        if source.submitted_at is not None:
            query = query.where(Report.submitted_at < source.submitted_at)
    return session.scalar(query.order_by(Report.submitted_at.desc(), Report.id.desc()).limit(1))


def changes(
    session: Session, incident_id: int, previous: Report | None, zone: ZoneInfo
) -> dict[str, Any]:
    """Posts, sites and negative share when the previous report went up, and now."""
    now_posts, now_negative, now_sites = totals(session, incident_id)
    then_posts = then_negative = then_sites = 0
    if previous is not None:
        then_posts, then_negative, then_sites = totals(
            session, incident_id, received_by=previous.submitted_at
        )
    return {
        "previous": _report_ref(previous, zone) if previous else None,
        "posts_then": then_posts,
        "posts_now": now_posts,
        "new_posts": now_posts - then_posts,
        "sites_then": then_sites,
        "sites_now": now_sites,
        "new_sites": now_sites - then_sites,  # sites only ever join, so this is the new ones
        "negative_share_then": _share(then_negative, then_posts),
        "negative_share_now": _share(now_negative, now_posts),
    }


def _report_ref(report: Report, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": report.id,
        "kind": report.kind,
        "number": report.number,
        "revision": report.revision,
        "submitted_at": local(report.submitted_at, zone),
    }


def corrections(session: Session, incident_id: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Revisions that correct an earlier report, oldest first (each names what it corrects)."""
    rows = list(
        session.scalars(
            select(Report)
            .where(Report.incident_id == incident_id, Report.corrects.is_not(None))
            .order_by(Report.created_at, Report.id)
        )
    )
    corrected = {
        r.id: r
        for r in session.scalars(select(Report).where(Report.id.in_([r.corrects for r in rows])))
    }
    out = []
    for row in rows:
        earlier = corrected.get(row.corrects or 0)
        out.append(
            {
                **_report_ref(row, zone),
                "status": row.status,
                "corrects": _report_ref(earlier, zone) if earlier else None,
            }
        )
    return out


def _window(w: WindowMeasures) -> dict[str, Any]:
    return {
        "posts": w.posts,
        "negative_share": w.negative_share,
        "sites": w.sites,
        "new_sites": w.new_sites,
    }


def statements(
    session: Session,
    incident_id: int,
    zone: ZoneInfo,
    now: datetime,
    published_after: datetime | None = None,
) -> list[dict[str, Any]]:
    """Statements with their approvals and, once published, the event's measures before
    and after; with `published_after`, only those published since then."""
    rows = list(
        session.scalars(
            select(Statement)
            .where(Statement.incident_id == incident_id)
            .order_by(Statement.number, Statement.revision, Statement.id)
        )
    )
    if published_after is not None:
        rows = [s for s in rows if s.published_at and s.published_at > published_after]
    measured = {
        m.statement_id: m
        for m in measure(session=session, incident_id=incident_id, statements=rows, now=now)
    }
    out = []
    for s in rows:
        m = measured.get(s.id)
        out.append(
            {
                "id": s.id,
                "number": s.number,
                "revision": s.revision,
                "status": s.status,
                "created_at": local(s.created_at, zone),
                "published_at": local(s.published_at, zone),
                "channel": s.channel or "",
                "approvals": [
                    {
                        "step": r.step_name,
                        "decision": r.decision,
                        "reviewer": r.reviewer,
                        "at": local(r.at, zone),
                    }
                    for r in approvals(session, s.id)
                    if r.step is not None  # comments are not approvals
                ],
                "measures": (
                    {
                        "window_minutes": m.window_minutes,
                        "trend": m.trend,
                        "before": _window(m.before),
                        "after": _window(m.after),
                    }
                    if m
                    else None
                ),
            }
        )
    return out


def course(
    session: Session, incident: Incident, plan: Plan, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """Opening, each stage entered, the end of the response and closing, with times."""
    names = {s.id: s.name for s in plan.stages}
    first = incident.entered_stages[0] if incident.entered_stages else plan.stages[0].id
    logs = session.scalars(
        select(IncidentLog)
        .where(IncidentLog.incident_id == incident.id, IncidentLog.kind.in_(COURSE_KINDS))
        .order_by(IncidentLog.at, IncidentLog.id)
    )
    out = []
    for log in logs:
        stage = first if log.kind == "opened" else log.after if log.kind == "stage" else None
        out.append(
            {
                "at": local(log.at, zone),
                "step": log.kind,
                "stage": stage,
                "stage_name": names.get(stage, stage) if stage else None,
                "reason": log.reason if log.kind in ("stage", "ended") else "",
            }
        )
    return out


def review(session: Session, incident_id: int, zone: ZoneInfo) -> dict[str, Any] | None:
    row = session.get(IncidentReview, incident_id)
    if row is None:
        return None
    return {
        "summary": row.summary,
        "worked": row.worked,
        "failed": row.failed,
        "evaluation": row.evaluation,
        "written_at": local(row.written_at, zone),
        "written_by": row.written_by,
    }


def corrective_actions(
    session: Session, incident_id: int, zone: ZoneInfo, now: datetime
) -> list[dict[str, Any]]:
    """整改 items: owner, deadline and status (open past its deadline reads overdue)."""
    rows = session.scalars(
        select(CorrectiveAction)
        .where(CorrectiveAction.incident_id == incident_id)
        .order_by(CorrectiveAction.due_at, CorrectiveAction.id)
    )
    return [
        {
            "title": r.title,
            "owner": r.owner,
            "due_at": local(r.due_at, zone),
            "status": "overdue" if r.status == "open" and r.due_at < now else r.status,
            "done_at": local(r.done_at, zone),
        }
        for r in rows
    ]
