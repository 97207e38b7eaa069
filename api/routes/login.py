"""OAuth2 password flow: username and password (as a form) for a short-lived JWT, throttled.

See :mod:`api.throttle` for the lockout rules and what is audited.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from .. import audit, crud
from ..core.security import create_access_token
from ..deps import CtxDep, SessionDep, client_ip
from ..schemas import Problem, Token

router = APIRouter(tags=["login"])

FORM_ONLY = (
    "send the credentials as a form (application/x-www-form-urlencoded: "
    "username=...&password=...), as the OAuth2 password flow requires; JSON is not accepted"
)


def form_body(request: Request) -> None:
    """Say what is wrong with a JSON (or other) body instead of listing two missing fields."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded" and ctype != "multipart/form-data":
        raise HTTPException(status_code=415, detail=FORM_ONLY)


@router.post(
    "/login/access-token",
    response_model=Token,
    dependencies=[Depends(form_body)],
    responses={
        401: {"model": Problem, "description": "bad credentials"},
        415: {"model": Problem, "description": "not a form body"},
        429: {"model": Problem, "description": "too many failed logins; see Retry-After"},
    },
)
def login_access_token(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    ip = client_ip(request) or "unknown"
    # the audit log and the throttle key by a printable rendering of what was typed
    username = "".join(ch if ch.isprintable() else "?" for ch in form.username[:64])
    wait, ended = ctx.throttle.gate(username, ip)
    for action, detail in ended:
        audit.append(
            session,
            actor=username,
            role=None,
            action=action,
            resource="login",
            ip=ip,
            detail=detail,
        )
    if ended:
        session.commit()
    if wait is not None:
        raise HTTPException(
            status_code=429,
            detail="too many failed logins; retry later",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    user = crud.authenticate(session=session, username=form.username, password=form.password)
    if user is None:
        for action, detail in ctx.throttle.failure(username, ip):
            audit.append(
                session,
                actor=username,
                role=None,
                action=action,
                resource="login",
                ip=ip,
                detail=detail,
            )
        session.commit()
        raise HTTPException(status_code=401, detail="incorrect username or password")
    ctx.throttle.success(username)
    audit.append(
        session, actor=user.username, role=user.role, action="login", resource="login", ip=ip
    )
    session.commit()
    s = ctx.settings
    token = create_access_token(
        str(user.id),
        secret=s.SECRET_KEY,
        algorithm=s.JWT_ALGORITHM,
        expires_minutes=s.ACCESS_TOKEN_EXPIRE_MINUTES,
    )
    return Token(access_token=token)
