"""OAuth2 password flow: username and password for a short-lived JWT."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from .. import audit, crud
from ..core.security import create_access_token
from ..deps import CtxDep, SessionDep, client_ip
from ..schemas import Problem, Token

router = APIRouter(tags=["login"])


@router.post(
    "/login/access-token",
    response_model=Token,
    responses={401: {"model": Problem, "description": "bad credentials"}},
)
def login_access_token(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    user = crud.authenticate(session=session, username=form.username, password=form.password)
    if user is None:
        audit.append(
            session,
            actor=form.username[:64],
            role=None,
            action="login.failed",
            resource="login",
            ip=client_ip(request),
        )
        session.commit()
        raise HTTPException(status_code=401, detail="incorrect username or password")
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="login",
        resource="login",
        ip=client_ip(request),
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
