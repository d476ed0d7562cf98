"""The demo school's risk register (风险点台账): three known risk points, one of them with
this month's status, one past its deadline, so the register page shows what it marks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from yuqing.auth import service as auth_service
from yuqing.core.clock import Clock
from yuqing.risks import service as risks


def add_demo_risks(*, session: Session, clock: Clock) -> None:
    """Entered by the demo's office user, once (a home that has points keeps them)."""
    user = auth_service.get_user(session=session, name="office")
    if user is None:
        return
    office = auth_service.actor_of(user)
    if risks.get_all(session=session, clock=clock, actor=office)[1]:
        return
    today = clock.now().astimezone(risks.zone(session)).date()
    canteen = risks.add_risk(
        session=session, clock=clock, actor=office, title="学生食堂食品安全",
        lead_department="logistics", departments=["student_affairs"],
        description="食堂供餐约1800人次/日，夏季食材易变质，家长关注度高。",
        measures="食品留样48小时；供货商索证索票；每周家长陪餐；从业人员健康证复核。",
        deadline=today + timedelta(days=60),
    )  # fmt: skip
    risks.record_month(
        session=session, clock=clock, actor=office, risk_id=canteen.id,
        situation="本月未发生食品安全事件；有家长反映菜品偏咸。",
        measures="完成后厨卫生自查2次，更换1家蔬菜供货商。",
        effect="市场监管所抽检合格。", next_steps="开展食堂满意度问卷，公布结果。",
    )  # fmt: skip
    risks.add_risk(
        session=session, clock=clock, actor=office, title="校园周边上下学交通安全",
        lead_department="student_affairs", departments=["office"],
        measures="上下学时段护学岗；请交警中队在校门口设置减速标志。",
        deadline=today + timedelta(days=30),
    )  # fmt: skip
    risks.add_risk(
        session=session, clock=clock, actor=office, title="招生与收费政策解读不到位",
        lead_department="academic", departments=["office"],
        measures="招生简章和收费标准在学校网站公开；咨询答复由办公室统一口径。",
        deadline=today - timedelta(days=3),
    )  # fmt: skip
