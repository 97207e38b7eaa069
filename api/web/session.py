"""Sign-in for the pages: a server-side session behind an HttpOnly, SameSite=Strict cookie, and CSRF
checks on every state-changing request.

The cookie authenticates the pages only. The JSON API keeps its own credentials (bearer JWT or API
key) and never reads this cookie, so a page session cannot be used to call it from another origin,
and an API token cannot be replayed as a cookie (they are different secrets of different kinds).

CSRF defence, all of it on every unsafe request (anything but GET/HEAD/OPTIONS):
- the session's random CSRF token must come back in ``X-CSRF-Token`` (htmx sends it from the page)
  or a ``csrf_token`` form field (plain forms), compared in constant time;
- an ``Origin`` (or, failing that, ``Referer``) naming another host is refused;
- the cookie is SameSite=Strict, so other sites' requests do not carry it at all.
Before sign-in, the login form uses a double-submit token in a short-lived cookie of its own.

Every page route depends on :func:`page_user`, which carries the same ``vigil_roles`` marker as the
API's role checks, so the app factory's deny-by-default check covers the pages too, and the CSRF check
cannot be forgotten on a new form: it runs inside the same dependency.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response

from .. import crud
from ..context import AppContext
from ..models import User

SESSION_COOKIE = "vigil_session"
LOGIN_COOKIE = "vigil_login_csrf"
LANG_COOKIE = "vigil_lang"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_TOKEN_SECONDS = 3600


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, htmx requests get ``HX-Redirect``."""


@dataclass(frozen=True, slots=True)
class PageSession:
    """The signed-in user of one page request and the CSRF token the page must echo."""

    user: User
    csrf_token: str
    token: str


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_secure(request: Request) -> bool:
    """Secure unless configured otherwise or served over plain HTTP to a loopback host (local
    development, where there is no TLS and the browser would drop a Secure cookie)."""
    configured = _ctx(request).settings.WEB_COOKIE_SECURE
    if configured is not None:
        return configured
    return not (request.url.scheme == "http" and _is_loopback(request.url.hostname))


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, samesite="strict", secure=cookie_secure(request)
    )


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from a page of another host."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source is None
    return urlsplit(source).netloc.lower() == request.headers.get("host", "").lower()


async def submitted_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request, expected: str) -> None:
    """Raise 403 unless the request is same-origin and echoes ``expected``."""
    if not same_origin(request):
        raise HTTPException(status_code=403, detail="cross-site request refused")
    got = await submitted_csrf(request)
    if not expected or not hmac.compare_digest(got.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="missing or invalid CSRF token")


def current_page_session(request: Request) -> PageSession | None:
    """The live session named by the request's cookie (cached on the request), else None."""
    if hasattr(request.state, "page_session"):
        cached: PageSession | None = request.state.page_session
        return cached
    token = request.cookies.get(SESSION_COOKIE, "")
    result: PageSession | None = None
    if token:
        with _ctx(request).db.session() as session:
            found = crud.web_session_user(session=session, token=token)
            if found is not None:
                row, user = found
                session.expunge(user)
                result = PageSession(user=user, csrf_token=row.csrf_token, token=token)
    request.state.page_session = result
    return result


def page_user(*roles: str) -> Callable[[Request], Coroutine[Any, Any, PageSession]]:
    """A page dependency admitting only ``roles``; unsafe methods must also pass the CSRF check."""

    async def check(request: Request) -> PageSession:
        ps = current_page_session(request)
        if ps is None:
            raise LoginRequired
        if request.method not in SAFE_METHODS:
            await check_csrf(request, ps.csrf_token)
        if ps.user.role not in roles:
            raise HTTPException(status_code=403, detail="role not permitted")
        return ps

    check.vigil_roles = roles  # type: ignore[attr-defined]
    return check


def start_session(request: Request, response: Response, user: User, ip: str | None) -> None:
    """Sign ``user`` in: a new session row (never a reused token: no fixation) and its cookie."""
    ctx = _ctx(request)
    hours = ctx.settings.WEB_SESSION_HOURS
    with ctx.db.session() as session:
        token, _ = crud.create_web_session(
            session=session, user=user, lifetime=timedelta(hours=hours), ip=ip
        )
        session.commit()
    set_cookie(request, response, SESSION_COOKIE, token, int(hours * 3600))
    clear_cookie(request, response, LOGIN_COOKIE)


def end_session(request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        with _ctx(request).db.session() as session:
            crud.delete_web_session(session=session, token=token)
            session.commit()
    clear_cookie(request, response, SESSION_COOKIE)


def login_token(request: Request) -> str:
    """The pre-login CSRF token: the cookie's if it has one, else a fresh one (set by the caller)."""
    existing = request.cookies.get(LOGIN_COOKIE, "")
    return existing if 20 <= len(existing) <= 128 else secrets.token_urlsafe(32)
