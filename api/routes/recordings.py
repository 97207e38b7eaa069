"""Intake: upload a recording (streamed to the store) or register one already there; status; reprocess."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from pydantic import AwareDatetime

from .. import audit, crud, intake
from ..deps import (
    CtxDep,
    CurrentAnyUser,
    CurrentIngest,
    CurrentOperator,
    SessionDep,
    can_see,
    client_ip,
)
from ..models import Recording
from ..schemas import Problem, RecordingPublic, Source

router = APIRouter(prefix="/recordings", tags=["recordings"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem, "description": "database or store unavailable; retry after"},
}


@router.post(
    "",
    response_model=RecordingPublic,
    status_code=201,
    responses={
        **_ERRORS,
        200: {"model": RecordingPublic, "description": "same bytes already registered"},
        404: {"model": Problem},
        413: {"model": Problem},
        415: {"model": Problem},
    },
)
async def create_recording(
    request: Request,
    response: Response,
    ctx: CtxDep,
    session: SessionDep,
    user: CurrentIngest,
    source: Annotated[Source, Form()],
    unit: Annotated[str, Form(min_length=1, max_length=128)],
    officer: Annotated[str, Form(min_length=1, max_length=64)],
    recorded_at: Annotated[AwareDatetime, Form()],
    incident_id: Annotated[str | None, Form(min_length=1, max_length=64)] = None,
    media_key: Annotated[str | None, Form(min_length=1, max_length=1024)] = None,
    file: Annotated[UploadFile | None, File()] = None,
) -> Recording:
    """Either ``file`` (streamed to the store) or ``media_key`` (an object already in the store)."""
    rec, created = await intake.accept_recording(
        ctx=ctx,
        session=session,
        user=user,
        ip=client_ip(request),
        source=source,
        unit=unit,
        officer=officer,
        recorded_at=recorded_at,
        incident_id=incident_id,
        media_key=media_key,
        file=file,
    )
    if created:
        response.headers["Location"] = f"/recordings/{rec.id}"
    else:
        response.status_code = 200
    return rec


@router.get(
    "/{recording_id}",
    response_model=RecordingPublic,
    responses={**_ERRORS, 404: {"model": Problem}},
)
def read_recording(
    request: Request, recording_id: uuid.UUID, session: SessionDep, user: CurrentAnyUser
) -> Recording:
    rec = session.get(Recording, recording_id)
    if rec is None or not can_see(user, rec.unit):
        raise HTTPException(status_code=404, detail="recording not found")
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="recording.read",
        resource=f"recordings/{rec.id}",
        ip=client_ip(request),
    )
    session.commit()
    return rec


@router.post(
    "/{recording_id}:reprocess",
    response_model=RecordingPublic,
    status_code=202,
    responses={**_ERRORS, 404: {"model": Problem}, 409: {"model": Problem}},
)
def reprocess_recording(
    request: Request, recording_id: uuid.UUID, session: SessionDep, user: CurrentOperator
) -> Recording:
    rec = session.get(Recording, recording_id)
    if rec is None:
        raise HTTPException(status_code=404, detail="recording not found")
    if rec.status in ("queued", "running"):
        raise HTTPException(status_code=409, detail="recording is already queued or running")
    if not rec.media_key:
        raise HTTPException(status_code=409, detail="recording has no media to reprocess")
    crud.requeue(session=session, recording=rec)
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="recording.reprocess",
        resource=f"recordings/{rec.id}",
        ip=client_ip(request),
    )
    session.commit()
    return rec
