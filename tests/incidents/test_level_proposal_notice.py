"""A level proposed by someone who may not confirm it (or following an event's level)
reaches those who may: the deciders of that level's route, through the alert outbox,
once per proposal."""

from __future__ import annotations

from sqlalchemy import select

from tests.incidents.conftest import World, add_event
from yuqing.alerts import service as alerts_service
from yuqing.alerts.models import Delivery
from yuqing.alerts.plan_routes import route_for
from yuqing.incidents import service
from yuqing.incidents.models import Incident
from yuqing.incidents.service.access import LEVEL_DECIDERS


def _case_with_alert(w: World) -> tuple[Incident, str]:
    event_id = add_event(w.session, w.clock)
    least = w.plan.levels_by_severity()[-1]
    route = route_for(w.plan, least.id)
    assert route is not None
    alert = alerts_service.raise_alert(
        session=w.session, clock=w.clock, event_id=event_id, level=least.id,
        level_rank=least.rank, title="t", text="t", route=route,
    )  # fmt: skip
    assert alert is not None
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["monitor1"], alert_id=alert.id
    )
    return incident, event_id


def _notices(w: World) -> list[Delivery]:
    return list(w.session.scalars(select(Delivery).where(Delivery.purpose == "level-proposal")))


def _deciders(w: World) -> set[str]:
    people = {p.id for p in w.plan.people if LEVEL_DECIDERS & set(p.roles)}
    units = {p.unit for p in w.plan.people if p.id in people}
    return people | units  # a group robot is its unit's


def test_a_monitors_proposal_reaches_the_deciders_once(world: World) -> None:
    w = world
    incident, _event_id = _case_with_alert(w)
    service.propose_level(
        session=w.session, clock=w.clock, actor=w.actors["monitor1"],
        incident_id=incident.id, level=w.most_severe, reason="转载激增",
    )  # fmt: skip
    notices = _notices(w)
    assert notices, "nobody was told of the proposal"
    assert {d.recipient for d in notices} <= _deciders(w)
    assert len({d.idempotency_key for d in notices}) == len(notices)
    # Proposed again (another reason): a new notice, none of it taken for a repeat.
    service.propose_level(
        session=w.session, clock=w.clock, actor=w.actors["monitor1"],
        incident_id=incident.id, level=w.most_severe, reason="又有新情况",
    )  # fmt: skip
    after = _notices(w)
    assert len(after) == 2 * len(notices)
    assert len({d.idempotency_key for d in after}) == len(after)


def test_a_deciders_own_proposal_tells_nobody(world: World) -> None:
    w = world
    incident, _event_id = _case_with_alert(w)
    service.propose_level(
        session=w.session, clock=w.clock, actor=w.actors["boss"],
        incident_id=incident.id, level=w.most_severe,
    )  # fmt: skip
    assert _notices(w) == []


def test_an_event_level_that_becomes_a_proposal_reaches_the_deciders(world: World) -> None:
    w = world
    incident, event_id = _case_with_alert(w)
    changed = service.follow_event_level(
        session=w.session, clock=w.clock, by="someone", actor=None,
        event_id=event_id, level=w.most_severe,
    )  # fmt: skip
    assert changed == [incident] and incident.proposed_level == w.most_severe
    assert _notices(w)


def test_the_notice_says_who_proposed_what_and_why_even_for_a_tip(world: World) -> None:
    w = world
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["monitor1"], tip_channel="phone",
        tip_text="家长来电反映食堂饭菜变质", title="食堂来电",
    )  # fmt: skip
    service.propose_level(
        session=w.session, clock=w.clock, actor=w.actors["monitor1"],
        incident_id=incident.id, level=w.most_severe, reason="转载激增",
    )  # fmt: skip
    notices = _notices(w)
    assert notices and all(d.alert_id is None for d in notices)
    named = w.plan.level(w.most_severe).name
    assert notices[0].subject == f"对处置事项 {incident.id} 提出级别建议：{named} — 食堂来电"
    assert "monitor1" in notices[0].body and "转载激增" in notices[0].body
