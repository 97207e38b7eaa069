"""Intake: upload a recording (streamed to the store) or register one already there; status; reprocess."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from pydantic import AwareDatetime
from sqlalchemy import select

from pipeline.errors import StoreError

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
from ..models import Recording
from ..schemas import Problem, RecordingPublic, Source
from ..sniff import SNIFF_BYTES, sniff_media
from ..storage import NotMedia, UploadTooLarge, spool_upload

logger = logging.getLogger("vigil.api")
router = APIRouter(prefix="/recordings", tags=["recordings"])

_CHUNK = 1024 * 1024
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem, "description": "database or store unavailable; retry after"},
}


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(_CHUNK):
        yield chunk


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
    from pipeline.store import raw_key, recording_id_for, sanitize_key

    settings, store = ctx.settings, ctx.store
    if (file is None) == (media_key is None):
        raise HTTPException(status_code=422, detail="send exactly one of file or media_key")
    filename: str | None
    size: int | None
    sha: str | None
    if file is not None:
        try:
            spooled = await spool_upload(
                _chunks(file),
                spool_dir=Path(settings.SPOOL_DIR),
                max_bytes=settings.MAX_UPLOAD_BYTES,
            )
        except UploadTooLarge:
            raise HTTPException(status_code=413, detail="upload exceeds the size limit") from None
        except NotMedia:
            raise HTTPException(
                status_code=415, detail="content is not a supported audio or video container"
            ) from None
        try:
            existing = session.scalar(
                select(Recording).where(Recording.sha256 == spooled.sha256).limit(1)
            )
            if existing is not None:
                response.status_code = 200
                return existing
            filename = Path(file.filename or "upload").name[:255] or "upload"
            try:
                key = raw_key(recording_id_for(spooled.sha256), filename, recorded_at)
            except (ValueError, StoreError) as e:
                raise HTTPException(status_code=422, detail=f"bad file name: {e}") from None
            # the store first: a row is only ever committed for bytes that are safely stored
            store.put_file(key, spooled.path, content_type=spooled.content_type)
        finally:
            spooled.path.unlink(missing_ok=True)
        size, sha = spooled.size, spooled.sha256
    else:
        assert media_key is not None
        try:
            key = sanitize_key(media_key)
        except (ValueError, StoreError) as e:
            raise HTTPException(status_code=422, detail=f"invalid media_key: {e}") from None
        info = store.stat(key)
        if info is None:
            raise HTTPException(status_code=404, detail="media_key not found in the store")
        with store.open(key) as fh:
            head = fh.read(SNIFF_BYTES)
        if sniff_media(head) is None:
            raise HTTPException(
                status_code=415, detail="content is not a supported audio or video container"
            )
        filename, size, sha = Path(key).name[:255], getattr(info, "size", None), None
    rec = crud.create_recording(
        session=session,
        source=source,
        unit=unit,
        officer=officer,
        recorded_at=recorded_at,
        incident_id=incident_id,
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
    ctx.metrics.uploads.labels(source=source).inc()
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
