"""The dashboard: levels by the plan's names, volume, due alerts, failing sources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import fill
from yuqing.alerts.models import Alert
from yuqing.auth.models import Department
from yuqing.core.clock import FrozenClock
from yuqing.monitor.models import Source

SignIn = Callable[[str], tuple[TestClient, str]]


def test_the_dashboard_shows_levels_volume_and_failing_sources(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    with Session(store.engine) as session:
        alert = session.scalars(select(Alert)).one()
        alert.ack_due_at = clock.now() + timedelta(minutes=10)
        session.add(Source(name="县论坛", kind="rss", url="http://127.0.0.1:1/x", created_at=clock.now(),
                           consecutive_failures=3, last_error="connection refused",
                           last_error_at=clock.now()))  # fmt: skip
        session.commit()
    client, _csrf = signed_in("office")
    page = client.get("/").text
    assert "建议级别（待确认）" in page and '<span class="level">重大</span> 1' in page
    assert "县论坛" in page and "连续失败 3 次" in page and "connection refused" in page
    volume = client.get("/dashboard/volume.json").json()
    assert len(volume["hours"]["posts"]) == 24 and sum(volume["hours"]["posts"]) == 3
    assert len(volume["days"]["posts"]) == 7 and sum(volume["days"]["posts"]) == 3
    stream = client.get("/dashboard/stream", params={"polls": 1})
    assert stream.headers["content-type"].startswith("text/event-stream")
    due = page.split('id="due-heading"', 1)[1].split("</section>", 1)[0]
    assert "确认期限" in due and "确认已超时" not in due
    clock.advance(timedelta(minutes=15))  # past its acknowledgement deadline
    due = client.get("/").text.split('id="due-heading"', 1)[1].split("</section>", 1)[0]
    assert "<strong>确认已超时，期限</strong>" in due


def test_a_department_user_sees_their_events_only(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    clock.advance(timedelta(minutes=1))
    client, _csrf = signed_in("department")
    page = client.get("/").text
    assert "某中学食堂饭菜发霉" in page and "道路施工扰民" not in page
    assert client.get("/dashboard/volume.json").json()["hours"]["posts"] == []
    # It lists what is routed to them, and does not also say nothing is.
    assert "目前还没有分派给本部门的内容" not in page


def test_a_department_is_read_by_its_display_name(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    client, _csrf = signed_in("department")  # of department "edu"
    with Session(store.engine) as session:
        edu = session.scalars(select(Department).where(Department.name == "edu")).one()
        edu.display_name = "教育科"
        session.commit()
    page = client.get("/").text
    assert "教育科" in page and "（edu）" not in page
    assert "目前还没有分派给本部门的内容" in page  # nothing routed to it yet
