"""The alerts page: level names, deliveries and their attempts, acknowledging; the link
page's level name."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.fakes.fixtures import smtp_server  # noqa: F401 - a pytest fixture
from tests.fakes.smtp import FakeSmtp
from tests.web.conftest import csrf_of
from tests.web.pages_data import fill
from yuqing.alerts import service as alerts_service
from yuqing.alerts.dispatcher import dispatch_due
from yuqing.alerts.models import Alert, Delivery, DeliveryAttempt
from yuqing.alerts.routing import Recipient
from yuqing.alerts.sending import ChannelSettings, make_sender
from yuqing.core.clock import FrozenClock
from yuqing.db.engine import make_sessionmaker

SignIn = Callable[[str], tuple[TestClient, str]]


def test_alerts_are_listed_with_deliveries_and_acknowledged(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    fill(store, clock)
    client, csrf = signed_in("monitor")
    page = client.get("/alerts").text
    assert '<span class="level">重大</span>' in page and "clerk@example.cn" in page
    # The level once: the badge, not the title's 【重大】 again beside it.
    assert '<span class="level">重大</span> 某中学食堂饭菜发霉</h2>' in page
    assert "负面占比 100%，超过预案规定的 50%" in page
    # The channel in words; a recipient the plan does not know stays as it was kept.
    assert "<td>邮件</td>" in page and "<td>email</td>" not in page and "clerk · " in page
    with Session(store.engine) as session:
        alert = session.scalars(select(Alert)).one()
        alert_id, token = alert.id, alert.ack_token
        # A recipient the plan knows (its person `wang_jianguo`) reads by their name.
        session.add(Delivery(alert_id=alert_id, purpose="alert", recipient="wang_jianguo",
                             channel="wecom", address="https://robot.example/hook",
                             idempotency_key="t-wang", not_before=clock.now()))  # fmt: skip
        session.commit()
    page = client.get("/alerts").text
    assert "王建国 · " in page and "wang_jianguo" not in page and "<td>企业微信</td>" in page
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


def test_each_delivery_attempt_is_listed_with_its_outcome_and_code(
    signed_in: SignIn,
    store: Store,
    clock: FrozenClock,
    smtp_server: FakeSmtp,  # noqa: F811 - the imported fixture
) -> None:
    fill(store, clock)
    sessions = make_sessionmaker(store.engine)
    smtp = {"host": smtp_server.host, "port": smtp_server.port, "sender": "yq@example.cn"}
    with httpx.Client(trust_env=False) as http:
        send = make_sender(settings=ChannelSettings(smtp=smtp), clock=clock, http=http)
        smtp_server.fail_next("451 4.3.0 mailbox busy, try later")
        dispatch_due(sessions=sessions, clock=clock, send=send)
        clock.advance(timedelta(seconds=30))
        dispatch_due(sessions=sessions, clock=clock, send=send)
    assert [m.rcpt_tos for m in smtp_server.accepted] == [["clerk@example.cn"]]
    with Session(store.engine) as session:
        tries = session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
        assert [(t.ok, t.retryable, t.code) for t in tries] == [
            (False, True, "451"),
            (True, False, "250"),
        ]
    client, _csrf = signed_in("monitor")
    page = client.get("/alerts").text
    attempts = re.findall(r'<li class="wrap attempt">(.*?)</li>', page, re.S)
    assert len(attempts) == 2
    assert "失败，将重试" in attempts[0] and "代码 451" in attempts[0]
    assert "mailbox busy, try later" in attempts[0]
    assert "已送达" in attempts[1] and "代码 250" in attempts[1]


def test_the_acknowledgement_link_speaks_its_recipients_language(
    signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    """The link's delivery names the person it went to: their setting, else the default."""
    fill(store, clock)
    english = ["[Major] Mouldy food in a school canteen", "Grounds: 100% negative"]
    with Session(store.engine) as session:
        alert = session.scalars(select(Alert)).one()
        alert.texts = {"zh_CN": [alert.title, alert.text], "en": english}
        route = [
            Recipient("auditor", "审计", "email", "a@example.cn"),  # a user, English
            Recipient("office", "办公室", "email", "o@example.cn"),  # a user, Chinese
            Recipient("city-bureau", "市教育局", "email", "c@example.cn"),  # no account
        ]
        alerts_service.add_deliveries(session, alert, route, purpose="alert", round_no=0,
                                      not_before=clock.now())  # fmt: skip
        by = {d.recipient: d.id for d in session.scalars(select(Delivery))}
        token = alert.ack_token
        session.commit()
    auditor, csrf = signed_in("auditor")
    auditor.post("/account/language", data={"language": "en", "csrf_token": csrf})
    anonymous = TestClient(auditor.app, follow_redirects=False)

    page = anonymous.get(f"/ack/{token}?d={by['auditor']}").text
    assert english[1] in page and "Acknowledge" in page and '<html lang="en"' in page
    assert "依据" not in page and "确认收到" not in page
    for chinese in (f"?d={by['office']}", f"?d={by['city-bureau']}", "", "?d=999999"):
        page = anonymous.get(f"/ack/{token}{chinese}").text
        assert "依据：负面占比 100%" in page and "确认收到" in page, chinese
    assert anonymous.get(f"/ack/{token}?d=abc").status_code == 422

    # Acknowledging through the link answers in the same language.
    form = anonymous.get(f"/ack/{token}?d={by['auditor']}")
    done = anonymous.post(f"/ack/{token}?d={by['auditor']}",
                          data={"by": "Ann", "csrf_token": csrf_of(form.text)})  # fmt: skip
    assert done.status_code == 200 and "Acknowledged by link:Ann" in done.text
    # A signed-in reader reads it in their own language, whoever the link was for.
    office, _ = signed_in("office")
    assert "依据：负面占比 100%" in office.get(f"/ack/{token}?d={by['auditor']}").text
