"""The reviewer workspace: server-rendered pages (Jinja2 + htmx) served by ``vigil serve`` on the API's
origin, in Chinese with an English switch.

Layout (one router per resource, as in ``api/routes``):
- ``routes/auth.py`` sign-in/out, language, ``/``; ``routes/queue.py`` the triage queue;
  ``routes/incidents.py`` one incident; ``routes/flags.py`` verdicts; ``routes/metrics.py`` rule
  precision; ``routes/uploads.py`` intake; ``routes/docs.py`` Swagger UI and ReDoc from local files.
- ``templates/base.html`` is the frame every page extends (nav, language switch, sign-out);
  ``templates/_*.html`` are fragments htmx swaps in. ``static/`` holds the CSS, ``vigil.js`` and the
  vendored htmx. ``messages.yaml`` holds every visible string (see ``i18n.py``).

Adding a page: a router module under ``routes/`` with ``prefix="/ui/<resource>"`` and
``include_in_schema=False``; every route depends on ``page_user(<roles>)`` (sign-in, role and CSRF
check in one); render with ``templating.render(request, "<page>.html", {...})`` where the template
extends ``base.html``; add the router to :data:`ROUTERS`, a ``NavItem`` to ``nav.NAV`` and its strings
to ``messages.yaml``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from .i18n import catalogue
from .routes import auth, docs, flags, incidents, metrics, queue, reports, tasksheets, uploads
from .session import LoginRequired
from .templating import STATIC_DIR, render

ROUTERS = (
    auth.router,
    queue.router,
    incidents.router,
    flags.router,
    metrics.router,
    tasksheets.router,
    reports.router,
    uploads.router,
    docs.router,
)
PUBLIC_PATHS = frozenset({"/", "/ui/login", "/ui/lang", "/docs", "/redoc", docs.OAUTH2_REDIRECT})
UPLOAD_PATH = "/ui/uploads"

# the API's fixed error texts -> what a page says about them
_DETAIL_KEYS = {
    "incident not found": "error.not_found",
    "recording not found": "error.not_found",
    "flag not found": "error.not_found",
    "role not permitted": "error.forbidden",
    "unit not permitted": "error.unit_forbidden",
    "cross-site request refused": "error.csrf",
    "missing or invalid CSRF token": "error.csrf",
    "invalid cursor": "error.bad_request",
    "task sheet not found": "error.not_found",
}
_STATUS_KEYS = {
    400: "error.bad_request",
    403: "error.forbidden",
    404: "error.not_found",
    413: "upload.too_large",
}


def is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/" or path.startswith("/ui/")


def _error_page(request: Request, status: int, detail: str) -> Response:
    key = _DETAIL_KEYS.get(detail) or _STATUS_KEYS.get(status, "error.generic")
    partial = request.headers.get("HX-Request") == "true"
    return render(
        request,
        "_error.html" if partial else "error.html",
        {"status": status, "message_key": key, "detail": detail if status == 400 else None},
        status_code=status,
    )


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their HTML error handling to ``app``.

    Call after the API's own handlers are installed: page paths get HTML, all others keep theirs.
    """
    catalogue()  # validate the catalogue at start-up, not at the first page view
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIR), name="docs-assets")

    api_http_error: Any = app.exception_handlers.get(StarletteHTTPException)
    api_validation_error: Any = app.exception_handlers.get(RequestValidationError)

    async def login_required(request: Request, exc: Exception) -> Response:
        target = "/ui/login"
        if request.method == "GET":
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            target += "?next=" + quote(here, safe="")
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_page(request):
            return _error_page(request, exc.status_code, str(exc.detail))
        response: Response = await api_http_error(request, exc)
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        if is_page(request):
            return _error_page(request, 400, "request validation failed")
        response: Response = await api_validation_error(request, exc)
        return response

    app.add_exception_handler(LoginRequired, login_required)
    if api_http_error is not None:
        app.add_exception_handler(StarletteHTTPException, http_error)
    if api_validation_error is not None:
        app.add_exception_handler(RequestValidationError, validation_error)


__all__ = ["PUBLIC_PATHS", "ROUTERS", "UPLOAD_PATH", "install"]
