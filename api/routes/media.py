"""Media served by the API, for every store: a fetch needs both the caller's own credentials and a
URL minted for that same caller (HMAC over key, a short expiry and the user, by an audited incident
read). A URL that leaks is useless to anyone else, anonymous or logged in, and it expires in minutes.
Each fetch is audited under the authenticated caller. Single byte ranges are honoured so players can
seek to a flag's ``#t=`` offset.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Security
from fastapi import Query as Q
from fastapi.responses import StreamingResponse

from pipeline.store import read_chunks

from .. import audit
from ..core.security import media_signature_valid
from ..deps import READERS, CtxDep, SessionDep, api_key_header, client_ip, current_user, oauth2
from ..models import User
from ..schemas import Problem

router = APIRouter(prefix="/media", tags=["media"])
_CHUNK = 256 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def media_reader(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    token: Annotated[str | None, Security(oauth2)],
    api_key: Annotated[str | None, Security(api_key_header)],
) -> User:
    """The caller: by API credentials, or by the reviewer pages' session cookie (the players on
    those pages cannot send a bearer token). Either way the URL must have been minted for them."""
    from ..web.session import current_page_session

    page = current_page_session(request) if not (token or api_key) else None
    user = page.user if page is not None else current_user(ctx, session, token, api_key)
    if user.role not in READERS:
        raise HTTPException(status_code=403, detail="role not permitted")
    return user


media_reader.vigil_roles = READERS  # type: ignore[attr-defined]


def _stream(store: Any, key: str, start: int, length: int | None) -> Iterator[bytes]:
    with store.open(key) as fh:
        if start:
            if fh.seekable():
                fh.seek(start)
            else:
                skip = start
                while skip > 0 and (chunk := fh.read(min(_CHUNK, skip))):
                    skip -= len(chunk)
        yield from read_chunks(fh, length, _CHUNK)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single satisfiable range, else None."""
    m = _RANGE.fullmatch(header.strip())
    if m is None or (m[1] == "" and m[2] == ""):
        return None
    if m[1] == "":
        start, end = max(size - int(m[2]), 0), size - 1
    else:
        start = int(m[1])
        end = min(int(m[2]), size - 1) if m[2] else size - 1
    if start > end or start >= size:
        return None
    return start, end


@router.get(
    "/{key:path}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        206: {"content": {"application/octet-stream": {}}},
        401: {"model": Problem},
        403: {"model": Problem},
        404: {"model": Problem},
        416: {"model": Problem},
    },
)
def get_media(
    request: Request,
    key: str,
    ctx: CtxDep,
    session: SessionDep,
    caller: Annotated[User, Depends(media_reader)],
    expires: Annotated[int, Q(ge=0, le=2**40)],
    user: Annotated[str, Q(min_length=1, max_length=64)],
    signature: Annotated[str, Q(pattern=r"^[0-9a-f]{64}$")],
) -> StreamingResponse:
    s = ctx.settings
    valid = user == caller.username and media_signature_valid(
        key, expires, signature, secret=s.SECRET_KEY, user=user, max_ttl=s.MEDIA_URL_TTL_SECONDS
    )
    if not valid:
        raise HTTPException(status_code=403, detail="invalid or expired media signature")
    try:
        info = ctx.store.stat(key)
    except ValueError:  # a key the store refuses (reserved prefix, escapes the root)
        info = None
    if info is None:
        raise HTTPException(status_code=404, detail="media not found")
    size: int = info.size
    ctype = mimetypes.guess_type(key)[0] or "application/octet-stream"
    headers = {"Cache-Control": "private, max-age=60", "Accept-Ranges": "bytes"}
    start, length, status = 0, None, 200
    wanted = request.headers.get("range")
    if wanted:
        rng = _parse_range(wanted, size)
        if rng is None:
            raise HTTPException(
                status_code=416,
                detail="range not satisfiable",
                headers={"Content-Range": f"bytes */{size}"},
            )
        start, length, status = rng[0], rng[1] - rng[0] + 1, 206
        headers["Content-Range"] = f"bytes {rng[0]}-{rng[1]}/{size}"
    headers["Content-Length"] = str(size if length is None else length)
    audit.append(
        session,
        actor=caller.username,
        role=caller.role,
        action="media.read",
        resource=f"media/{key}",
        ip=client_ip(request),
        detail={"range": wanted},
    )
    session.commit()
    return StreamingResponse(
        _stream(ctx.store, key, start, length),
        status_code=status,
        media_type=ctype,
        headers=headers,
    )
