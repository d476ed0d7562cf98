"""`/api/v1/docs`: Swagger UI over the OpenAPI schema, from assets inside the package.

FastAPI's own page loads Swagger UI from a CDN, so it is blank where most users run
YuQing: on an intranet (ARCHITECTURE: assets ship inside the package). The assets are
vendored under `static/swagger-ui/` at a pinned version (`make vendor-swagger-ui`, with
their licence). The page starts Swagger UI from a file (`static/api-docs.js`), not an
inline script, so it keeps working under a Content-Security-Policy that forbids those.
ReDoc is not served.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

STATIC_URL = "/static"
DOCS_URL = "/api/v1/docs"


def install(app: FastAPI, *, templates: Jinja2Templates) -> None:
    """Serve the docs page on `DOCS_URL`; the app serves the package's files under /static."""

    @app.get(DOCS_URL, response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        """Swagger UI: read and try the API from the browser."""
        # Behind a proxy that serves the app under a prefix, every URL carries it.
        root = request.scope.get("root_path", "").rstrip("/")
        return templates.TemplateResponse(
            request,
            "api_docs.html",
            {
                "assets": f"{root}{STATIC_URL}/swagger-ui",
                "init_js": f"{root}{STATIC_URL}/api-docs.js",
                "openapi_url": f"{root}{app.openapi_url}",
            },
        )
