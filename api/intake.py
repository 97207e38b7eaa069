"""Accepting a recording, shared by ``POST /recordings`` and the ingest page.

Streaming intake for ``POST /recordings``: the multipart body is parsed as it arrives, the file
part goes straight into this process's spool directory, and its first bytes are sniffed *before*
the rest is read.

Starlette's own form parsing would first copy the whole upload into a temporary file of its own and
only then hand it to the route, so a 4 GiB text file named ``.mp4`` was read to the limit before being
refused, and a full system temp directory failed outside our error handling. Here a non-media upload
is refused after at most :data:`~api.sniff.SNIFF_BYTES` of its content, each text field is bounded,
and a full or read-only spool is a 503 the client can retry.

:func:`accept_recording` then stores the bytes and only then commits a row, so an acknowledged upload
is never lost and a refused one leaves nothing behind. One recording per raw object: a ``media_key``
that a recording already uses is refused (409, whatever the unit), the same bytes uploaded again come
back as the existing recording only for the same unit, and neither answer says anything about the
other recording. An upload the decoder cannot open is refused (422) rather than queued to fail later.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl

import anyio
from fastapi import HTTPException, Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from pipeline.errors import MediaError, StoreError

from . import audit, crud
from .context import AppContext
from .errors import ServiceUnavailable
from .models import Recording, User
from .schemas import _utc
from .sniff import SNIFF_BYTES, sniff_media

logger = logging.getLogger("vigil.api")
_CHUNK = 1024 * 1024

MAX_FIELDS = 16
MAX_FIELD_BYTES = 4096
FILE_FIELD = "file"
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EIO})


class NotMedia(Exception):
    """The file part's first bytes are not an audio or video container we decode."""


class UploadTooLarge(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Spooled:
    """An upload written to local disk: hashed, measured and sniffed before the store sees it."""

    path: Path
    sha256: str
    size: int
    content_type: str


@dataclass(slots=True)
class Received:
    """The text fields and, if one was sent, the spooled file (the caller removes it)."""

    fields: dict[str, str]
    file: Spooled | None
    filename: str | None


def storage_unavailable(e: OSError, what: str) -> ServiceUnavailable | None:
    """A 503 for a full, read-only or failing local disk; None for other OS errors."""
    if e.errno in STORAGE_ERRNOS:
        return ServiceUnavailable(f"{what} is full or not writable; retry later")
    return None


async def _urlencoded(request: Request) -> dict[str, str]:
    """The fields of a small urlencoded form (a ``media_key`` registration has no file)."""
    limit = MAX_FIELDS * MAX_FIELD_BYTES
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail="form exceeds the size limit")
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(status_code=422, detail="malformed urlencoded form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields or len(fields) >= MAX_FIELDS:
            raise HTTPException(status_code=422, detail="form fields repeated or too many")
        fields[name] = value
    return fields


@dataclass(slots=True)
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)
    disposition: bytes = b""
    header: bytes = b""
    value: bytes = b""


class _Sink:
    """The spool file: hashing, counting and sniffing what is written to it."""

    def __init__(self, spool: Path, max_bytes: int) -> None:
        fd, name = tempfile.mkstemp(prefix="upload-", dir=spool)
        self.path = Path(name)
        self.out: BinaryIO = os.fdopen(fd, "wb")
        self.max_bytes = max_bytes
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.content_type: str | None = None

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise UploadTooLarge
        if self.content_type is None and len(self.head) < SNIFF_BYTES:
            self.head += data[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self.sniff()
        self.digest.update(data)
        self.out.write(data)

    def sniff(self) -> None:
        ctype = sniff_media(self.head)
        if ctype is None:
            raise NotMedia
        self.content_type = ctype

    def close(self) -> None:
        self.out.close()

    def discard(self) -> None:
        self.out.close()
        self.path.unlink(missing_ok=True)


async def receive_upload(request: Request, *, spool: Path, max_bytes: int) -> Received:
    """Parse the multipart body of ``request``; see the module docstring for what is refused.

    Raises HTTPException (400 malformed, 413 too large, 415 not media or not multipart, 422 too
    many or too long fields) or ServiceUnavailable (spool full or read-only).
    """
    ctype, params = parse_options_header(request.headers.get("content-type"))
    if ctype == b"application/x-www-form-urlencoded":
        return Received(await _urlencoded(request), None, None)
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise HTTPException(
            status_code=415,
            detail="send multipart/form-data (or a urlencoded form when registering a media_key)",
        )
    fields: dict[str, str] = {}
    parts: list[_Part] = []
    pending: list[bytes] = []
    state: dict[str, Any] = {"sink": None, "filename": None, "file_done": False}

    def fail(status: int, detail: str) -> HTTPException:
        return HTTPException(status_code=status, detail=detail)

    def on_part_begin() -> None:
        parts.append(_Part())

    def on_header_field(data: bytes, start: int, end: int) -> None:
        parts[-1].header += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        parts[-1].value += data[start:end]

    def on_header_end() -> None:
        p = parts[-1]
        if p.header.lower() == b"content-disposition":
            p.disposition = p.value
        p.header, p.value = b"", b""

    def on_headers_finished() -> None:
        p = parts[-1]
        _, opts = parse_options_header(p.disposition)
        if b"name" not in opts:
            raise fail(400, "a multipart part has no name")
        p.name = opts[b"name"].decode("utf-8", "replace")
        if b"filename" in opts:
            if p.name != FILE_FIELD or state["sink"] is not None:
                raise fail(422, f"send one file, in the {FILE_FIELD!r} part")
            p.filename = opts[b"filename"].decode("utf-8", "replace")
            state["filename"] = p.filename
            state["sink"] = _Sink(spool, max_bytes)
        elif len(parts) > MAX_FIELDS:
            raise fail(422, "too many form fields")
        elif p.name in fields or p.name == FILE_FIELD:
            raise fail(422, f"form field {p.name!r} given more than once or without a file name")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        p = parts[-1]
        if p.filename is not None:
            pending.append(data[start:end])
            return
        p.data += data[start:end]
        if len(p.data) > MAX_FIELD_BYTES:
            raise fail(422, f"form field {p.name!r} is longer than {MAX_FIELD_BYTES} bytes")

    def on_part_end() -> None:
        p = parts[-1]
        if p.filename is not None:
            state["file_done"] = True
            return
        try:
            fields[p.name] = p.data.decode("utf-8")
        except UnicodeDecodeError:
            raise fail(422, f"form field {p.name!r} is not UTF-8") from None

    callbacks: dict[str, Callable[..., None]] = {
        "on_part_begin": on_part_begin,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
    }
    parser = MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
    spool.mkdir(parents=True, exist_ok=True)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            sink: _Sink | None = state["sink"]
            if pending and sink is not None:
                data = b"".join(pending)
                pending.clear()
                await anyio.to_thread.run_sync(sink.write, data)
        parser.finalize()
        sink = state["sink"]
        if sink is not None:
            if not state["file_done"]:
                raise fail(400, "the multipart body ended inside the file")
            if sink.content_type is None:
                sink.sniff()  # a file shorter than the sniffing window
            sink.close()
    except BaseException as e:
        if state["sink"] is not None:
            state["sink"].discard()
        if isinstance(e, MultipartParseError):
            raise fail(400, "malformed multipart body") from None
        if isinstance(e, ClientDisconnect):
            raise fail(400, "the client closed the connection during the upload") from None
        if isinstance(e, UploadTooLarge):
            raise fail(413, "upload exceeds the size limit") from None
        if isinstance(e, NotMedia):
            raise fail(415, "content is not a supported audio or video container") from None
        if isinstance(e, OSError) and (down := storage_unavailable(e, "the upload spool")):
            raise down from None
        raise
    sink = state["sink"]
    spooled = None
    if sink is not None:
        assert sink.content_type is not None
        spooled = Spooled(sink.path, sink.digest.hexdigest(), sink.size, sink.content_type)
    return Received(fields, spooled, state["filename"])


async def spool_upload_file(upload: UploadFile, *, spool: Path, max_bytes: int) -> Spooled:
    """Spool a file Starlette has already parsed (the ingest page's form), with the same limits,
    sniffing and error answers as the streaming path."""
    sink: _Sink | None = None
    try:
        sink = _Sink(spool, max_bytes)
        while chunk := await upload.read(_CHUNK):
            await anyio.to_thread.run_sync(sink.write, chunk)
        if sink.content_type is None:
            sink.sniff()
        sink.close()
    except BaseException as e:
        if sink is not None:
            sink.discard()
        if isinstance(e, UploadTooLarge):
            raise HTTPException(status_code=413, detail="upload exceeds the size limit") from None
        if isinstance(e, NotMedia):
            raise HTTPException(
                status_code=415, detail="content is not a supported audio or video container"
            ) from None
        if isinstance(e, OSError) and (down := storage_unavailable(e, "the upload spool")):
            raise down from None
        raise
    assert sink.content_type is not None
    return Spooled(sink.path, sink.digest.hexdigest(), sink.size, sink.content_type)


def _refuse_duplicate_key(session: Session, key: str) -> None:
    if session.scalar(select(Recording.id).where(Recording.media_key == key)) is not None:
        raise HTTPException(status_code=409, detail="media_key is already registered")


async def _store_upload(
    ctx: AppContext, session: Session, spooled: Spooled, filename: str, recorded_at: datetime
) -> str:
    """Check that the decoder can open the upload and that no recording uses its key, then store
    it; returns the key."""
    from pipeline.media import MediaOptions, probe
    from pipeline.store import raw_key, recording_id_for

    options = MediaOptions.from_config(ctx.pipeline_config.section("media"))
    try:
        await anyio.to_thread.run_sync(probe, spooled.path, options)
    except MediaError as e:
        reason = str(e).replace(str(spooled.path), filename)
        raise HTTPException(status_code=422, detail=f"media cannot be decoded: {reason}") from None
    try:
        key = raw_key(recording_id_for(spooled.sha256), filename, recorded_at)
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
    file: UploadFile | Spooled | None,
    filename: str | None = None,
) -> tuple[Recording, bool]:
    """Register ``file`` (already spooled by :func:`receive_upload`, or a parsed form's file) or
    ``media_key`` (already in the store). Returns the recording and whether it is new.

    The caller's spooled file is removed here, whatever happens.
    """
    settings = ctx.settings
    spooled = file if isinstance(file, Spooled) else None
    try:
        if (file is None) == (media_key is None):
            raise HTTPException(status_code=422, detail="send exactly one of file or media_key")
        try:
            recorded_at = _utc(recorded_at)
        except ValueError as e:
            raise HTTPException(status_code=422, detail=f"recorded_at: {e}") from None
        size: int | None
        sha: str | None
        if file is not None:
            if isinstance(file, UploadFile):
                filename = file.filename
                spooled = await spool_upload_file(
                    file, spool=ctx.scratch.path, max_bytes=settings.MAX_UPLOAD_BYTES
                )
            else:
                spooled = file
            existing = session.scalar(
                select(Recording).where(Recording.sha256 == spooled.sha256).limit(1)
            )
            if existing is not None:
                if existing.unit != unit:
                    raise HTTPException(
                        status_code=409, detail="these bytes are already registered"
                    )
                return existing, False
            name = Path(filename or "upload").name[:255] or "upload"
            key = await _store_upload(ctx, session, spooled, name, recorded_at)
            size, sha = spooled.size, spooled.sha256
        else:
            assert media_key is not None
            key, size = _check_stored_key(ctx.store, media_key)
            _refuse_duplicate_key(session, key)
            name, sha = Path(key).name[:255], None
    finally:
        if spooled is not None:
            spooled.path.unlink(missing_ok=True)
    rec = crud.create_recording(
        session=session,
        source=source,
        unit=unit,
        officer=officer,
        recorded_at=recorded_at,
        incident_id=incident_id,
        media_key=key,
        filename=name,
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
