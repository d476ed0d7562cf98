"""The demo's sign-ins: one user per role of the contract, password yuqing-demo."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yuqing.auth import service as auth_service
from yuqing.demo.accounts import DEMO_PASSWORD, DEMO_ROLES, create_demo_users


def test_one_login_per_role_of_the_contract(store, clock) -> None:
    assert DEMO_ROLES == (
        "admin", "office", "leader", "monitor", "department", "spokesperson", "auditor",
    )  # fmt: skip
    with Session(store.engine) as session:
        assert create_demo_users(session=session, clock=clock) == list(DEMO_ROLES)
        assert create_demo_users(session=session, clock=clock) == list(DEMO_ROLES)  # idempotent
        session.commit()
        for role in DEMO_ROLES:
            user = auth_service.get_user(session=session, name=role)
            assert user is not None and user.role == role
    assert DEMO_PASSWORD == "yuqing-demo"
