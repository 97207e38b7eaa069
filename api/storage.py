"""The API's view of the object store (``pipeline.store``): opening it from settings, spooling
uploads, signed media URLs for stores that cannot presign (a local directory).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from pipeline.config import load_config

from .core.config import Settings
from .core.security import sign_media
from .sniff import SNIFF_BYTES, sniff_media


def open_api_store(settings: Settings) -> Any:
    """The store named by the settings, else by the pipeline config's ``store`` section."""
    from pipeline.store import store_from_config

    cfg = load_config(settings.PIPELINE_CONFIG)
    return store_from_config(cfg.section("store"), settings.STORE_URL)


class UploadTooLarge(Exception):
    pass


class NotMedia(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Spooled:
    """An upload written to local disk: hashed, measured and sniffed before the store sees it."""

    path: Path
    sha256: str
    size: int
    content_type: str


async def spool_upload(chunks: AsyncIterator[bytes], *, spool_dir: Path, max_bytes: int) -> Spooled:
    """Copy an upload to ``spool_dir`` while hashing, counting and sniffing it.

    Raises UploadTooLarge past ``max_bytes`` and NotMedia when the first bytes are not a container
    we decode; the partial file is removed either way.
    """
    spool_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="upload-", dir=spool_dir)
    path = Path(name)
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
        ctype = sniff_media(head)
        if ctype is None:
            raise NotMedia
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Spooled(path, digest.hexdigest(), size, ctype)


def media_url(
    store: Any, key: str | None, settings: Settings, user: str, offset: float | None = None
) -> str | None:
    """A time-limited URL for ``key``: the store's presigned URL, else one signed by this API."""
    if not key:
        return None
    ttl = settings.MEDIA_URL_TTL_SECONDS
    url: str | None = store.presigned_get_url(key, timedelta(seconds=ttl))
    if url is None:
        expires = int(time.time()) + ttl
        sig = sign_media(key, expires, secret=settings.SECRET_KEY, user=user)
        url = (
            f"{settings.PUBLIC_BASE_URL}/media/{quote(key, safe='/')}?"
            f"{urlencode({'expires': expires, 'user': user, 'signature': sig})}"
        )
    if offset is not None:
        url += f"#t={offset:.3f}"
    return url


def load_document(store: Any, document_key: str | None) -> Any:
    """The analysis document under ``document_key``, or None when the recording has none yet.

    Returns a :class:`pipeline.document.AnalysisDocument`; typed ``Any`` like the store itself.
    """
    if not document_key:
        return None
    from pipeline.document import AnalysisDocument

    return AnalysisDocument.model_validate_json(store.get_bytes(document_key))
