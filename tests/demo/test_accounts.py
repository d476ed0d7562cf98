"""The demo's sign-ins exist only when accounts do; the demo never pretends."""

from __future__ import annotations

import importlib.util

import pytest
from sqlalchemy.orm import Session

from yuqing.demo.accounts import DEMO_ROLES, create_demo_users

HAS_ACCOUNTS = importlib.util.find_spec("yuqing.auth") is not None


@pytest.mark.skipif(HAS_ACCOUNTS, reason="accounts exist: the demo creates its users")
def test_no_logins_without_accounts(store, clock) -> None:
    with Session(store.engine) as session:
        assert create_demo_users(session=session, clock=clock) is None


def test_one_login_per_role_of_the_contract() -> None:
    assert DEMO_ROLES == (
        "admin", "office", "leader", "monitor", "department", "spokesperson", "auditor",
    )  # fmt: skip
