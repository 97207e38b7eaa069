"""``/docs`` (Swagger UI) and ``/redoc`` from files shipped in a registry package, not a CDN: the
station network is offline. The assets come from ``fastapi-offline`` (Swagger UI 5 and ReDoc bundles),
mounted at :data:`ASSETS_URL` by :func:`api.web.install`.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
# Everything from this origin: ReDoc's sidebar logo points at its vendor's CDN, and Swagger UI may
# try a remote validator; on a station network those would hang or leak, so the browser refuses them.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # the two pages' bootstrap scripts are inline
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
TITLE = "Vigil review API"


def _local_only(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    return _local_only(
        get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{TITLE} - Swagger UI",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        )
    )


@router.get(OAUTH2_REDIRECT)
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    return _local_only(
        get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{TITLE} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
    )
