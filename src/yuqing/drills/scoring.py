"""A drill's score: for each event the scenario raised, how long detection, opening the
case and confirming its level took, and every deadline of the plan against its due time.

All times are scenario times: the sandbox's clock is the accelerated one, so what it
stored is when it happened in the story. Definitions (docs/drills.md):

- detection: the event's first post → its first alert; opening: → the incident opened;
  level: → the level first confirmed.
- deadlines: the incident's clocks (`incident_clocks`): met, missed (whole minutes late),
  overdue (still running past its due time at `now`: minutes late so far), or running;
  clocks a rise of level cancelled, or the end of the response stopped before they
  were due, are left out.
- approval: the last approval of the first statement approved; publication: the first
  publication, which meets or misses the `answer` deadline like any other.
- lessons: every missed or overdue deadline with the plan key it came from, worst first.

It only reads, through the services of the alerts, events and incidents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from yuqing.alerts import service as alerts_service
from yuqing.analysis import service as events_service
from yuqing.incidents.service import clocks, levels, opening, statements
from yuqing.plan import service as plan_service
from yuqing.plan.wording import level_name

LATE = ("missed", "overdue")


@dataclass(frozen=True)
class Deadline:
    """One deadline of the plan for one incident, as it stands at the score's time."""

    incident_id: int
    name: str  # report:initial, report:progress, answer …
    number: int
    source: str  # the plan key: deadlines.I.report_within
    due_at: datetime
    done_at: datetime | None
    state: str  # met | missed | overdue | running
    late_minutes: int  # 0 unless missed or overdue

    def to_json(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "name": self.name,
            "number": self.number,
            "source": self.source,
            "due_at": self.due_at.isoformat(),
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "state": self.state,
            "late_minutes": self.late_minutes,
        }


def _seconds(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else round((end - start).total_seconds())


@dataclass(frozen=True)
class EventScore:
    event_id: str
    title: str
    first_post_at: datetime
    first_alert_at: datetime | None
    incident_id: int | None
    opened_at: datetime | None
    level: str | None  # the plan's id (L2); `level_label` its name (二级)
    level_label: str | None
    level_confirmed_at: datetime | None
    statement_approved_at: datetime | None
    statement_published_at: datetime | None
    deadlines: list[Deadline] = field(default_factory=list)

    @property
    def detection_s(self) -> int | None:
        return _seconds(self.first_post_at, self.first_alert_at)

    @property
    def opening_s(self) -> int | None:
        return _seconds(self.first_post_at, self.opened_at)

    @property
    def level_s(self) -> int | None:
        return _seconds(self.first_post_at, self.level_confirmed_at)

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "event_id": self.event_id,
            "title": self.title,
            "first_post_at": iso(self.first_post_at),
            "first_alert_at": iso(self.first_alert_at),
            "detection_s": self.detection_s,
            "incident_id": self.incident_id,
            "opened_at": iso(self.opened_at),
            "opening_s": self.opening_s,
            "level": self.level,
            "level_label": self.level_label,
            "level_confirmed_at": iso(self.level_confirmed_at),
            "level_s": self.level_s,
            "statement_approved_at": iso(self.statement_approved_at),
            "statement_published_at": iso(self.statement_published_at),
            "deadlines": [d.to_json() for d in self.deadlines],
        }


@dataclass(frozen=True)
class DrillScore:
    at: datetime  # the scenario time the score stands at
    events: list[EventScore]

    @property
    def deadlines(self) -> list[Deadline]:
        """Each incident's once, however many of the scenario's events it covers."""
        seen: dict[tuple[int, str, int], Deadline] = {}
        for event in self.events:
            for d in event.deadlines:
                seen.setdefault((d.incident_id, d.name, d.number), d)
        return list(seen.values())

    @property
    def decided(self) -> list[Deadline]:
        """Deadlines met, missed, or past due already (a running one is not judged yet)."""
        return [d for d in self.deadlines if d.state != "running"]

    @property
    def met(self) -> int:
        return sum(1 for d in self.decided if d.state == "met")

    @property
    def met_share(self) -> float | None:
        return self.met / len(self.decided) if self.decided else None

    @property
    def lessons(self) -> list[Deadline]:
        """Every missed or overdue deadline, the latest first: what the plan review reads."""
        late = [d for d in self.deadlines if d.state in LATE]
        return sorted(late, key=lambda d: (-d.late_minutes, d.incident_id, d.due_at))

    def worst(self, n: int = 3) -> list[Deadline]:
        return self.lessons[:n]

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "events": [e.to_json() for e in self.events],
            "deadlines": len(self.deadlines),
            "decided": len(self.decided),
            "met": self.met,
            "met_share": self.met_share,
            "worst": [d.to_json() for d in self.worst()],
            "lessons": [d.to_json() for d in self.lessons],
        }


def _counts(row: Any) -> bool:
    """A clock the drill is scored on: not cancelled by a rise of level, nor stopped by
    the end of the response before it was due."""
    if row.state == "stopped":
        return row.done_at is not None and row.done_at > row.due_at
    return bool(row.state != "cancelled")


def _deadline(row: Any, now: datetime) -> Deadline:
    state, late = row.state, row.late_minutes or 0
    if state == "stopped":  # the response ended with it overdue: it stays overdue
        now = row.done_at
    if state in ("running", "stopped") and now > row.due_at:
        state, late = "overdue", math.ceil((now - row.due_at).total_seconds() / 60)
    return Deadline(
        incident_id=row.incident_id,
        name=row.name,
        number=row.number,
        source=row.source,
        due_at=row.due_at,
        done_at=row.done_at,
        state=state,
        late_minutes=late,
    )


def _statement_times(session: Session, incident_id: int) -> tuple[datetime | None, datetime | None]:
    approved: list[datetime] = []
    published: list[datetime] = []
    for statement in statements.get_all(session=session, incident_id=incident_id):
        if statement.published_at is not None:
            published.append(statement.published_at)
        if statement.status in ("approved", "published"):
            times = [
                r.at for r in statements.approvals(session, statement.id) if r.decision == "approve"
            ]
            if times:
                approved.append(max(times))
    return min(approved, default=None), min(published, default=None)


def score(*, session: Session, now: datetime) -> DrillScore:
    """The score of the sandbox's store at scenario time `now`."""
    first_alert = alerts_service.first_alert_times(session=session)
    covered = opening.first_incidents_of_events(session=session)
    events = events_service.get_many(session=session, event_ids=set(first_alert) | set(covered))
    scored = []
    for event in sorted(events, key=lambda e: (e.first_at, e.id)):
        incident = covered.get(event.id)
        confirmed = approved = published = label = None
        deadlines: list[Deadline] = []
        if incident is not None:
            confirmed = levels.level_first_set_at(session=session, incident_id=incident.id)
            approved, published = _statement_times(session, incident.id)
            if incident.level is not None:
                plan = plan_service.plan_of_version(session=session, version=incident.plan_version)
                label = level_name(plan, incident.level)
            deadlines = [
                _deadline(row, now)
                for row in clocks.get_all(session=session, incident_id=incident.id)
                if _counts(row)
            ]
        scored.append(
            EventScore(
                event_id=event.id,
                title=event.title,
                first_post_at=event.first_at,
                first_alert_at=first_alert.get(event.id),
                incident_id=incident.id if incident else None,
                opened_at=incident.opened_at if incident else None,
                level=incident.level if incident else None,
                level_label=label,
                level_confirmed_at=confirmed,
                statement_approved_at=approved,
                statement_published_at=published,
                deadlines=deadlines,
            )
        )
    return DrillScore(at=now, events=scored)
