"""How the plan runs a response (处置): report kinds, who approves and who ends it.

Optional in a plan file: a plan without `response:` gets these defaults, so plans written
before incidents existed stay valid. The deadlines themselves stay in `deadlines:`; this
section says which report kind each of them drives (docs/plans.md, "response").
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from yuqing.plan.base import Duration, Id, PlanModel

ReportKind = Literal["initial", "flash", "progress", "special", "closing"]
REPORT_KINDS: tuple[str, ...] = ("initial", "flash", "progress", "special", "closing")

# Which deadline of `deadlines.<level>` clocks which report kind (progress reports use the
# times of day in `progress_reports_at`; the closing report counts from the end).
REPORT_DEADLINES: dict[str, str] = {
    "initial": "report_within",
    "flash": "written_report_within",
    "special": "upward_report_within",
    "progress": "progress_reports_at",
    "closing": "closing_evaluation_within",
}


class ResponseRules(PlanModel):
    """The `response:` section; every field has a default."""

    # Report kinds drafted when a level is confirmed, per level id. A level not listed
    # gets every kind whose deadline it sets (the closing report waits for the end).
    reports: dict[Id, list[ReportKind]] = Field(default_factory=dict)
    # Whether the author of a statement may approve it at a step of its chain.
    author_may_approve: bool = False
    # Roles (of the accounts: leader, office, admin …) whose decision ends a response.
    end_by: list[Id] = Field(default_factory=lambda: ["leader"])
    # Roles that see confidential incidents besides the people each incident names.
    confidential_roles: list[Id] = Field(default_factory=lambda: ["leader"])
    # Whether department users see every event (and its alerts), not only those routed
    # to their department by the watches their posts matched.
    departments_see_all: bool = False
    # A reminder goes out this long before each deadline; escalation when it passes.
    remind_before: Duration = timedelta(minutes=15)
