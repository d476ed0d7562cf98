"""Request dependencies (STYLE §2): a session per request, who is asking, role checks.

```python
@router.get("/plan")
def read_plan(user: Annotated[Actor, Depends(require_role("admin", "office"))]) -> ...

@router.get("/events/{event_id}")
def read_event(event_id: str, session: SessionDep, scope: Scope) -> ...:
    event = ...
    scope.check(departments_of(event))  # 403 outside the user's department
```

An anonymous visitor is sent to /login (303) by pages and gets 401 JSON from the API; a
signed-in user without the role or the department gets 403 (an HTML page or JSON).
web/error_pages.py turns these errors into answers; web/authn.py found the actor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from yuqing.auth.schemas import ROLES, Actor, Role
from yuqing.core.clock import Clock
from yuqing.core.errors import Forbidden, TooManyRequests, Unauthenticated
from yuqing.core.i18n import _
from yuqing.db.engine import session_scope
from yuqing.web.security import request_actor


def session_dep(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns."""
    with session_scope(request.app.state.sessions) as session:
        yield session


def read_session_dep(request: Request) -> Iterator[Session]:
    """A read-only session for a page that only reads (db/engine.py `make_reader`)."""
    # This process's commits so far, read before the session's first query: what the
    # figures shared between requests are checked against (web/memo.py `Recent`).
    version = getattr(request.app.state, "store_version", None)
    request.state.store_seen = version.commits if version is not None else None
    with session_scope(request.app.state.readers) as session:
        yield session


# The dependencies that only read the request are `async`: FastAPI runs a plain `def`
# dependency on a worker thread, and three such hops a page (the clock, who is asking,
# their role) cost more than the work they wrap under fifty users (bench/web.py).
async def clock_dep(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def current_user(request: Request) -> Actor:
    """The signed-in user or token holder; anonymous requests are refused (401 / to /login)."""
    actor = request_actor(request)
    if actor is None:
        raise Unauthenticated(_("a valid API token is needed (Authorization: Bearer …)"))
    retry_after: float = getattr(request.state, "retry_after", 0.0)
    if retry_after > 0:
        raise TooManyRequests(
            _("too many requests with this API token: try again in {seconds} s").format(
                seconds=max(1, round(retry_after))
            ),
            retry_after=retry_after,
        )
    return actor


# scope="function": commit before the response is sent. With the default ("request") the
# client hears 200 before the commit, so its next request can read the old state (a
# second acknowledgement accepted), and a failed commit would never reach it.
SessionDep = Annotated[Session, Depends(session_dep, scope="function")]
ReadSessionDep = Annotated[Session, Depends(read_session_dep, scope="function")]
ClockDep = Annotated[Clock, Depends(clock_dep)]
CurrentUser = Annotated[Actor, Depends(current_user)]


def require_role(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only `roles` through (403 for the others), giving the actor."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")  # a programming error

    async def check(user: CurrentUser) -> Actor:
        if user.role not in roles:
            raise Forbidden(_("your role may not do this"))
        return user

    check.roles = roles  # type: ignore[attr-defined]  # read by the authorization test
    return check


@dataclass(frozen=True)
class DepartmentScope:
    """What part of the organization a user sees: `department` None means all of it."""

    department: str | None

    def allows(self, departments: Collection[str]) -> bool:
        """Whether something routed to `departments` (none: to nobody in particular) is
        seen."""
        return self.department is None or self.department in departments

    def check(self, departments: Collection[str]) -> None:
        """403 unless one of `departments` is in scope."""
        if not self.allows(departments):
            raise Forbidden(_("this belongs to another department"))


# PRODUCT §1: a department (谁主管谁负责) sees what is routed to it; the other roles see all.
SCOPED_ROLES = frozenset({"department"})


def scope_of(user: Actor, *, see_all: bool = False) -> DepartmentScope:
    """The department scope of `user` (a department user without a department sees none);
    `see_all` when the plan lets department users see every event."""
    if user.role in SCOPED_ROLES and not see_all:
        return DepartmentScope(user.department or "\x00none")
    return DepartmentScope(None)


def scope_in(session: Session, user: Actor) -> DepartmentScope:
    """The scope of `user` under the plan in force (`response.departments_see_all`)."""
    if user.role not in SCOPED_ROLES:
        return DepartmentScope(None)
    from yuqing.plan import service as plan_service

    version = plan_service.get_active(session=session)
    see_all = version is not None and plan_service.parse(version).response.departments_see_all
    return scope_of(user, see_all=see_all)


def department_scope(user: CurrentUser, session: ReadSessionDep) -> DepartmentScope:
    return scope_in(session, user)


Scope = Annotated[DepartmentScope, Depends(department_scope)]
