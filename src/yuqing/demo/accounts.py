"""The demo's sign-ins: one user per role, named after it (CONTRACTS "Web pages and accounts").

Accounts come with the web UI (`yuqing.auth`). Until that package is installed, this
creates nothing and says so: the demo never prints logins that do not exist.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from sqlalchemy.orm import Session

from yuqing.core.clock import Clock

DEMO_ROLES = ("admin", "office", "leader", "monitor", "department", "spokesperson", "auditor")
DEMO_PASSWORD = "yuqing-demo"  # noqa: S105  # CONTRACTS: the printed demo logins


def _auth_service() -> Any | None:
    """`yuqing.auth.service` when it exists and can create users, else None."""
    if importlib.util.find_spec("yuqing.auth") is None:
        return None
    if importlib.util.find_spec("yuqing.auth.service") is None:
        return None
    module = importlib.import_module("yuqing.auth.service")
    return module if callable(getattr(module, "create_user", None)) else None


def create_demo_users(*, session: Session, clock: Clock) -> list[str] | None:
    """Make sure the demo users exist; their names, or None while there are no accounts.

    The one seam to the accounts: wire it to `auth.service` when that lands.
    """
    auth = _auth_service()
    if auth is None:
        return None
    # The accounts branch creates the users (and the department user's department).
    auth.create_demo_users(session=session, clock=clock)
    return list(DEMO_ROLES)
