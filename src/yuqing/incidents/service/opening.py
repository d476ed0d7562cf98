"""Opening an incident from events, from an alert, or from a tip; listing and reading."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alerts.models import Alert
from yuqing.analysis.models import Event
from yuqing.analysis.pages import departments_of
from yuqing.auth.schemas import Actor
from yuqing.core.clock import Clock, utc
from yuqing.core.errors import Forbidden, InvalidInput, NotFound
from yuqing.core.i18n import _
from yuqing.incidents.models import Incident, IncidentEvent
from yuqing.incidents.service.access import (
    HANDLERS,
    OPENERS,
    SIGHT_COLUMNS,
    Sight,
    get_changeable,
    may_see,
    plan_of,
    plan_of_version,
    record,
    require_role,
)
from yuqing.plan import service as plan_service
from yuqing.plan.schema import Plan

TIP_CHANNELS: tuple[str, ...] = ("phone", "letter", "in_person")


def _events(session: Session, event_ids: Sequence[str]) -> list[Event]:
    found = []
    for event_id in dict.fromkeys(event_ids):
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound(_("no event {id}").format(id=event_id))
        found.append(event)
    return found


def _check_scope(actor: Actor, events: Sequence[Event], plan: Plan) -> None:
    """A department user works only on events routed to their department (docs/web.md,
    "Department scope"), unless the plan lets department users see every event."""
    if actor.role != "department" or plan.response.departments_see_all:
        return
    for event in events:
        if actor.department not in departments_of(event):
            raise Forbidden(_("this belongs to another department"))


def open_incident(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    event_ids: Sequence[str] = (),
    alert_id: int | None = None,
    tip_channel: str | None = None,
    tip_text: str | None = None,
    title: str | None = None,
    category: str = "",
    domain: str | None = None,
    confidential: bool = False,
    readers: Sequence[str] = (),
    lead_department: str | None = None,
    helpers: Sequence[str] = (),
    discovered_at: datetime | None = None,
) -> Incident:
    """A new incident owned by its first receiver (`actor`), at the plan's first stage.

    Exactly one origin: events, an alert (its event comes along), or a tip (phone,
    letter or in person, with what was said)."""
    require_role(actor, OPENERS, _("opening an incident"))
    origins = [bool(event_ids), alert_id is not None, tip_channel is not None]
    if sum(origins) != 1:
        raise InvalidInput(_("open an incident from events, from an alert or from a tip: one"))
    stored = plan_service.get_active(session=session)
    if stored is None:
        raise InvalidInput(_("no plan is loaded: load one first (yuqing plan load FILE)"))
    proposed = None
    alert = None
    if alert_id is not None:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(_("no alert {id}").format(id=alert_id))
        event_ids, proposed = [alert.event_id], alert.level
    if tip_channel is not None:
        if tip_channel not in TIP_CHANNELS:
            raise InvalidInput(
                _("unknown tip channel {value!r}; expected one of {known}").format(
                    value=tip_channel, known=", ".join(TIP_CHANNELS)
                ),
                where="tip_channel",
            )
        if not (tip_text or "").strip():
            raise InvalidInput(_("a tip needs what was reported"), where="tip_text")
    events = _events(session, event_ids)
    title = (title or "").strip() or (events[0].title if events else (tip_text or "")[:80])
    if not title:
        raise InvalidInput(_("an incident needs a title"), where="title")
    if actor.role == "department":
        lead_department = actor.department  # a department opens cases of its own only
    plan = plan_service.parse(stored)  # parsed once per version
    _check_scope(actor, events, plan)
    if domain is not None and domain not in {d.id for d in plan.sensitive_domains}:
        raise InvalidInput(
            _("unknown sensitive domain {value!r} in the plan").format(value=domain),
            where="domain",
        )
    now = clock.now()
    origin = "alert" if alert is not None else "event" if events else "tip"
    incident = Incident(
        title=title.strip(),
        origin=origin,
        tip_channel=tip_channel,
        tip_text=(tip_text or "").strip() or None,
        alert_id=alert_id,
        category=category,
        domain=domain,
        confidential=confidential,
        readers=list(dict.fromkeys(readers)),
        lead_department=lead_department or actor.department,
        helpers=list(dict.fromkeys(helpers)),
        plan_version=stored.version,
        proposed_level=proposed,
        level=None,
        stage=plan.stages[0].id,
        entered_stages=[plan.stages[0].id],
        owner=actor.name,
        handover_to=None,
        status="open",
        discovered_at=utc(discovered_at)
        if discovered_at
        else (alert.created_at if alert is not None else now),
        opened_at=now,
        opened_by=actor.name,
        updated_at=now,
        version=1,
    )
    session.add(incident)
    session.flush()
    for event in events:
        session.add(
            IncidentEvent(
                incident_id=incident.id, event_id=event.id, added_at=now, added_by=actor.name
            )
        )
    record(session, clock, incident, actor.name, "opened", after=origin, reason=title)
    return incident


def add_events(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    event_ids: Sequence[str],
    expected_version: int | None = None,
) -> Incident:
    """Merge more events into the incident (one case for several events)."""
    incident, plan = get_changeable(
        session, actor, incident_id, expected_version, roles=HANDLERS, what=_("adding events")
    )
    _check_scope(actor, _events(session, event_ids), plan)
    have = set(
        session.scalars(
            select(IncidentEvent.event_id).where(IncidentEvent.incident_id == incident.id)
        )
    )
    added = [e.id for e in _events(session, event_ids) if e.id not in have]
    for event_id in added:
        session.add(
            IncidentEvent(
                incident_id=incident.id,
                event_id=event_id,
                added_at=clock.now(),
                added_by=actor.name,
            )
        )
    if added:
        record(session, clock, incident, actor.name, "events_added", after=",".join(added))
    return incident


def split_incident(
    *,
    session: Session,
    clock: Clock,
    actor: Actor,
    incident_id: int,
    event_ids: Sequence[str],
    title: str | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Move some of the incident's events into a new incident (they turned out to be
    another case). The new one starts at the plan's first stage under the same plan,
    owned by whoever split it (its first receiver), with the old level as its proposal:
    its own deadlines start only when a level is confirmed for it. At least one event
    stays; both incidents log the split."""
    incident, plan = get_changeable(
        session, actor, incident_id, expected_version, roles=HANDLERS, what=_("splitting")
    )
    if not reason.strip():
        raise InvalidInput(_("splitting an incident needs a reason"), where="reason")
    wanted = list(dict.fromkeys(event_ids))
    if not wanted:
        raise InvalidInput(_("name the events to split out"), where="event_ids")
    links = {
        link.event_id: link
        for link in session.scalars(
            select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
        )
    }
    for event_id in wanted:
        if event_id not in links:
            raise InvalidInput(
                _("event {id} is not in incident {incident}").format(
                    id=event_id, incident=incident.id
                ),
                where="event_ids",
            )
    if len(wanted) == len(links):
        raise InvalidInput(
            _("an incident keeps at least one event: split out fewer than all of them"),
            where="event_ids",
        )
    moved = _events(session, wanted)
    title = (title or "").strip() or moved[0].title or incident.title
    now = clock.now()
    new = Incident(
        title=title,
        origin="event",
        tip_channel=None,
        tip_text=None,
        alert_id=None,
        category=incident.category,
        domain=incident.domain,
        confidential=incident.confidential,
        readers=list(incident.readers),
        lead_department=incident.lead_department,
        helpers=list(incident.helpers),
        plan_version=incident.plan_version,
        proposed_level=incident.level or incident.proposed_level,
        level=None,
        stage=plan.stages[0].id,
        entered_stages=[plan.stages[0].id],
        owner=actor.name,
        handover_to=None,
        status="open",
        discovered_at=incident.discovered_at,
        opened_at=now,
        opened_by=actor.name,
        updated_at=now,
        version=1,
    )
    session.add(new)
    session.flush()
    for event_id in wanted:
        session.delete(links[event_id])
        session.add(
            IncidentEvent(incident_id=new.id, event_id=event_id, added_at=now, added_by=actor.name)
        )
    joined = ",".join(wanted)
    record(
        session,
        clock,
        incident,
        actor.name,
        "split_out",
        before=joined,
        after=f"incident:{new.id}",
        reason=reason.strip(),
    )
    record(
        session,
        clock,
        new,
        actor.name,
        "split_from",
        before=f"incident:{incident.id}",
        after=joined,
        reason=reason.strip(),
    )
    return new


def get_event_ids(*, session: Session, incident_id: int) -> list[str]:
    return list(
        session.scalars(
            select(IncidentEvent.event_id)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.added_at, IncidentEvent.event_id)
        )
    )


def get_all(
    *,
    session: Session,
    actor: Actor,
    status: str | None = None,
    level: str | None = None,
    stage: str | None = None,
    department: str | None = None,
    limit: int = 100,
    ids: Collection[int] | None = None,
) -> list[Incident]:
    """Incidents the actor may see, newest first, filtered as asked (`ids`: among those)."""
    query = select(Incident).order_by(Incident.opened_at.desc(), Incident.id.desc())
    if ids is not None:
        query = query.where(Incident.id.in_(list(ids)))
    if status:
        query = query.where(Incident.status == status)
    if level:
        query = query.where(Incident.level == level)
    if stage:
        query = query.where(Incident.stage == stage)
    if department:
        query = query.where(Incident.lead_department == department)
    found: list[Incident] = []
    plans: dict[int, Plan] = {}  # one read of each plan version, however many incidents
    for incident in session.scalars(query):
        if incident.plan_version not in plans:
            plans[incident.plan_version] = plan_of(session, incident)
        if may_see(actor, incident, plans[incident.plan_version]):
            found.append(incident)
            if len(found) >= limit:
                break
    return found


@dataclass(frozen=True)
class Choice:
    """An incident as a list to pick from shows it."""

    id: int
    title: str


@dataclass(frozen=True)
class OpenRows:
    """The open incidents newest first, with what `may_see` reads of each and their
    plans: the same for every viewer, so pages may share one read of them while no
    incident changed (analysis/views.py keys it on the incidents' fingerprint)."""

    rows: tuple[tuple[int, str, int, Sight], ...]
    plans: dict[int, Plan]


def open_rows(*, session: Session) -> OpenRows:
    """Every open incident's id, title, plan version and `Sight`, newest first."""
    query = (
        select(Incident.id, Incident.title, Incident.plan_version, *SIGHT_COLUMNS)
        .where(Incident.status == "open")
        .order_by(Incident.opened_at.desc(), Incident.id.desc())
    )
    rows = []
    plans: dict[int, Plan] = {}
    for incident_id, title, version, *sight in session.execute(query):
        if version not in plans:
            plans[version] = plan_of_version(session, version)  # a version never changes
        rows.append((incident_id, title, version, Sight(*sight)))
    return OpenRows(tuple(rows), plans)


def open_choices(
    *, session: Session, actor: Actor, limit: int = 200, rows: OpenRows | None = None
) -> list[Choice]:
    """The open incidents the actor may see, newest first, at most `limit`: what an event
    page offers to add the event to. Their id and title and the columns `may_see` reads
    only: every event page asks, and whole rows of a few hundred open incidents were the
    largest part of its time (bench/web.py --profile). `rows`: `open_rows` read before
    (shared between pages), else read now."""
    found: list[Choice] = []
    if rows is None:
        rows = open_rows(session=session)
    for incident_id, title, version, sight in rows.rows:
        if may_see(actor, sight, rows.plans[version]):
            found.append(Choice(incident_id, title))
            if len(found) >= limit:
                break
    return found


def first_incidents_of_events(*, session: Session) -> dict[str, Incident]:
    """The first incident opened for each event an incident covers, by event id."""
    first: dict[str, int] = {}
    rows = select(IncidentEvent.event_id, IncidentEvent.incident_id)
    for event_id, incident_id in session.execute(rows.order_by(IncidentEvent.incident_id)):
        first.setdefault(event_id, incident_id)
    wanted = set(first.values())
    found = session.scalars(select(Incident).where(Incident.id.in_(wanted))).all() if wanted else []
    by_id = {incident.id: incident for incident in found}
    return {event_id: by_id[incident_id] for event_id, incident_id in first.items()}
