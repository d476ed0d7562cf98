"""Fixtures of the risk register tests: a store with users of every role (the web
tests' users: `department` in "edu", `department2` in "health") and a session on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session

from tests.conftest import Store
from tests.web.conftest import app, client, signed_in, users  # noqa: F401 - fixtures
from yuqing.auth import service as auth_service
from yuqing.auth.schemas import Actor
from yuqing.core.clock import FrozenClock


@dataclass
class Desk:
    """A session on the store, its clock, and the users as actors by name."""

    session: Session
    clock: FrozenClock
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Actor:
        if name not in self.actors:
            user = auth_service.get_user_or_raise(session=self.session, name=name)
            self.actors[name] = auth_service.actor_of(user)
        return self.actors[name]


@pytest.fixture
def desk(store: Store, clock: FrozenClock, users: list[str]) -> Iterator[Desk]:  # noqa: F811
    with Session(store.engine) as session:
        yield Desk(session, clock)
