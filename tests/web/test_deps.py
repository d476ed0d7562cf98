"""Role and department checks as dependencies (no store needed)."""

from __future__ import annotations

import asyncio

import pytest

from yuqing.auth.schemas import Actor
from yuqing.core.errors import Forbidden
from yuqing.web.deps import require_role, scope_of
from yuqing.web.navigation import PAGES, menu


def _actor(role: str, department: str | None = None) -> Actor:
    return Actor(name=role, display_name="", role=role, department=department)  # type: ignore[arg-type]


def test_a_department_user_sees_only_their_department() -> None:
    scope = scope_of(_actor("department", "edu"))
    assert scope.allows({"edu"}) and scope.allows({"health", "edu"})
    assert not scope.allows({"health"}) and not scope.allows(set())
    with pytest.raises(Forbidden, match="其他部门"):
        scope.check({"health"})
    assert not scope_of(_actor("department")).allows(set())  # no department: nothing
    for role in ("admin", "office", "leader", "monitor", "spokesperson", "auditor"):
        assert scope_of(_actor(role)).allows({"health"}) and scope_of(_actor(role)).allows(set())
    # The plan may let department users see every event.
    assert scope_of(_actor("department", "edu"), see_all=True).allows({"health"})


def test_require_role_lets_only_its_roles_through() -> None:
    check = require_role("admin", "auditor")
    assert asyncio.run(check(_actor("auditor"))).name == "auditor"
    with pytest.raises(Forbidden):
        asyncio.run(check(_actor("monitor")))
    with pytest.raises(ValueError, match="boss"):
        require_role("boss")  # type: ignore[arg-type]


def test_the_menu_follows_the_pages_table() -> None:
    assert [p.path for p in menu(_actor("admin"), drill=True)] == [p.path for p in PAGES]
    # The drill's score is in the menu of a drill's sandbox only (docs/drills.md).
    assert [p.path for p in menu(_actor("admin"))] == [p.path for p in PAGES if p.path != "/drill"]
    assert [p.path for p in menu(_actor("department", "edu"))] == [
        "/",
        "/events",
        "/alerts",
        "/incidents",
        "/my-work",
        "/risks",
    ]
    assert [p.path for p in menu(_actor("auditor"))] == [
        "/",
        "/events",
        "/plan",
        "/reports",
        "/assessment",
        "/risks",
        "/audit",
    ]
    assert [p.path for p in menu(_actor("auditor"), drill=True)][-1] == "/drill"
