"""The pages of CONTRACTS "Web pages and accounts", who may open each, and the menu.

One table serves the menu (a user sees the pages their role opens) and the pages' own
checks: a page's route uses `Depends(page_roles("/feed"))`, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from yuqing.auth.schemas import ROLES, Actor, Role
from yuqing.core.i18n import N_

ALL: tuple[Role, ...] = ROLES  # type: ignore[assignment]  # ROLES holds the Literal's values


@dataclass(frozen=True)
class Page:
    path: str
    label: str  # an N_() msgid, translated where shown
    roles: tuple[Role, ...]


PAGES: tuple[Page, ...] = (
    Page("/", N_("Dashboard"), ALL),
    Page("/feed", N_("Live feed"), ("admin", "office", "leader", "monitor")),
    Page("/events", N_("Events"), ALL),
    Page(
        "/alerts",
        N_("Alerts"),
        ("admin", "office", "leader", "monitor", "department", "spokesperson"),
    ),
    # Incidents: everyone who opens or works on one (the service hides what they may not see).
    Page(
        "/incidents",
        N_("Incidents"),
        ("admin", "office", "leader", "monitor", "department", "spokesperson"),
    ),
    Page(
        "/my-work",
        N_("My work"),
        ("admin", "office", "leader", "monitor", "department", "spokesperson"),
    ),
    Page("/search", N_("Search"), ("admin", "office", "leader", "monitor")),
    Page("/plan", N_("Plan"), ("admin", "office", "leader", "auditor")),
    Page("/reports", N_("Reports"), ("admin", "office", "leader", "auditor")),
    # The organization's year-end evaluation: it names people of every department, so a
    # department user does not open it (docs/assessment.md "Who").
    Page("/assessment", N_("Assessment"), ("admin", "office", "leader", "auditor")),
    # The risk register: a department sees and keeps the points it leads or shares.
    Page("/risks", N_("Risk register"), ("admin", "office", "leader", "department", "auditor")),
    Page("/admin/users", N_("Users"), ("admin",)),
    Page("/admin/sources", N_("Sources"), ("admin",)),
    Page("/admin/watches", N_("Watches"), ("admin", "office")),
    Page("/admin/report-templates", N_("Report templates"), ("admin",)),
    Page("/audit", N_("Audit trail"), ("admin", "auditor")),
    # Only in a drill's sandbox (menu(drill=True)): its score so far.
    Page("/drill", N_("Drill score"), ("admin", "office", "leader", "auditor")),
)
DRILL_ONLY = frozenset({"/drill"})
_BY_PATH = {page.path: page for page in PAGES}

# PRODUCT §1's names of the roles, as people read them.
ROLE_LABELS: dict[str, str] = {
    "admin": N_("Administrator"),
    "office": N_("Office"),
    "leader": N_("Leader"),
    "monitor": N_("Monitor"),
    "department": N_("Department"),
    "spokesperson": N_("Spokesperson"),
    "auditor": N_("Auditor"),
}


def menu(user: Actor, *, drill: bool = False) -> list[Page]:
    """The pages `user` may open, in menu order; the drill's own only in a sandbox."""
    return [
        page for page in PAGES if user.role in page.roles and (drill or page.path not in DRILL_ONLY)
    ]


def page_roles(path: str) -> Callable[[Actor], Awaitable[Actor]]:
    """The role check of the page at `path` (a dependency, as `require_role`)."""
    from yuqing.web.deps import require_role

    return require_role(*_BY_PATH[path].roles)
