"""The event pages: the list, an event with its level in words, and the decisions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.pages_data import EVENT, HOSTILE, OTHER, _post, fill
from yuqing.alerts.models import LevelDecision
from yuqing.auth.models import AuditEntry
from yuqing.core.clock import FrozenClock
from yuqing.monitor.models import StoredPost

SignIn = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def data(store: Store, clock: FrozenClock) -> None:
    fill(store, clock)


def test_the_list_names_levels_as_the_plan_does(data: None, signed_in: SignIn) -> None:
    client, _csrf = signed_in("monitor")
    page = client.get("/events")
    assert page.status_code == 200
    assert "某中学食堂饭菜发霉" in page.text and "道路施工扰民" in page.text
    assert "重大" in page.text and ">II<" not in page.text


def test_a_department_user_lists_only_their_events(data: None, signed_in: SignIn) -> None:
    client, _csrf = signed_in("department")
    page = client.get("/events").text
    assert "某中学食堂饭菜发霉" in page and "道路施工扰民" not in page
    assert client.get(f"/events/{OTHER}").status_code == 403


def test_the_event_page_says_its_reasons_in_sentences(data: None, signed_in: SignIn) -> None:
    client, _csrf = signed_in("leader")
    page = client.get(f"/events/{EVENT}").text
    assert "负面占比 100%，超过预案规定的 50%" in page
    assert "min_negative_share" not in page and "negative_share=" not in page
    assert "重大" in page
    assert "news.example.cn" in page  # the copy of the first post
    # Hostile post content is escaped, never markup.
    assert HOSTILE not in page
    assert 'href="javascript:' not in page  # a post's url that is not http(s): no link
    series = client.get(f"/events/{EVENT}/series.json").json()
    assert series["posts"] == [1, 1, 1] and series["negative_share"] == [1.0, 1.0, 1.0]
    # Hours read in the plan's zone (Asia/Shanghai), as every other time on the page.
    assert all(hour.endswith("+08:00") for hour in series["hours"]), series["hours"]


def test_a_leader_confirms_the_proposed_level_and_it_is_audited(
    data: None, signed_in: SignIn, store: Store
) -> None:
    client, csrf = signed_in("leader")
    answer = client.post(f"/events/{EVENT}/level", data={"action": "confirm", "csrf_token": csrf})
    assert answer.status_code == 303
    with Session(store.engine) as session:
        decision = session.scalars(select(LevelDecision)).one()
        assert (decision.status, decision.level, decision.decided_by) == (
            "confirmed",
            "II",
            "leader",
        )
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and (entry.action, entry.target) == (
            "level.confirmed",
            f"event:{EVENT}",
        )
    assert "级别：重大，由 leader 决定" in client.get(f"/events/{EVENT}").text


def test_changing_a_level_needs_a_reason(data: None, signed_in: SignIn) -> None:
    client, csrf = signed_in("office")
    answer = client.post(
        f"/events/{EVENT}/level", data={"action": "change", "level": "III", "csrf_token": csrf}
    )
    assert answer.status_code == 400 or answer.status_code == 422
    answer = client.post(
        f"/events/{EVENT}/level",
        data={"action": "change", "level": "III", "reason": "已澄清", "csrf_token": csrf},
    )
    assert answer.status_code == 303
    assert "已澄清" in client.get(f"/events/{EVENT}").text


def test_a_monitor_may_not_decide(data: None, signed_in: SignIn) -> None:
    client, csrf = signed_in("monitor")
    page = client.get(f"/events/{EVENT}").text
    assert 'value="confirm"' not in page
    answer = client.post(f"/events/{EVENT}/level", data={"action": "confirm", "csrf_token": csrf})
    assert answer.status_code == 403


def test_the_summary_shows_in_the_list_the_event_page_and_the_dashboard(
    data: None, store: Store, signed_in: SignIn
) -> None:
    from yuqing.analysis.models import Event

    with Session(store.engine) as session:
        event = session.get(Event, EVENT)
        assert event is not None
        event.extra = {**event.extra, "summary": ["食堂饭菜发霉，家长投诉。", HOSTILE]}
        session.commit()
    client, _csrf = signed_in("leader")
    for path in ("/events", f"/events/{EVENT}", "/"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "食堂饭菜发霉，家长投诉。" in page.text, path
        assert HOSTILE not in page.text, path  # escaped, never markup


def test_a_copy_stored_after_the_page_was_read_shows_on_the_next_one(
    data: None, signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    # The copies are kept between pages (analysis/views.py): a new copy, even one that
    # joins no event, must not wait for the kept ones to expire.
    client, _csrf = signed_in("leader")
    assert "paper.example.cn" not in client.get(f"/events/{EVENT}").text
    with Session(store.engine) as session:
        first = session.scalars(select(StoredPost).where(StoredPost.post_id == "p1")).one()
        session.add(_post("paper.example.cn", "p9", "食堂饭菜发霉", "转载", clock.now(),
                          duplicate_of_pk=first.pk, duplicate_of="p1"))  # fmt: skip
        session.commit()
    assert "paper.example.cn" in client.get(f"/events/{EVENT}").text


def test_the_incidents_of_an_event_are_not_called_events(data: None, signed_in: SignIn) -> None:
    """On an event page a heading 事件 over its incidents read as a list of events."""
    client, _csrf = signed_in("office")
    page = client.get(f"/events/{EVENT}").text
    heading = page.split('<h2 id="incident-heading">', 1)[1].split("</h2>", 1)[0]
    assert heading == "处置事项"


def test_the_merge_form_offers_the_other_events_by_title(data: None, signed_in: SignIn) -> None:
    """The merge takes an event's id, which the pages show nowhere but in addresses: the
    field offers the latest events by title."""
    client, _csrf = signed_in("monitor")
    page = client.get(f"/events/{EVENT}").text
    choices = page.split('<datalist id="merge-choices">', 1)[1].split("</datalist>", 1)[0]
    assert f'<option value="{OTHER}">道路施工扰民</option>' in choices
    assert f'value="{EVENT}"' not in choices  # not itself
    assert 'list="merge-choices"' in page
    # Its label says what to pick, by title: no event number (编号) people never see.
    label = page.split('<label for="merge-other">', 1)[1].split("</label>", 1)[0]
    assert label == "并入本事件的事件（按标题选择）" and "编号" not in label


def test_a_level_confirmed_on_the_event_page_raises_its_open_incident(
    data: None, signed_in: SignIn, store: Store, clock: FrozenClock
) -> None:
    from yuqing.auth import service as auth_service
    from yuqing.incidents import service as incidents
    from yuqing.incidents.models import Incident, IncidentLog

    with Session(store.engine) as session:
        office = auth_service.actor_of(
            auth_service.get_user_or_raise(session=session, name="office")
        )
        incident = incidents.open_incident(
            session=session, clock=clock, actor=office, event_ids=[EVENT]
        )
        incidents.confirm_level(
            session=session, clock=clock, actor=office, incident_id=incident.id, level="IV"
        )
        incident_id = incident.id
        session.commit()
    client, csrf = signed_in("leader")
    answer = client.post(f"/events/{EVENT}/level", data={"action": "confirm", "csrf_token": csrf})
    assert answer.status_code == 303
    with Session(store.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None and incident.level == "II"
        log = session.scalars(select(IncidentLog).order_by(IncidentLog.id.desc())).first()
        assert log is not None and (log.kind, log.actor, log.before, log.after) == (
            "level_raised",
            "leader",
            "IV",
            "II",
        )
    assert "重大" in client.get(f"/incidents/{incident_id}").text
