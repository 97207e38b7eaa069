"""Signing in and out of the pages, the language switch, and the front door (``/``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ... import audit, crud
from ...deps import CtxDep, SessionDep, client_ip
from ..i18n import LANGS
from ..session import (
    LANG_COOKIE,
    LOGIN_COOKIE,
    LOGIN_TOKEN_SECONDS,
    PageSession,
    check_csrf,
    current_page_session,
    end_session,
    login_token,
    page_user,
    set_cookie,
    start_session,
)
from ..templating import render

router = APIRouter(include_in_schema=False)
ALL_ROLES = ("reviewer", "chief", "admin", "ingest")
AnySignedIn = Annotated[PageSession, Depends(page_user(*ALL_ROLES))]


def home_for(role: str) -> str:
    return "/ui/uploads" if role == "ingest" else "/ui/queue"


def safe_next(value: str | None, fallback: str) -> str:
    """Only a path on this site: never ``//host`` or ``/\\host`` (open redirects)."""
    if (
        value
        and value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and "\n" not in value
    ):
        return value
    return fallback


@router.get("/")
def front_door(request: Request) -> Response:
    ps = current_page_session(request)
    target = home_for(ps.user.role) if ps else "/ui/login"
    return RedirectResponse(target, status_code=303)


def _login_page(request: Request, *, error: str | None, next_url: str, status: int) -> Response:
    token = login_token(request)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "error": error, "next_url": next_url},
        status_code=status,
    )
    set_cookie(request, response, LOGIN_COOKIE, token, LOGIN_TOKEN_SECONDS)
    return response


@router.get("/ui/login")
def login_form(request: Request, next: str | None = None) -> Response:
    ps = current_page_session(request)
    if ps is not None:
        return RedirectResponse(safe_next(next, home_for(ps.user.role)), status_code=303)
    return _login_page(request, error=None, next_url=safe_next(next, ""), status=200)


@router.post("/ui/login")
async def login(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """Password sign-in with the API's users and hashes; a new session, never a reused one."""
    await check_csrf(request, request.cookies.get(LOGIN_COOKIE, ""))
    user = crud.authenticate(session=session, username=username, password=password)
    ip = client_ip(request)
    if user is None:
        audit.append(
            session,
            actor=username[:64] or "-",
            role=None,
            action="login.failed",
            resource="login",
            ip=ip,
            detail={"via": "web"},
        )
        session.commit()
        return _login_page(request, error="login.failed", next_url=safe_next(next, ""), status=401)
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="login",
        resource="login",
        ip=ip,
        detail={"via": "web"},
    )
    session.commit()
    response = RedirectResponse(safe_next(next, home_for(user.role)), status_code=303)
    start_session(request, response, user, ip)
    return response


@router.post("/ui/logout")
def logout(request: Request, session: SessionDep, ps: AnySignedIn) -> Response:
    """Ends the session on the server (the cookie stops working everywhere), then the cookie."""
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="logout",
        resource="login",
        ip=client_ip(request),
        detail={"via": "web"},
    )
    session.commit()
    response = RedirectResponse("/ui/login", status_code=303)
    end_session(request, response)
    return response


@router.post("/ui/lang")
async def switch_language(
    request: Request,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Remember the interface language in a cookie (signed in or not: the login page has it too)."""
    ps = current_page_session(request)
    await check_csrf(request, ps.csrf_token if ps else request.cookies.get(LOGIN_COOKIE, ""))
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    if lang in LANGS:
        set_cookie(request, response, LANG_COOKIE, lang, 365 * 86400)
    return response
