"""Accepting a recording, shared by ``POST /recordings`` and the ingest page: the bytes are spooled,
hashed and sniffed, stored, and only then is a row committed, so an acknowledged upload is never lost
and a refused one leaves nothing behind.

Raises ``HTTPException`` with the fixed texts both front ends report.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from pipeline.errors import StoreError

from . import audit, crud
from .context import AppContext
from .models import Recording, User
from .sniff import SNIFF_BYTES, sniff_media
from .storage import NotMedia, UploadTooLarge, spool_upload

logger = logging.getLogger("vigil.api")
_CHUNK = 1024 * 1024


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(_CHUNK):
        yield chunk


async def accept_recording(
    *,
    ctx: AppContext,
    session: Session,
    user: User,
    ip: str | None,
    source: str,
    unit: str,
    officer: str,
    recorded_at: datetime,
    incident_id: str | None,
    media_key: str | None,
    file: UploadFile | None,
) -> tuple[Recording, bool]:
    """Register ``file`` (streamed to the store) or ``media_key`` (already there).

    Returns the recording and whether it is new; the same bytes uploaded twice return the first.
    """
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
                return existing, False
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
        ip=ip,
        detail={"media_key": key, "sha256": sha, "size": size},
    )
    session.commit()
    ctx.metrics.uploads.labels(source=source).inc()
    logger.info("accepted recording %s (%s bytes)", rec.id, size)
    return rec, True
