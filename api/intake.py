"""Streaming intake for ``POST /recordings``: the multipart body is parsed as it arrives, the file
part goes straight into this process's spool directory, and its first bytes are sniffed *before*
the rest is read.

Starlette's own form parsing would first copy the whole upload into a temporary file of its own and
only then hand it to the route, so a 4 GiB text file named ``.mp4`` was read to the limit before being
refused, and a full system temp directory failed outside our error handling. Here a non-media upload
is refused after at most :data:`~api.sniff.SNIFF_BYTES` of its content, each text field is bounded,
and a full or read-only spool is a 503 the client can retry.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl

import anyio
from fastapi import HTTPException, Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from .errors import ServiceUnavailable
from .sniff import SNIFF_BYTES, sniff_media

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
