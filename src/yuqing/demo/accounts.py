"""The demo's sign-ins: one user per role, named after it (CONTRACTS "Web pages and accounts")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from yuqing.auth import service as auth_service
from yuqing.auth.schemas import ROLES
from yuqing.core.clock import Clock

DEMO_ROLES = ROLES
DEMO_PASSWORD = auth_service.DEMO_PASSWORD


def create_demo_users(*, session: Session, clock: Clock) -> list[str]:
    """Make sure the demo users exist (a demo home only); the names of all of them."""
    auth_service.create_demo_users(session=session, clock=clock)
    return list(DEMO_ROLES)
