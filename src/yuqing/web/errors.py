"""Error answers: every one is JSON `{"detail": "one line"}` (docs/api.md).

Four kinds of failure reach a client, and each has its handler here:

- our own errors (`YuQingError`): their message and `http_status` (STYLE §3);
- a request FastAPI refuses before a route runs (a query parameter out of range, a body
  field missing, a body that is not JSON): 422, naming the place (`query parameter
  'limit'`, the line and column of a JSON syntax error) and the problem, in the server's
  language (`validation.py`);
- `HTTPException`s (routes, 404 for an unknown path, 405): their detail as one line;
- anything else: 500 with a fixed sentence. The traceback and any SQL go to the server's
  log only: a database error's text carries statements and parameters, which are the
  store's business and may hold other people's data.

The OpenAPI schema says the same (`ERROR_RESPONSES`): the 4xx/5xx bodies are `ErrorOut`,
not FastAPI's list-shaped validation error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from yuqing.core.errors import YuQingError
from yuqing.core.i18n import _
from yuqing.web.validation import one_line, validation_detail

__all__ = ["AUTH_RESPONSES", "ERROR_RESPONSES", "ErrorOut", "install", "one_line"]

log = logging.getLogger(__name__)


class ErrorOut(BaseModel):
    """The body of every error answer."""

    detail: str


# Shown in the OpenAPI schema for every operation; 422 replaces FastAPI's own entry. The
# content is spelled out, not given as a model: FastAPI would file a model's schema under
# an HTML page's media type, and errors are JSON on every route.
_ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"description": "A parameter or the body is not valid", "content": _ERROR_JSON},
    500: {"description": "The server failed (no internals told)", "content": _ERROR_JSON},
}


# For the routes that need a token.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API token", "content": _ERROR_JSON},
}


def _answer(status: int, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": one_line(detail)}, status_code=status, headers=headers)


async def _ours(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, YuQingError)
    return _answer(exc.http_status, exc.message)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = validation_detail(
        list(exc.errors()), body=exc.body, content_type=request.headers.get("content-type")
    )
    return _answer(422, detail)


# FastAPI's own 400 for a body it could not read at all (not a JSON syntax error).
_UNREADABLE = "There was an error parsing the body"


def _unreadable(cause: BaseException | None) -> str:
    """Why FastAPI could not read a JSON body at all: its bytes, or its depth."""
    if isinstance(cause, UnicodeDecodeError):  # no charset declared, and not UTF-8
        return _("the body is not valid {charset} (byte {n})").format(
            charset=cause.encoding.upper(), n=cause.start + 1
        )
    problem = (
        _("it nests too deeply") if isinstance(cause, RecursionError) else _("could not be read")
    )
    return _("{where}: {problem}").format(
        where=_("the body"), problem=_("not valid JSON: {error}").format(error=problem)
    )


async def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 400 and detail == _UNREADABLE:
        detail = _unreadable(exc.__cause__)
    return _answer(exc.status_code, detail, exc.headers)


class CatchAll:
    """ASGI middleware: an exception no handler took becomes a 500 with a fixed sentence.

    Starlette's own last resort answers and then re-raises, and uvicorn then drops the
    connection, which a client that keeps connections alive sees as a reset on its next
    request. Here the exception ends with the answer; the log keeps the traceback.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            # The whole story for the operator, none of it for the client.
            log.error("%s %s failed", scope.get("method"), scope.get("path"), exc_info=exc)
            if started:  # too late for an answer of ours: let the server close it
                raise
            detail = _("internal error: the server could not answer; its log says why")
            await _answer(500, detail)(scope, receive, send)


def _with_error_schema(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """`app.openapi` with `ErrorOut` among the schemas (`ERROR_RESPONSES` refers to it)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        built = app.openapi_schema is None
        schema = plain()  # built once, then cached on the app
        if built:
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["ErrorOut"] = ErrorOut.model_json_schema()
        return schema

    return openapi


def install(app: FastAPI) -> None:
    """Make every error answer of `app` one line of JSON, and say so in its schema."""
    app.openapi = _with_error_schema(app)  # type: ignore[method-assign]
    app.add_exception_handler(YuQingError, _ours)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_middleware(CatchAll)
