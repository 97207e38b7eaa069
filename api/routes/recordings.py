"""Intake: upload a recording (streamed to the store) or register one already there; status; reprocess.

One recording per raw object: registering a ``media_key`` that a recording already uses is refused
(409, whatever the unit), and re-uploading the same bytes returns the existing recording only to an
upload for the same unit. Neither answer says anything about the other recording.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select

from pipeline.errors import MediaError, StoreError

from .. import audit, crud
from ..deps import (
    CtxDep,
    CurrentAnyUser,
    CurrentIngest,
    CurrentOperator,
    SessionDep,
    can_see,
    client_ip,
)
from ..intake import Spooled, receive_upload
from ..models import Recording
from ..schemas import Problem, RecordingForm, RecordingPublic
from ..sniff import SNIFF_BYTES, sniff_media

logger = logging.getLogger("vigil.api")
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


def _refuse_duplicate_key(session: Any, key: str) -> None:
    if session.scalar(select(Recording.id).where(Recording.media_key == key)) is not None:
        raise HTTPException(status_code=409, detail="media_key is already registered")


async def _store_upload(
    ctx: Any, session: Any, spooled: Spooled, filename: str, form: RecordingForm
) -> str:
    """Check that the decoder can open the upload and that no recording uses its key, then store
    it; returns the key."""
    from pipeline.media import MediaOptions, probe
    from pipeline.store import raw_key

    options = MediaOptions.from_config(ctx.pipeline_config.section("media"))
    try:
        await anyio.to_thread.run_sync(probe, spooled.path, options)
    except MediaError as e:
        reason = str(e).replace(str(spooled.path), filename)
        raise HTTPException(status_code=422, detail=f"media cannot be decoded: {reason}") from None
    try:
        key = raw_key(f"rec-{spooled.sha256[:16]}", filename, form.recorded_at)
    except (ValueError, StoreError) as e:
        raise HTTPException(status_code=422, detail=f"bad file name: {e}") from None
    _refuse_duplicate_key(session, key)
    # the store first: a row is only ever committed for bytes that are safely stored
    await anyio.to_thread.run_sync(
        lambda: ctx.store.put_file(key, spooled.path, content_type=spooled.content_type)
    )
    return key


def _check_stored_key(store: Any, media_key: str) -> tuple[str, int | None]:
    """A registrable key: well-formed, not in the store's own namespace, present, media."""
    from pipeline.store import reserved_key, sanitize_key

    try:
        key = sanitize_key(media_key)
    except (ValueError, StoreError) as e:
        raise HTTPException(status_code=422, detail=f"invalid media_key: {e}") from None
    if reserved_key(key):
        raise HTTPException(
            status_code=422, detail="invalid media_key: it lies under a prefix the store reserves"
        )
    try:
        info = store.stat(key)
    except ValueError as e:
        raise HTTPException(status_code=422, detail=f"invalid media_key: {e}") from None
    if info is None:
        raise HTTPException(status_code=404, detail="media_key not found in the store")
    with store.open(key) as fh:
        head = fh.read(SNIFF_BYTES)
    if sniff_media(head) is None:
        raise HTTPException(
            status_code=415, detail="content is not a supported audio or video container"
        )
    return key, getattr(info, "size", None)


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
    settings = ctx.settings
    got = await receive_upload(request, spool=ctx.scratch.path, max_bytes=settings.MAX_UPLOAD_BYTES)
    try:
        form = _form(got.fields)
        if (got.file is None) == (form.media_key is None):
            raise HTTPException(status_code=422, detail="send exactly one of file or media_key")
        if got.file is not None:
            spooled = got.file
            existing = session.scalar(
                select(Recording).where(Recording.sha256 == spooled.sha256).limit(1)
            )
            if existing is not None:
                if existing.unit != form.unit:
                    raise HTTPException(
                        status_code=409, detail="these bytes are already registered"
                    )
                response.status_code = 200
                return existing
            filename = Path(got.filename or "upload").name[:255] or "upload"
            key = await _store_upload(ctx, session, spooled, filename, form)
            size: int | None = spooled.size
            sha: str | None = spooled.sha256
        else:
            assert form.media_key is not None
            key, size = _check_stored_key(ctx.store, form.media_key)
            _refuse_duplicate_key(session, key)
            filename, sha = Path(key).name[:255], None
    finally:
        if got.file is not None:
            got.file.path.unlink(missing_ok=True)
    rec = crud.create_recording(
        session=session,
        source=form.source,
        unit=form.unit,
        officer=form.officer,
        recorded_at=form.recorded_at,
        incident_id=form.incident_id,
        media_key=key,
        filename=filename,
        size_bytes=size,
        sha256=sha,
        created_by=user.username,
        buffer_s=settings.LINK_BUFFER_SECONDS,
    )
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="recording.create",
        resource=f"recordings/{rec.id}",
        ip=client_ip(request),
        detail={"media_key": key, "sha256": sha, "size": size},
    )
    session.commit()
    ctx.metrics.uploads.labels(source=form.source).inc()
    response.headers["Location"] = f"/recordings/{rec.id}"
    logger.info("accepted recording %s (%s bytes)", rec.id, size)
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
