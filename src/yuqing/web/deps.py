"""Request dependencies: a session per request and the API token check."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from yuqing.core.errors import Unauthenticated
from yuqing.core.i18n import _
from yuqing.db.engine import session_scope


def session_dep(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns."""
    with session_scope(request.app.state.sessions) as session:
        yield session


def token_dep(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """The API needs `Authorization: Bearer <token>` with a configured token."""
    supplied = (authorization or "").removeprefix("Bearer ").strip()
    tokens: list[str] = request.app.state.api_tokens
    # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500),
    # and a header may carry any byte.
    given = supplied.encode("utf-8", "surrogateescape")
    if not supplied or not any(hmac.compare_digest(given, t.encode()) for t in tokens):
        raise Unauthenticated(_("a valid API token is needed (Authorization: Bearer …)"))


# scope="function": commit before the response is sent. With the default ("request") the
# client hears 200 before the commit, so its next request can read the old state (a
# second acknowledgement accepted), and a failed commit would never reach it.
SessionDep = Annotated[Session, Depends(session_dep, scope="function")]
