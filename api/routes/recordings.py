"""Intake: upload a recording (streamed to the store) or register one already there; status; reprocess.

The upload is parsed as it streams in (:func:`api.intake.receive_upload`), then accepted by the same
code as the ingest page (:func:`api.intake.accept_recording`).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

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
from ..schemas import Problem, RecordingForm, RecordingPublic

router = APIRouter(prefix="/recordings", tags=["recordings"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem, "description": "database or store unavailable; retry after"},
}
_FORM_SCHEMA = RecordingForm.model_json_schema()
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    **_FORM_SCHEMA,
                    "properties": {
                        **_FORM_SCHEMA["properties"],
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the recording (instead of media_key); its first "
                            "bytes must be an audio or video container",
                        },
                    },
                }
            }
        },
    }
}


def _form(fields: dict[str, str]) -> RecordingForm:
    try:
        return RecordingForm.model_validate(fields)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors()]
        raise RequestValidationError(errors) from None


@router.post(
    "",
    response_model=RecordingPublic,
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses={
        **_ERRORS,
        200: {"model": RecordingPublic, "description": "same bytes already registered"},
        400: {"model": Problem},
        404: {"model": Problem},
        409: {"model": Problem, "description": "the raw object is already a recording"},
        413: {"model": Problem},
        415: {"model": Problem},
    },
)
async def create_recording(
    request: Request, response: Response, ctx: CtxDep, session: SessionDep, user: CurrentIngest
) -> Recording:
    """Either ``file`` (streamed to the store) or ``media_key`` (an object already in the store),
    with the form fields of :class:`RecordingForm`."""
    got = await intake.receive_upload(
        request, spool=ctx.scratch.path, max_bytes=ctx.settings.MAX_UPLOAD_BYTES
    )
    try:
        form = _form(got.fields)
    except BaseException:
        if got.file is not None:
            got.file.path.unlink(missing_ok=True)
        raise
    rec, created = await intake.accept_recording(
        ctx=ctx,
        session=session,
        user=user,
        ip=client_ip(request),
        source=form.source,
        unit=form.unit,
        officer=form.officer,
        recorded_at=form.recorded_at,
        incident_id=form.incident_id,
        media_key=form.media_key,
        file=got.file,
        filename=got.filename,
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
