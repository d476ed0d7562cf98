"""What the auth context hands out: roles, languages, users as read, and the actor of a
request (a signed-in person, a user's API token, or a service token)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from yuqing.core.i18n import _

# PRODUCT §1 and CONTRACTS "Web pages and accounts": the roles, in this order.
Role = Literal["admin", "office", "leader", "monitor", "department", "spokesperson", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)
Language = Literal["zh_CN", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)

# `YUQING_API_TOKENS` are the deployment's own tokens for scripts: they act as this actor,
# with the administrator's rights (what they could do before accounts existed).
SERVICE_ACTOR = "service"


def unnamed_department(department: str) -> str:
    """A department nobody gave a name, by its id but reading as a name (部门“edu”)."""
    return _("department “{id}”").format(id=department)


class Actor(BaseModel):
    """Who is making a request; views and services check roles and scope on this."""

    model_config = ConfigDict(frozen=True)

    name: str
    display_name: str
    role: Role
    department: str | None = None
    department_name: str | None = None  # what people read (后勤处); `department` is its id
    language: Language = "zh_CN"
    user_id: int | None = None  # None for a service token
    token_id: int | None = None  # set when the request came with a user's API token
    csrf_token: str | None = None  # set for a signed-in browser

    @property
    def label(self) -> str:
        """The name people read: the display name, else the sign-in name."""
        return self.display_name or self.name

    @property
    def department_label(self) -> str | None:
        """The department people read: its display name, else its id labelled as a
        department (部门“edu”: web/departments.py, which also knows the plan's units)."""
        if self.department_name or not self.department:
            return self.department_name
        return unnamed_department(self.department)


class DepartmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    display_name: str


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    display_name: str
    role: Role
    department: str | None
    language: Language
    disabled: bool
    created_at: datetime


class UserList(BaseModel):
    data: list[UserRead]
    count: int


class TokenRead(BaseModel):
    """A token as listed: never the token itself, only its first characters."""

    id: int
    user: str
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
