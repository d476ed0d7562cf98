"""The alert round runs every worker tick: it reads the plan in force through the
parse-once cache (`plan_service.parse`), so a tick parses nothing while the version is
the same, and the first tick after a new version is loaded uses the new one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.alerts.test_alerting_flow import PLAN
from tests.conftest import Store
from yuqing.alerts.dispatcher import Sent
from yuqing.core.clock import FrozenClock
from yuqing.db.engine import make_sessionmaker
from yuqing.plan import service as plan_service
from yuqing.plan.schema import Plan
from yuqing.worker.alerting import alert_round

WEBHOOK = "https://hooks.example.cn/yq"


def _never_sends(*_args: Any) -> Sent:
    raise AssertionError("nothing is due: the round sends nothing")


def _load(store: Store, clock: FrozenClock, text: str) -> int:
    with Session(store.engine) as session:
        version = plan_service.load(session=session, clock=clock, author="test", text=text)
        session.commit()
        return version.version


def test_two_ticks_parse_a_plan_version_once_and_a_new_version_is_picked_up(
    store: Store, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan_service, "_PARSED", {})  # this test's own, empty cache
    validated: list[str] = []  # every plan parsed, whichever way: by load or by a tick
    seen: list[str] = []  # the organization of the plan each tick read
    real_validate, real_parse = Plan.model_validate, plan_service.parse

    def counting_validate(data: Any, **kw: Any) -> Plan:
        plan = real_validate(data, **kw)
        validated.append(plan.organization.name)
        return plan

    def watching_parse(version: Any) -> Plan:
        plan = real_parse(version)
        seen.append(plan.organization.name)
        return plan

    monkeypatch.setattr(Plan, "model_validate", counting_validate)
    monkeypatch.setattr(plan_service, "parse", watching_parse)
    sessions = make_sessionmaker(store.engine)
    first = PLAN.format(webhook=WEBHOOK)

    assert _load(store, clock, first) == 1  # loading validates it once
    assert validated == ["明德一中"]
    for _tick in range(2):
        assert alert_round(sessions=sessions, clock=clock, send=_never_sends) == ([], [])
    assert validated == ["明德一中", "明德一中"]  # the first tick parsed v1; the second, nothing
    assert seen == ["明德一中"]  # the second tick found it by number and digest, unparsed

    second = first.replace("name: 明德一中, kind: school", "name: 明德第一中学, kind: school")
    assert second != first and _load(store, clock, second) == 2
    for _tick in range(2):
        alert_round(sessions=sessions, clock=clock, send=_never_sends)
    assert validated[2:] == ["明德第一中学", "明德第一中学"]  # the load's check, one tick's parse
    assert seen[1:] == ["明德第一中学"]
