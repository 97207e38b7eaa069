"""Rendering: one Jinja2 environment (autoescaped), the values every template gets, and the security
headers of every page.

Pages run no inline script (the Content-Security-Policy forbids it): behaviour lives in
``static/vigil.js`` and htmx, and data for scripts travels in ``data-*`` attributes. htmx is configured
in a ``<meta>`` tag not to evaluate code from attributes either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from ..context import AppContext
from .i18n import Lang, catalogue, pick_lang, tag_labels
from .nav import nav_items
from .session import LANG_COOKIE, PageSession, current_page_session

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
HTMX_FILE = "vendor/htmx-2.0.11.min.js"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

HTMX_CONFIG = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    "historyCacheSize": 0,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        # refusals the page explains in place (a dismissal without a reason, a stale flag)
        {"code": "40[39]|422|413|415", "swap": True, "error": False},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}


def fmt_offset(seconds: float | None) -> str:
    """Media offset as m:ss (h:mm:ss past an hour), the form a player shows."""
    if seconds is None:
        return "—"
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass
class PageContext:
    """Per-request values shared by every template."""

    request: Request
    lang: Lang
    zone: ZoneInfo
    session: PageSession | None
    media_origins: set[str] = field(default_factory=set)

    def t(self, key: str, **values: Any) -> str:
        return catalogue().t(self.lang, key, **values)

    def code(self, kind: str, value: str | None) -> str:
        return catalogue().code(self.lang, kind, value)

    def tag(self, dimension: str, tag: str | None = None) -> str:
        """A taxonomy dimension or tag: its Chinese label from the taxonomy, its id in English."""
        key = dimension if tag is None else f"{dimension}/{tag}"
        if self.lang == "en":
            return (tag or dimension).replace("-", " ").replace("_", " ")
        ctx: AppContext = self.request.app.state.ctx
        return tag_labels(ctx.settings.PIPELINE_CONFIG).get(key, tag or dimension)

    def dt(self, value: datetime | None, with_seconds: bool = False) -> str:
        if value is None:
            return "—"
        local = value.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")

    def allow_media(self, urls: Iterable[str | None]) -> None:
        """Media on another origin (an S3 store's presigned URLs) must be named in the CSP."""
        for url in urls:
            if url and url.startswith(("http://", "https://")):
                parts = urlsplit(url)
                self.media_origins.add(f"{parts.scheme}://{parts.netloc}")


def page_context(request: Request) -> PageContext:
    ctx: AppContext = request.app.state.ctx
    settings = ctx.settings
    return PageContext(
        request=request,
        lang=pick_lang(request.cookies.get(LANG_COOKIE), settings.WEB_DEFAULT_LANG),
        zone=ZoneInfo(settings.WEB_TIMEZONE),
        session=current_page_session(request),
    )


def _csp(media_origins: set[str]) -> str:
    media = " ".join(["'self'", *sorted(media_origins)])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {media} data:",
            f"media-src {media}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def render(
    request: Request,
    name: str,
    values: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    page: PageContext | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``name`` with the shared values; adds the security headers every page carries."""
    pc = page or page_context(request)
    ps = pc.session
    data: dict[str, Any] = {
        "page": pc,
        "t": pc.t,
        "code": pc.code,
        "tag": pc.tag,
        "dt": pc.dt,
        "offset": fmt_offset,
        "lang": pc.lang,
        "user": ps.user if ps else None,
        "csrf_token": ps.csrf_token if ps else "",
        "nav": nav_items(ps.user.role) if ps else [],
        "htmx_file": HTMX_FILE,
        "htmx_config": json.dumps(HTMX_CONFIG, separators=(",", ":")),
        "is_htmx": request.headers.get("HX-Request") == "true",
        **(values or {}),
    }
    response = templates.TemplateResponse(request, name, data, status_code=status_code)
    response.headers["Content-Security-Policy"] = _csp(pc.media_origins)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request, Cookie"
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response
