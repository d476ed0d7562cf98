"""The name people read for a department, wherever a page shows one.

Events, watches, incidents and users keep a department by its id (`edu`, `logistics`):
the departments table may give it a display name (后勤处), and the plan's organization
may have a unit of that id with its name. A department with neither is shown by its id,
labelled as a department (部门“edu”), so it still reads as a name and not as a code.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from yuqing.auth.schemas import unnamed_department
from yuqing.auth.service import get_all_departments
from yuqing.plan import service as plan_service
from yuqing.plan.schema import Plan


class DepartmentNames:
    """`names(id)` → the department's name in words (see the module)."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def __call__(self, department: str | None) -> str:
        if not department:
            return "-"
        return self.names.get(department) or unnamed_department(department)


def department_names(*, session: Session, plan: Plan | None = None) -> DepartmentNames:
    """The departments table's display names, else the names of the plan's units of the
    same id (the plan in force unless `plan` is given)."""
    if plan is None:
        plan = plan_service.get_active_plan(session=session)
    names = {unit.id: unit.name for unit in plan.units} if plan is not None else {}
    for department in get_all_departments(session=session):
        if department.display_name:
            names[department.name] = department.display_name
    return DepartmentNames(names)
