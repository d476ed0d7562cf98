"""The register's rules on both stores: roles and departments, the version check, one
status per point and month, overdue points, closing, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.risks.conftest import Desk
from yuqing.auth.models import AuditEntry
from yuqing.auth.service import verify
from yuqing.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yuqing.risks import service
from yuqing.risks.models import RiskMonth


def _add(desk: Desk, who: str = "office", **fields: object) -> int:
    values: dict[str, object] = {"title": "传染病防控", "lead_department": "health"}
    values.update(fields)
    point = service.add_risk(session=desk.session, clock=desk.clock, actor=desk[who], **values)  # type: ignore[arg-type]
    desk.session.commit()
    return point.id


def _actions(desk: Desk) -> list[str]:
    return list(desk.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_add_and_read_back_with_the_audit_trail(desk: Desk) -> None:
    risk_id = _add(desk, departments=["edu", "edu", "health"], deadline=date(2026, 6, 30),
                   measures="加强监测\n每日报告", domain="公共卫生")  # fmt: skip
    point = service.get_or_raise(session=desk.session, actor=desk["auditor"], risk_id=risk_id)
    assert point.status == "open" and point.version == 1
    assert point.departments == ["edu"]  # the lead is not repeated, nor a name twice
    assert point.measures == "加强监测\n每日报告"
    assert _actions(desk)[-1] == "risk.created"
    assert verify(session=desk.session).problem is None


def test_roles_and_departments(desk: Desk) -> None:
    with pytest.raises(Forbidden):  # a monitor has no part in the register
        _add(desk, "monitor")
    with pytest.raises(Forbidden):  # nor an auditor's writing
        _add(desk, "auditor")
    with pytest.raises(Forbidden):  # a department adds only what it leads or shares
        _add(desk, "department", lead_department="health")
    desk.session.rollback()
    ours = _add(desk, "department", lead_department="health", departments=["edu"])
    theirs = _add(desk, "office", lead_department="health")
    listed = service.get_all(session=desk.session, clock=desk.clock, actor=desk["department"])[1]
    assert [row.point.id for row in listed] == [ours]
    with pytest.raises(NotFound):  # another department's point reads as missing
        service.get_or_raise(session=desk.session, actor=desk["department"], risk_id=theirs)
    with pytest.raises(Forbidden):
        service.get_all(session=desk.session, clock=desk.clock, actor=desk["spokesperson"])
    everyone = service.get_all(session=desk.session, clock=desk.clock, actor=desk["auditor"])[1]
    assert len(everyone) == 2
    with pytest.raises(Forbidden):  # a department may not hand a point out of its reach
        service.update_risk(session=desk.session, clock=desk.clock, actor=desk["department"],
                            risk_id=ours, changes={"departments": []})  # fmt: skip


def test_version_conflict(desk: Desk) -> None:
    risk_id = _add(desk)
    changed = service.update_risk(session=desk.session, clock=desk.clock, actor=desk["leader"],
                                  risk_id=risk_id, expected_version=1,
                                  changes={"title": "新标题", "owner": "王主任"})  # fmt: skip
    desk.session.commit()
    assert changed.version == 2
    with pytest.raises(Conflict, match="当前版本 2，你的版本 1"):
        service.update_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                            risk_id=risk_id, expected_version=1, changes={"title": "旧"})  # fmt: skip
    entry = desk.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action == "risk.changed"
    assert entry.before == {"title": "传染病防控", "owner": None}


def test_one_status_per_month_replaced_with_audit(desk: Desk) -> None:
    risk_id = _add(desk)
    first = service.record_month(session=desk.session, clock=desk.clock,
                                 actor=desk["department2"], risk_id=risk_id,
                                 effect="平稳", next_steps="继续监测")  # fmt: skip
    assert first.month == "2026-03"  # the clock's month in Shanghai
    service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                         risk_id=risk_id, month="2026-03", effect="好转")  # fmt: skip
    desk.session.commit()
    rows = desk.session.scalars(select(RiskMonth)).all()
    assert [(r.month, r.effect, r.next_steps, r.recorded_by) for r in rows] == [
        ("2026-03", "好转", "", "office")
    ]
    assert _actions(desk)[-2:] == ["risk.month_recorded", "risk.month_replaced"]
    entry = desk.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.before["effect"] == "平稳"
    service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                         risk_id=risk_id, month="2026-02", effect="上月")  # fmt: skip
    months = service.months_of(session=desk.session, actor=desk["auditor"], risk_id=risk_id)
    assert [m.month for m in months] == ["2026-03", "2026-02"]
    assert verify(session=desk.session).problem is None


def test_overdue_and_missing_this_month(desk: Desk) -> None:
    today = service.today(session=desk.session, clock=desk.clock)
    late = _add(desk, title="逾期", deadline=today - timedelta(days=1))
    due_today = _add(desk, title="今日到期", deadline=today)
    mitigated = _add(desk, title="已缓解", deadline=today - timedelta(days=30))
    service.update_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                        risk_id=mitigated, changes={"status": "mitigated"})  # fmt: skip
    service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                         risk_id=due_today, note="已报")  # fmt: skip
    closed = _add(desk, title="销号")
    service.close_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                       risk_id=closed, reason="已化解")  # fmt: skip
    month, overdue = service.get_all(session=desk.session, clock=desk.clock,
                                     actor=desk["office"], overdue=True)  # fmt: skip
    assert month == "2026-03" and [r.point.id for r in overdue] == [late]
    _, missing = service.get_all(session=desk.session, clock=desk.clock, actor=desk["office"],
                                 missing=True)  # fmt: skip
    assert [r.point.id for r in missing] == [late, mitigated]  # closed needs no status
    _, last_month = service.get_all(session=desk.session, clock=desk.clock,
                                    actor=desk["office"], month="2026-02", missing=True)  # fmt: skip
    assert {r.point.id for r in last_month} == {late, due_today, mitigated}


def test_close_and_reopen(desk: Desk) -> None:
    risk_id = _add(desk)
    service.close_risk(session=desk.session, clock=desk.clock, actor=desk["leader"],
                       risk_id=risk_id, reason="已化解")  # fmt: skip
    with pytest.raises(Conflict):
        service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                             risk_id=risk_id, note="x")  # fmt: skip
    with pytest.raises(Conflict):
        service.update_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                            risk_id=risk_id, changes={"status": "mitigated"})  # fmt: skip
    with pytest.raises(Conflict):
        service.close_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                           risk_id=risk_id)  # fmt: skip
    point = service.reopen_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                                risk_id=risk_id)  # fmt: skip
    assert point.status == "open" and point.close_reason is None
    desk.session.commit()
    assert _actions(desk)[-2:] == ["risk.closed", "risk.reopened"]


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"title": "  "}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"lead_department": "nowhere"}, "lead_department"),
        ({"departments": ["edu", "ghost"]}, "departments"),
        ({"measures": "ok\x07"}, "measures"),
        ({"owner": "two\nlines"}, "owner"),
    ],
)
def test_hostile_input_is_one_line_naming_the_field(
    desk: Desk, fields: dict[str, object], where: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _add(desk, **fields)
    assert refused.value.where == where and "\n" not in refused.value.message


@pytest.mark.parametrize("month", ["2026-13", "26-03", "2026-3", "2026-03-01", "1999-01", ""])
def test_bad_months_are_refused(desk: Desk, month: str) -> None:
    risk_id = _add(desk)
    if not month:  # no words at all is refused too
        with pytest.raises(InvalidInput):
            service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                                 risk_id=risk_id)  # fmt: skip
        return
    with pytest.raises(InvalidInput, match="month"):
        service.record_month(session=desk.session, clock=desk.clock, actor=desk["office"],
                             risk_id=risk_id, month=month, note="x")  # fmt: skip


def test_unknown_status_and_field_refused(desk: Desk) -> None:
    risk_id = _add(desk)
    with pytest.raises(InvalidInput, match="status"):
        service.update_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                            risk_id=risk_id, changes={"status": "closed"})  # fmt: skip
    with pytest.raises(InvalidInput):
        service.update_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                            risk_id=risk_id, changes={"version": 9})  # fmt: skip
    with pytest.raises(InvalidInput):
        service.get_all(session=desk.session, clock=desk.clock, actor=desk["office"],
                        status="lost")  # fmt: skip


def test_an_edit_of_every_field_is_one_version_and_no_change_none(desk: Desk) -> None:
    """Resolving the departments read the store and so flushed the fields changed before
    it: one edit made two versions (the page's form sends every field)."""
    risk_id = _add(desk, departments=["edu"], owner="王")
    changes = {"title": "传染病防控（秋季）", "lead_department": "edu",
               "departments": ["health"], "owner": None, "deadline": date(2026, 5, 31),
               "domain": None, "description": "学校", "measures": "晨检"}  # fmt: skip
    point = service.update_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                                risk_id=risk_id, expected_version=1, changes=changes)  # fmt: skip
    desk.session.commit()
    assert point.version == 2 and point.departments == ["health"]
    same = service.update_risk(session=desk.session, clock=desk.clock, actor=desk["office"],
                               risk_id=risk_id, expected_version=2, changes=changes)  # fmt: skip
    desk.session.commit()
    assert same.version == 2
    assert _actions(desk).count("risk.changed") == 1
