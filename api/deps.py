"""Dependencies: the session, the caller (JWT bearer or API key) and role checks.

Deny by default: every route outside ``PUBLIC_PATHS`` must depend on :func:`require_roles`; the app
factory refuses to start if one does not (see ``main._assert_every_route_guarded``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session

from . import crud
from .context import AppContext
from .core.security import decode_access_token
from .models import User

oauth2 = OAuth2PasswordBearer(tokenUrl="/login/access-token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


CtxDep = Annotated[AppContext, Depends(get_ctx)]


def get_session(ctx: CtxDep) -> Iterator[Session]:
    with ctx.db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


_UNAUTHENTICATED = HTTPException(
    status_code=401, detail="not authenticated", headers={"WWW-Authenticate": "Bearer"}
)


def current_user(
    ctx: CtxDep,
    session: SessionDep,
    token: Annotated[str | None, Security(oauth2)],
    api_key: Annotated[str | None, Security(api_key_header)],
) -> User:
    if api_key:
        user = crud.user_by_api_key(session=session, key=api_key)
        if user is None:
            raise _UNAUTHENTICATED
        return user
    if not token:
        raise _UNAUTHENTICATED
    payload = decode_access_token(
        token, secret=ctx.settings.SECRET_KEY, algorithm=ctx.settings.JWT_ALGORITHM
    )
    if payload is None:
        raise _UNAUTHENTICATED
    try:
        uid = uuid.UUID(str(payload["sub"]))
    except ValueError:
        raise _UNAUTHENTICATED from None
    user = session.get(User, uid)
    if user is None or not user.is_active:
        raise _UNAUTHENTICATED
    return user


def require_roles(*roles: str) -> Callable[..., User]:
    """A dependency admitting only ``roles``; the marker lets the app check no route is unguarded."""

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="role not permitted")
        return user

    check.vigil_roles = roles  # type: ignore[attr-defined]
    return check


def unit_scope(user: User) -> str | None:
    """The only unit a user may see (chiefs), or None for all units."""
    return user.unit if user.role == "chief" else None


def can_see(user: User, unit: str | None) -> bool:
    scope = unit_scope(user)
    return scope is None or scope == unit


READERS = ("reviewer", "chief", "admin")
CurrentReader = Annotated[User, Depends(require_roles(*READERS))]
CurrentReviewer = Annotated[User, Depends(require_roles("reviewer", "chief", "admin"))]
CurrentIngest = Annotated[User, Depends(require_roles("ingest", "admin"))]
CurrentOperator = Annotated[User, Depends(require_roles("reviewer", "admin"))]
CurrentAdmin = Annotated[User, Depends(require_roles("admin"))]
CurrentAnyUser = Annotated[User, Depends(require_roles("reviewer", "chief", "admin", "ingest"))]


def audit_info(request: Request) -> dict[str, Any]:
    return {"ip": client_ip(request)}
