"""A drill scored: the bundled scenario's first hour replayed at once into a sandbox on a
frozen clock, then handled as an office would (late here and there), then scored."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.drills.conftest import snapshot
from yuqing.alerts.dispatcher import dispatch_due
from yuqing.alerts.models import Alert, Delivery, DeliveryAttempt, LevelDecision
from yuqing.alerts.sending import RECORDED, load_channel_settings, make_sender
from yuqing.analysis.models import Event
from yuqing.auth import service as auth_service
from yuqing.core.clock import FrozenClock
from yuqing.core.i18n import use_locale
from yuqing.demo.replay import Replay
from yuqing.drills import DRILL_TAG
from yuqing.drills.sandbox import create_sandbox
from yuqing.drills.scenario import read_scenario
from yuqing.drills.scoring import DrillScore, score
from yuqing.drills.wording import score_lines
from yuqing.incidents import service
from yuqing.incidents.service import clocks, reports
from yuqing.worker.live import build_pipeline

REPLAYED = timedelta(hours=12)  # the story's first half day: 三级, then 二级 and 一级


def actor(session: Session, name: str):
    return auth_service.actor_of(auth_service.get_user_or_raise(session=session, name=name))


def run_drill(live, clock: FrozenClock) -> tuple[DrillScore, dict[str, object]]:
    scenario = read_scenario(None)
    settings, engine = create_sandbox(live=live, name="d", scenario=scenario, clock=clock)
    start = clock.now()
    base = start + REPLAYED
    pipeline = build_pipeline(engine=engine, clock=clock, settings=settings)
    posts = [p for p in scenario.posts if p.offset <= REPLAYED]
    Replay(pipeline=pipeline, posts=posts, stop=threading.Event()).run()
    seen: dict[str, object] = {"start": start}
    with Session(engine) as s:
        event = s.scalars(
            select(Event).join(LevelDecision, LevelDecision.event_id == Event.id)
            .order_by(Event.heat.desc()).limit(1)
        ).one()  # fmt: skip
        seen["event"] = event.id
        seen["titles"] = [a.title for a in s.scalars(select(Alert))]
        # 70 minutes in, the monitor opens the case; the leader confirms 二级 5 minutes on.
        clock.set(base + timedelta(minutes=70))
        incident = service.open_incident(
            session=s, clock=clock, actor=actor(s, "monitor1"), event_ids=[event.id],
            lead_department="office",
        )  # fmt: skip
        clock.set(base + timedelta(minutes=75))
        service.confirm_level(
            session=s, clock=clock, actor=actor(s, "boss"), incident_id=incident.id, level="L2"
        )
        s.commit()
        initial = next(
            r for r in reports.get_all(session=s, incident_id=incident.id) if r.kind == "initial"
        )
        due = clocks.find(s, incident.id, "report:initial")
        assert due is not None
        seen["initial_due"] = due.due_at
        # The initial report goes in 25 min 10 s after its deadline: 26 minutes late.
        clock.set(due.due_at + timedelta(minutes=25, seconds=10))
        service.submit_report(
            session=s, clock=clock, actor=actor(s, "tang_lei"), report_id=initial.id
        )
        # The spokesperson drafts, the office approves at 3 h, it is published at 3 h 30.
        service.update_fact_sheet(
            session=s, clock=clock, actor=actor(s, "spokes"), incident_id=incident.id,
            facts="食堂饭菜问题，学生已送医", wording="",
        )  # fmt: skip
        statement = service.draft_statement(
            session=s, clock=clock, actor=actor(s, "spokes"), incident_id=incident.id,
            text="关于学校食堂情况的说明",
        )  # fmt: skip
        clock.set(base + timedelta(hours=3))
        service.review_statement(
            session=s, clock=clock, actor=actor(s, "tang_lei"), statement_id=statement.id,
            decision="approve",
        )  # fmt: skip
        clock.set(base + timedelta(hours=3, minutes=30))
        service.publish_statement(
            session=s, clock=clock, actor=actor(s, "spokes"), statement_id=statement.id,
            channel="学校官方微博",
        )  # fmt: skip
        s.commit()
        seen["incident"] = incident.id
    # The alerts' deliveries go through the worker's sender: recorded, never sent.
    channels = load_channel_settings(settings.home, environ={})
    with httpx.Client(trust_env=False) as http:
        send = make_sender(settings=channels, clock=clock, http=http)
        dispatch_due(sessions=sessionmaker(engine), clock=clock, send=send)
    clock.set(base + timedelta(hours=4))
    with Session(engine) as s:
        seen["deliveries"] = {(d.channel, d.status) for d in s.scalars(select(Delivery))}
        seen["attempts"] = {(a.ok, a.detail) for a in s.scalars(select(DeliveryAttempt))}
        result = score(session=s, now=clock.now())
    engine.dispose()
    return result, seen


def test_a_drill_is_scored_against_the_plan_in_scenario_time(store, live, clock):
    before = snapshot(store.engine)
    result, seen = run_drill(live, clock)
    assert snapshot(store.engine) == before  # the live store never saw the drill
    start = seen["start"]
    at = start + REPLAYED

    # Every alert says it is a drill's, after its level (pages drop that bracket).
    titles = seen["titles"]
    assert len(titles) == 8
    assert all(t[t.index("】") + 1 :].startswith(DRILL_TAG) for t in titles), titles
    # Their deliveries were recorded as sent, and nothing left the machine.
    assert seen["deliveries"] == {("email", "sent"), ("sms", "sent")}
    assert seen["attempts"] == {(True, RECORDED)}

    canteen, *others = result.events
    assert canteen.event_id == seen["event"]
    assert canteen.first_post_at == canteen.first_alert_at == start
    assert canteen.detection_s == 0  # the first complaint already concerns the plan
    assert canteen.incident_id == seen["incident"]
    assert canteen.opened_at == at + timedelta(minutes=70)
    assert canteen.opening_s == 13 * 3600 + 10 * 60
    assert (canteen.level, canteen.level_label) == ("L2", "二级（严重）舆情")
    assert canteen.level_s == 13 * 3600 + 15 * 60
    assert canteen.statement_approved_at == at + timedelta(hours=3)
    assert canteen.statement_published_at == at + timedelta(hours=3, minutes=30)
    deadlines = {
        d.name: (d.source, d.due_at - at, d.state, d.late_minutes) for d in canteen.deadlines
    }
    # Counted from when the case was opened (its discovery): 1 h, 2 h and 5 h.
    assert deadlines == {
        "report:initial": ("deadlines.L2.report_within", timedelta(hours=2, minutes=10),
                           "missed", 26),
        "report:special": ("deadlines.L2.upward_report_within", timedelta(hours=3, minutes=10),
                           "overdue", 50),  # not submitted, 4 h in: 50 minutes late so far
        "answer": ("deadlines.L2.first_answer_within", timedelta(hours=6, minutes=10), "met", 0),
    }  # fmt: skip
    # The other stories raised alerts; nobody opened a case for them.
    assert len(others) == 3 and all(e.incident_id is None for e in others)

    assert (len(result.deadlines), len(result.decided), result.met) == (3, 3, 1)
    assert result.met_share == pytest.approx(1 / 3)
    assert [(d.name, d.late_minutes) for d in result.lessons] == [
        ("report:special", 50),
        ("report:initial", 26),
    ]
    summary = result.to_json()
    assert summary["met"] == 1 and summary["decided"] == 3
    assert [d["source"] for d in summary["lessons"]] == [
        "deadlines.L2.upward_report_within",
        "deadlines.L2.report_within",
    ]
    with use_locale("en"):
        lines = score_lines(result, name="d", timezone="Asia/Shanghai")
    assert lines[0] == "Drill d: score at 03-03 01:00 (scenario time)"
    assert "deadlines: 1 of 3 due so far met (33%)" in lines
    assert lines[-3:] == [
        "lessons for the plan review (2):",
        "  - special report #1 of incident 1: overdue, 50 min late so far "
        "(plan: deadlines.L2.upward_report_within)",
        "  - initial report #1 of incident 1: missed, 26 min late "
        "(plan: deadlines.L2.report_within)",
    ]
    with use_locale("zh_CN"):
        chinese = "\n".join(score_lines(result, name="d", timezone="Asia/Shanghai"))
    assert "deadlines.L2.report_within" in chinese


def test_an_empty_sandbox_scores_nothing_due(live, clock):
    _settings, engine = create_sandbox(
        live=live, name="e", scenario=read_scenario(None), clock=clock
    )
    with Session(engine) as session:
        result = score(session=session, now=clock.now())
    engine.dispose()
    assert result.events == [] and result.met_share is None and result.lessons == []


def test_a_clock_the_end_stopped_counts_only_when_it_was_overdue() -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from yuqing.drills.scoring import _counts, _deadline

    due = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def clock(state: str, done: datetime | None) -> SimpleNamespace:
        return SimpleNamespace(incident_id=1, name="report:initial", number=1, source="s",
                               due_at=due, state=state, done_at=done, late_minutes=None)  # fmt: skip

    before, after = (
        clock("stopped", due - timedelta(minutes=5)),
        clock("stopped", due + timedelta(minutes=30)),
    )
    assert not _counts(before) and not _counts(clock("cancelled", None)) and _counts(after)
    scored = _deadline(after, now=due + timedelta(hours=9))
    assert (scored.state, scored.late_minutes) == ("overdue", 30)
