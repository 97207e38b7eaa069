"""Media served by the API for stores that cannot presign (a local directory): the URL itself is the
credential (HMAC over key and expiry, minted only by an audited incident read)."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse

from ..core.security import media_signature_valid
from ..deps import CtxDep
from ..schemas import Problem

router = APIRouter(prefix="/media", tags=["media"])
_CHUNK = 256 * 1024


def _stream(store: Any, key: str) -> Iterator[bytes]:
    with store.open(key) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


@router.get(
    "/{key:path}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        403: {"model": Problem},
        404: {"model": Problem},
    },
)
def get_media(
    key: str,
    ctx: CtxDep,
    expires: Annotated[int, Query(ge=0, le=2**40)],
    signature: Annotated[str, Query(pattern=r"^[0-9a-f]{64}$")],
) -> StreamingResponse:
    if not media_signature_valid(key, expires, signature, secret=ctx.settings.SECRET_KEY):
        raise HTTPException(status_code=403, detail="invalid or expired media signature")
    info = ctx.store.stat(key)
    if info is None:
        raise HTTPException(status_code=404, detail="media not found")
    ctype = mimetypes.guess_type(key)[0] or "application/octet-stream"
    headers = {"Cache-Control": "private, max-age=60"}
    size = getattr(info, "size", None)
    if size is not None:
        headers["Content-Length"] = str(size)
    return StreamingResponse(_stream(ctx.store, key), media_type=ctype, headers=headers)
