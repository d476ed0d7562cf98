"""A year of work in miniature: two incidents and two alerts on the county plan, each
duty met, late, missed or contradicted once, built through the incidents service with a
frozen clock (Monday 2026-03-02 09:00 in Shanghai)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.incidents.conftest import World, add_event
from tests.web.conftest import app, client, signed_in, users  # noqa: F401 - fixtures
from yuqing.alerts.models import Alert
from yuqing.core.clock import FrozenClock
from yuqing.core.i18n import use_locale
from yuqing.incidents import service
from yuqing.incidents.models import Incident, Report
from yuqing.incidents.service import reports
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@dataclass
class Scenario:
    world: World
    a: int  # office: initial met, flash 30 min late, special and progress missed
    b: int  # edu: initial said 较大, level I confirmed later
    missed_alert: int  # II on ev-3 (edu), acknowledged in 6 min, no incident


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with use_locale("en"):
        yield


def _at(w: World, minutes: int) -> None:
    w.clock.set(START + timedelta(minutes=minutes))


def _drafts(w: World, incident: Incident) -> dict[str, Report]:
    return {
        r.kind: r
        for r in reports.get_all(session=w.session, incident_id=incident.id)
        if r.status == "draft"
    }


def _submit(w: World, report: Report) -> None:
    service.submit_report(
        session=w.session, clock=w.clock, actor=w.actors["duty_office"], report_id=report.id
    )


def _alert(w: World, event_id: str, level: str, rank: int, minutes: int, ack: int | None) -> Alert:
    created = START + timedelta(minutes=minutes)
    alert = Alert(
        event_id=event_id,
        level=level,
        level_rank=rank,
        title=f"alert {event_id}",
        text="",
        created_at=created,
        ack_token=f"tok-{event_id}-{level}",
        acknowledged_at=created + timedelta(minutes=ack) if ack is not None else None,
        acknowledged_by="monitor1" if ack is not None else None,
    )
    w.session.add(alert)
    w.session.flush()
    return alert


def build(w: World) -> Scenario:
    s, c = w.session, w.clock
    _at(w, 0)
    ev1 = add_event(s, c, "ev-1")
    ev2 = add_event(s, c, "ev-2")
    ev3 = add_event(s, c, "ev-3")
    from yuqing.analysis.models import Event

    for event_id, department in ((ev1, "office"), (ev3, "edu")):
        event = s.get(Event, event_id)
        assert event is not None
        event.extra = {"departments": [department]}
    _alert(w, ev1, "I", 1, -10, ack=5)  # acknowledged in 5 min, incident 10 min after
    missed = _alert(w, ev3, "II", 2, 0, ack=6)
    boss, office = w.actors["boss"], w.actors["duty_office"]
    a = service.open_incident(
        session=s, clock=c, actor=w.actors["monitor1"], event_ids=[ev1],
        category="食品安全", lead_department="office", helpers=["edu"],
    )  # fmt: skip
    service.confirm_level(session=s, clock=c, actor=boss, incident_id=a.id, level="I")
    drafts = _drafts(w, a)
    b = service.open_incident(
        session=s, clock=c, actor=office, event_ids=[ev2], category="舆情", lead_department="edu"
    )
    service.confirm_level(session=s, clock=c, actor=boss, incident_id=b.id, level="III")
    _at(w, 10)
    _submit(w, _drafts(w, b)["initial"])  # met, says 较大
    _at(w, 20)
    service.confirm_level(
        session=s, clock=c, actor=boss, incident_id=b.id, level="I", reason="省级媒体转载"
    )
    _at(w, 30)
    _submit(w, drafts["initial"])  # met
    _at(w, 50)
    for report in _drafts(w, b).values():
        _submit(w, report)  # the restarted clocks, met (progress #1 due 11:00)
    _at(w, 90)
    _submit(w, drafts["flash"])  # 30 min late
    _at(w, 100)
    revised = service.revise_report(
        session=s, clock=c, actor=office, report_id=drafts["initial"].id
    )
    service.update_report(
        session=s, clock=c, actor=office, report_id=revised.id, fields={"harm": "5 人就医"}
    )
    _submit(w, revised)  # corrects the initial report with another harm
    _at(w, 105)
    service.record_action(
        session=s, clock=c, actor=w.actors["spokes"], incident_id=a.id, kind="official_reply",
        description="官方账号回复", evidence=["https://w.example/official/1"],
    )  # fmt: skip
    _at(w, 180)  # 12:00
    ids = Scenario(w, a.id, b.id, missed.id)
    s.commit()
    return ids


@pytest.fixture
def scenario(store: Store, clock: FrozenClock) -> Iterator[Scenario]:
    with Session(store.engine) as session:
        plan_service.load(
            session=session, clock=clock, author="test",
            text=example_plan_text("county_bureau"), source_name="county_bureau.yaml",
        )  # fmt: skip
        plan = plan_service.get_active_plan(session=session)
        assert plan is not None
        w = World(session, clock, plan)
        w.add("monitor1", "monitor")
        w.add("duty_office", "office", "office")
        w.add("boss", "leader")
        w.add("spokes", "spokesperson")
        session.commit()
        yield build(w)
