"""Fixtures of the web tests: the app under FastAPI's TestClient on one store, users of
every role (and of two departments), and signing in as one of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import Store
from yuqing.auth import service
from yuqing.auth.passwords import hash_password
from yuqing.auth.schemas import ROLES
from yuqing.core.clock import FrozenClock
from yuqing.core.settings import AuthSettings, Settings
from yuqing.web.app import create_app

PASSWORD = "yuqing-test-pass"
SERVICE_TOKEN = "service-token-0123456789"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
# Users named after their role; `department` is in "edu", `department2` in "health".
DEPARTMENT_USERS = {"department": "edu", "department2": "health"}


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


def add_user(
    store: Store,
    clock: FrozenClock,
    name: str,
    role: str,
    department: str | None = None,
    language: str = "zh_CN",
) -> None:
    with Session(store.engine) as session:
        user = service.create_user(session=session, clock=clock, actor="test", name=name, role=role,
                                   password=None, department=department, language=language)  # fmt: skip
        user.password_hash = _password_hash()
        session.commit()


@pytest.fixture
def users(store: Store, clock: FrozenClock) -> list[str]:
    """One user per role, named after it, plus a second department user."""
    for role in ROLES:
        if role != "department":
            add_user(store, clock, role, role)
    for name, department in DEPARTMENT_USERS.items():
        add_user(store, clock, name, "department", department)
    return [*ROLES, "department2"]


def make_app(store: Store, clock: FrozenClock, settings: Settings, **policy: int) -> FastAPI:
    settings = replace(settings, auth=replace(AuthSettings(), **policy)) if policy else settings
    return create_app(
        engine=store.engine, clock=clock, settings=settings, api_tokens=[SERVICE_TOKEN]
    )


@pytest.fixture
def app(store: Store, clock: FrozenClock, settings: Settings) -> FastAPI:
    return make_app(store, clock, settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign `client` in as `name`; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def signed_in(app: FastAPI, users: list[str]) -> Iterator[Callable[[str], tuple[TestClient, str]]]:
    """A new client signed in as a user, and its CSRF token."""
    clients: list[TestClient] = []

    def open_as(name: str) -> tuple[TestClient, str]:
        test_client = TestClient(app, follow_redirects=False)
        test_client.__enter__()
        clients.append(test_client)
        return test_client, sign_in(test_client, name)

    yield open_as
    for test_client in clients:
        test_client.__exit__(None, None, None)
