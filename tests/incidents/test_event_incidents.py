"""What an event page shows of incidents, read without whole rows of every open incident:
the same incidents as the whole-row list, for each kind of viewer."""

from __future__ import annotations

from tests.incidents.conftest import World, add_event
from yuqing.incidents import service
from yuqing.incidents.views import for_event


def test_an_event_page_offers_the_open_incidents_each_viewer_may_see(world: World) -> None:
    w = world
    event_id = add_event(w.session, w.clock)
    other = add_event(w.session, w.clock, "ev-2")
    holder = service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], event_ids=[event_id]
    )
    w.add("dept_user", "department", "logistics")
    for n, confidential in enumerate((False, True)):
        service.open_incident(
            session=w.session,
            clock=w.clock,
            actor=w.actors["boss"],
            tip_channel="phone",
            tip_text=f"家长来电反映食堂问题 {n}",
            confidential=confidential,
            readers=["spokes"] if confidential else [],
        )
    service.open_incident(
        session=w.session, clock=w.clock, actor=w.actors["boss"], event_ids=[other]
    )
    w.session.flush()
    for name in ("boss", "monitor1", "spokes", "duty_office", "dept_user"):
        actor = w.actors[name]
        shown = for_event(w.session, actor, event_id)
        whole = service.get_all(session=w.session, actor=actor, status="open", limit=200)
        assert [(i.id, i.title) for i in shown["open"]] == [
            (i.id, i.title) for i in whole if i.id != holder.id
        ], name
        # … and the same from the rows pages share between viewers (open_rows).
        shared = service.open_rows(session=w.session)
        assert for_event(w.session, actor, event_id, shared)["open"] == shown["open"], name
        holding = [i.id for i in service.get_all(session=w.session, actor=actor, limit=200)]
        assert [i.id for i in shown["of_event"]] == [i for i in holding if i == holder.id], name
    # A confidential case is offered only to those it names (or the plan's roles).
    assert len(for_event(w.session, w.actors["spokes"], event_id)["open"]) == 3
