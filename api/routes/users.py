"""User administration (admin only) and the caller's own profile."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from .. import audit, crud
from ..deps import CurrentAdmin, CurrentAnyUser, SessionDep, client_ip
from ..models import User
from ..schemas import ApiKeyCreate, ApiKeyPublic, Problem, UserCreate, UserPublic

router = APIRouter(prefix="/users", tags=["users"])
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 403: {"model": Problem}}


@router.get("/me", response_model=UserPublic, responses=_ERRORS)
def read_me(user: CurrentAnyUser) -> User:
    return user


@router.post(
    "", response_model=UserPublic, status_code=201, responses={**_ERRORS, 409: {"model": Problem}}
)
def create_user(
    request: Request, body: UserCreate, admin: CurrentAdmin, session: SessionDep
) -> User:
    try:
        user = crud.create_user(
            session=session,
            username=body.username,
            password=body.password,
            role=body.role,
            unit=body.unit,
        )
    except ValueError as e:
        status = 409 if "already exists" in str(e) else 422
        raise HTTPException(status_code=status, detail=str(e)) from None
    audit.append(
        session,
        actor=admin.username,
        role=admin.role,
        action="user.create",
        resource=f"users/{user.id}",
        ip=client_ip(request),
        detail={"username": user.username, "role": user.role, "unit": user.unit},
    )
    session.commit()
    return user


@router.post(
    "/{user_id}/api-keys",
    response_model=ApiKeyPublic,
    status_code=201,
    responses={**_ERRORS, 404: {"model": Problem}},
)
def create_api_key(
    request: Request,
    user_id: uuid.UUID,
    body: ApiKeyCreate,
    admin: CurrentAdmin,
    session: SessionDep,
) -> ApiKeyPublic:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")
    row, plain = crud.create_api_key(session=session, user=user, name=body.name)
    audit.append(
        session,
        actor=admin.username,
        role=admin.role,
        action="apikey.create",
        resource=f"users/{user.id}/api-keys/{row.id}",
        ip=client_ip(request),
    )
    session.commit()
    return ApiKeyPublic(id=row.id, name=row.name, key=plain)
