"""Our errors as answers (STYLE §3: `http_status` is read here and in the CLI only).

Pages and the API refuse differently, so the answer depends on the path. The API
(/api/…) answers JSON `{"detail": "…"}`: 401 without a valid token, 403 for a
role or department that may not, 429 over a token's rate limit (with Retry-After).
Pages answer HTML: an anonymous visitor is sent to /login (303), other errors get the
error page with their status.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from yuqing.core.errors import TooManyRequests, Unauthenticated, YuQingError
from yuqing.web.authn import API_PREFIX
from yuqing.web.pages import render


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def _error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, YuQingError)
    if _is_api(request):
        headers = {}
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        if isinstance(exc, Unauthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"detail": exc.message}, status_code=exc.http_status, headers=headers)
    if isinstance(exc, Unauthenticated):
        return RedirectResponse("/login", status_code=303)
    return render(
        request,
        "error.html",
        {"message": exc.message, "status": exc.http_status},
        status_code=exc.http_status,
    )


def install(app: FastAPI) -> None:
    """Register the handler for every error of ours."""
    app.add_exception_handler(YuQingError, _error)
