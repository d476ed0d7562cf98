"""The alerts page: level names, deliveries, acknowledging; the link page's level name."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import fill
from yuqing.alerts.models import Alert
from yuqing.core.clock import FrozenClock

SignIn = Callable[[str], tuple[TestClient, str]]


def test_alerts_are_listed_with_deliveries_and_acknowledged(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    client, csrf = signed_in("monitor")
    page = client.get("/alerts").text
    assert '<span class="level">重大</span>' in page and "clerk@example.cn" in page
    assert "负面占比 100%，超过预案规定的 50%" in page
    with Session(store.engine) as session:
        alert = session.scalars(select(Alert)).one()
        alert_id, token = alert.id, alert.ack_token
    answer = client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert "已由 monitor 于" in client.get("/alerts").text
    assert "级别：重大" in client.get(f"/ack/{token}").text  # the plan's name, not "II"
    other, other_csrf = signed_in("department2")
    assert "某中学食堂饭菜发霉" not in other.get("/alerts").text
    assert other.post(f"/alerts/{alert_id}/ack", data={"csrf_token": other_csrf}).status_code == 403


def test_an_alert_reads_in_the_readers_language(
    signed_in: Callable[[str], tuple[TestClient, str]], store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    with Session(store.engine) as session:
        alert = session.scalars(select(Alert)).one()
        alert.texts = {"zh_CN": [alert.title, alert.text],
                       "en": ["[Major] Mouldy food in a school canteen", "Grounds: 100% negative"]}  # fmt: skip
        token = alert.ack_token
        session.commit()
    client, csrf = signed_in("monitor")
    assert "依据：负面占比 100%" in client.get("/alerts").text
    client.post("/account/language", data={"language": "en", "csrf_token": csrf})
    page = client.get("/alerts").text
    assert "Grounds: 100% negative" in page and "依据" not in page
    # The acknowledgement link has no reader: the deployment's language.
    assert "依据：负面占比 100%" in TestClient(client.app).get(f"/ack/{token}").text
