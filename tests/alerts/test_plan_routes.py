"""Routes from the plan: roles, units, robots, upward bodies and who is on duty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yuqing.alerts.plan_routes import route_for
from yuqing.plan.loading import load_plan_text

PLAN = """
organization: {name: 明德一中, kind: school}
units:
  - {id: office, name: 办公室, kind: office, contacts: {wecom: "https://qyapi.example.cn/robot/send?key=k1"}}
people:
  - {id: boss, name: 张校长, unit: office, roles: [leader], contacts: {email: boss@s.test, wecom: zhang}}
  - {id: day, name: 白班, unit: office, roles: [monitor], contacts: {email: day@s.test}}
  - {id: night, name: 夜班, unit: office, roles: [duty], contacts: {email: night@s.test, phone: 138-0000-0009}}
bodies:
  - {id: city, name: 市教育局, contacts: {email: city@edu.test}}
levels:
  - {id: high, name: 一级, rank: 1}
  - {id: low, name: 二级, rank: 2}
grading: {high: {min_tier: provincial}, low: {min_posts: 3}}
deadlines: {high: {report_within: 1 h}, low: {report_within: 2 h}}
stages: [{id: verify, name: 核实}]
approvals: {high: [{role: leader}], low: [{role: leader}]}
routes:
  high:
    recipients: [{role: leader}]
    channels: [email, wecom]
    upward: [city]
    ack_within: 10 min
  low:
    recipients: [{role: monitor}]
    channels: [email]
    escalate_to: [{role: leader}]
    quiet_hours: {start: "22:00", end: "07:00"}
duty:
  shifts:
    - {name: 白班, start: "08:00", end: "18:00", people: [day]}
    - {name: 夜班, start: "18:00", end: "08:00", people: [night]}
"""


def test_recipients_robots_bodies_and_escalation() -> None:
    plan = load_plan_text(PLAN, file="p.yaml")
    high = route_for(plan, "high")
    assert high is not None
    assert {(r.id, r.channel, r.address) for r in high.recipients} == {
        ("boss", "email", "boss@s.test"),
        # A WeCom user id is no robot address: the unit's group robot gets it.
        ("office", "wecom", "https://qyapi.example.cn/robot/send?key=k1"),
        ("city", "email", "city@edu.test"),
    }
    assert high.ack_within == timedelta(minutes=10) and high.quiet is None
    low = route_for(plan, "low")
    assert low is not None and low.quiet is not None
    assert [[r.id for r in step] for step in low.escalation] == [["boss"]]


def test_whoever_is_on_duty_is_added() -> None:
    plan = load_plan_text(PLAN, file="p.yaml")
    evening = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 20:30 in Shanghai: night shift
    morning = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00: day shift, already a recipient
    at_night = route_for(plan, "low", evening)
    by_day = route_for(plan, "low", morning)
    assert at_night is not None and by_day is not None
    assert {r.id for r in at_night.recipients} == {"day", "night"}
    assert {r.id for r in by_day.recipients} == {"day"}
