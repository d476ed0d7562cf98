"""Fixtures of the incident tests: an example plan loaded, users for every step of its
approval chains, and an event with posts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.conftest import app, client, signed_in, users  # noqa: F401 - fixtures
from yuqing.analysis.models import Event, EventPost
from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import FrozenClock
from yuqing.core.i18n import use_locale
from yuqing.monitor.models import StoredPost
from yuqing.plan import service as plan_service
from yuqing.plan.examples import example_plan_text
from yuqing.plan.schema import Plan

PLANS = ("county_bureau", "school", "township")
# The account role that stands in for a plan role a chain names.
ACCOUNT_ROLE = {"office": "office", "spokesperson": "spokesperson", "department": "department"}


@dataclass
class World:
    session: Session
    clock: FrozenClock
    plan: Plan
    actors: dict[str, Actor] = field(default_factory=dict)

    def add(self, name: str, role: str, department: str | None = None) -> Actor:
        if name not in self.actors:
            user = auth_service.create_user(
                session=self.session,
                clock=self.clock,
                actor="test",
                name=name,
                role=role,
                password=None,
                language="en",
                department=department,
            )
            self.actors[name] = auth_service.actor_of(user)
        return self.actors[name]

    def approvers(self, level: str) -> list[Actor]:
        """One user per step of the level's chain, in order."""
        out = []
        for step in self.plan.approvals[level]:
            if step.person is not None:
                out.append(self.add(step.person, "leader"))
                continue
            assert step.role is not None
            holder = self.plan.people_with_role(step.role, step.unit)[0]
            role = ACCOUNT_ROLE.get(step.role, "office")
            department = step.unit or holder.unit
            out.append(self.add(holder.id, role, department))
        return out

    @property
    def most_severe(self) -> str:
        return self.plan.levels_by_severity()[0].id


def add_event(session: Session, clock: FrozenClock, event_id: str = "ev-1", posts: int = 3) -> str:
    now = clock.now()
    event = Event(
        id=event_id,
        title="某校食堂饭菜变质引发家长质疑",
        keywords=["食堂"],
        first_source="weibo",
        first_at=now - timedelta(hours=1),
        last_at=now,
        posts=posts,
        sites=2,
        negative=2,
        top_tier="local",
        updated_at=now,
    )
    session.add(event)
    session.flush()
    for n in range(posts):
        post = StoredPost(
            uid=f"{event_id}-{n}",
            post_id=f"p{n}",
            source="weibo",
            url=f"https://w.example/{n}",
            title=f"食堂 {n}",
            text=f"家长说食堂饭菜变质 {n}",
            folded=f"家长说食堂饭菜变质 {n}",
            published_at=now - timedelta(minutes=50 - n),
            received_at=now,
            content_key=f"k{n}",
        )
        session.add(post)
        session.flush()
        session.add(EventPost(event_id=event_id, post_pk=post.pk, joined_at=now))
    session.flush()
    return event_id


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English, so tests read them the way the code writes them."""
    with use_locale("en"):
        yield


@pytest.fixture(params=PLANS)
def world(request: pytest.FixtureRequest, store: Store, clock: FrozenClock) -> Iterator[World]:
    """An example plan loaded; the clock is Monday 2026-03-02 09:00 in Shanghai."""
    assert clock.now() == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with Session(store.engine) as session:
        plan_service.load(
            session=session,
            clock=clock,
            author="test",
            text=example_plan_text(request.param),
            source_name=f"{request.param}.yaml",
        )
        plan = plan_service.get_active_plan(session=session)
        assert plan is not None
        world = World(session, clock, plan)
        world.add("monitor1", "monitor")
        world.add("duty_office", "office", "office")
        world.add("boss", "leader")
        world.add("spokes", "spokesperson")
        session.commit()
        yield world
