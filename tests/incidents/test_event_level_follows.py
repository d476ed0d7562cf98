"""A level a person confirms on an event carries to the open incidents covering it: raised
by a level decider as `incident level` would, proposed when the person may not confirm
incident levels; never lowered."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import Cli
from tests.incidents.conftest import World, add_event
from yuqing.alerts import levels
from yuqing.alerts.models import LevelDecision
from yuqing.auth.models import AuditEntry
from yuqing.incidents import service
from yuqing.incidents.models import Incident, IncidentLog
from yuqing.incidents.service import clocks, reports
from yuqing.incidents.service.levels import required_reports


def _case_at_least_severe(w: World) -> tuple[Incident, str]:
    event_id = add_event(w.session, w.clock)
    incident = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["monitor1"], event_ids=[event_id]
    )
    least = w.plan.levels_by_severity()[-1].id
    service.confirm_level(
        session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id,
        level=least, reason="初判",
    )  # fmt: skip
    return incident, event_id


def _propose(w: World, event_id: str, level: str) -> None:
    w.session.add(
        LevelDecision(
            event_id=event_id,
            plan_version=1,
            proposed_level=level,
            reasons=[],
            proposed_at=w.clock.now(),
        )
    )
    w.session.flush()


def _kinds(w: World, incident: Incident) -> list[str]:
    rows = w.session.scalars(
        select(IncidentLog.kind)
        .where(IncidentLog.incident_id == incident.id)
        .order_by(IncidentLog.id)
    )
    return list(rows)


def test_a_decider_confirming_a_higher_level_on_the_event_raises_its_open_incident(
    world: World,
) -> None:
    w = world
    incident, event_id = _case_at_least_severe(w)
    _propose(w, event_id, w.most_severe)
    decision = levels.decide(
        session=w.session, clock=w.clock, plan=w.plan, event_id=event_id, by="boss",
        action="confirm", role="leader",
    )  # fmt: skip
    assert decision.level == w.most_severe
    changed = service.follow_event_level(
        session=w.session, clock=w.clock, by="boss", actor=w.actors["boss"],
        event_id=event_id, level=w.most_severe,
    )  # fmt: skip
    assert [i.id for i in changed] == [incident.id]
    assert incident.level == w.most_severe and incident.proposed_level is None
    assert _kinds(w, incident)[-1] == "level_raised"
    log = w.session.scalars(select(IncidentLog).where(IncidentLog.kind == "level_raised")).one()
    assert (log.actor, log.after) == ("boss", w.most_severe)
    assert event_id in log.reason
    actions = list(w.session.scalars(select(AuditEntry.action)))
    assert "incident.level_raised" in actions
    # The new level's drafts and clocks, restarted from now, as `incident level` does.
    kinds = required_reports(w.plan, w.most_severe)
    drafts = reports.get_all(session=w.session, incident_id=incident.id)
    assert set(kinds) <= {r.kind for r in drafts}
    for kind in kinds:
        running = clocks.find_running(w.session, incident.id, clocks.report_clock(kind))
        assert running is not None and running.started_at == w.clock.now()


def test_the_same_or_a_lower_level_on_the_event_changes_no_incident(world: World) -> None:
    w = world
    incident, event_id = _case_at_least_severe(w)
    service.confirm_level(
        session=w.session, clock=w.clock, actor=w.actors["boss"], incident_id=incident.id,
        level=w.most_severe, reason="升级",
    )  # fmt: skip
    version = incident.version
    for level in [lvl.id for lvl in w.plan.levels_by_severity()]:
        changed = service.follow_event_level(
            session=w.session, clock=w.clock, by="boss", actor=w.actors["boss"],
            event_id=event_id, level=level,
        )  # fmt: skip
        assert changed == []
    assert incident.level == w.most_severe and incident.version == version


def test_someone_who_may_not_confirm_incident_levels_leaves_a_proposal(world: World) -> None:
    w = world
    incident, event_id = _case_at_least_severe(w)
    for actor in (None, w.actors["spokes"]):  # a plan person without an account; a spokesperson
        service.follow_event_level(
            session=w.session, clock=w.clock, by="zhangsan", actor=actor,
            event_id=event_id, level=w.most_severe,
        )  # fmt: skip
    least = w.plan.levels_by_severity()[-1].id
    assert (incident.level, incident.proposed_level) == (least, w.most_severe)
    assert _kinds(w, incident).count("level_proposed") == 1  # proposed once, not twice


def test_an_ended_incident_does_not_follow(world: World) -> None:
    w = world
    incident, event_id = _case_at_least_severe(w)
    incident.status = "ended"  # as end_response leaves it
    w.session.flush()
    changed = service.follow_event_level(
        session=w.session, clock=w.clock, by="boss", actor=w.actors["boss"],
        event_id=event_id, level=w.most_severe,
    )  # fmt: skip
    assert changed == [] and incident.level != w.most_severe


def test_the_cli_decision_raises_with_the_account_of_that_name_else_proposes(
    world: World, cli: Cli
) -> None:
    w = world
    incident, event_id = _case_at_least_severe(w)
    _propose(w, event_id, w.plan.levels_by_severity()[-2].id)
    decider = w.plan.people_with_role("office")[0].id  # a plan person, and an account too
    w.add(decider, "office")
    w.session.commit()
    done = cli("events", "level", event_id, "--confirm", "--by", decider)
    assert done.code == 0, done.stderr
    w.session.expire_all()
    assert w.session.get(Incident, incident.id).level == w.plan.levels_by_severity()[-2].id  # type: ignore[union-attr]
    # Someone in the plan without an account only proposes the next level.
    _propose(w, event_id, w.most_severe)
    w.session.commit()
    others = [p.id for p in w.plan.people if p.id not in w.actors]
    for person in others:
        done = cli("events", "level", event_id, "--confirm", "--by", person)
        if done.code == 0:
            break
    else:
        raise AssertionError(f"no plan person without an account decides it: {done.stderr}")
    w.session.expire_all()
    found = w.session.get(Incident, incident.id)
    assert found is not None and found.proposed_level == w.most_severe
    assert found.level == w.plan.levels_by_severity()[-2].id


def test_the_cli_decision_writes_the_audit_entry_the_event_page_writes(
    world: World, cli: Cli
) -> None:
    w = world
    _incident, event_id = _case_at_least_severe(w)
    proposed = w.plan.levels_by_severity()[-2].id
    _propose(w, event_id, proposed)
    decider = w.plan.people_with_role("office")[0].id
    w.add(decider, "office")
    w.session.commit()
    done = cli("events", "level", event_id, "--confirm", "--by", decider)
    assert done.code == 0, done.stderr
    w.session.expire_all()
    entry = w.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target == f"event:{event_id}")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None
    assert (entry.actor, entry.action) == (decider, "level.confirmed")
    assert entry.before == {"status": "proposed", "proposed_level": proposed}
    assert entry.after == {"status": "confirmed", "level": proposed, "reason": None}
