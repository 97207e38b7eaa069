"""The API's view of the object store (``pipeline.store``): opening it from settings, and media
URLs signed for one user.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlencode

from pipeline.config import load_config

from .core.config import Settings
from .core.security import sign_media


def open_api_store(settings: Settings) -> Any:
    """The store named by the settings, else by the pipeline config's ``store`` section."""
    from pipeline.store import store_from_config

    cfg = load_config(settings.PIPELINE_CONFIG)
    return store_from_config(cfg.section("store"), settings.STORE_URL)


def media_url(
    key: str | None, settings: Settings, user: str, offset: float | None = None
) -> str | None:
    """A short-lived URL for ``key`` that works only for ``user``: signed by this API over key,
    expiry and user, and served by ``GET /media`` to that user, authenticated, alone.

    Never the store's presigned URL, even where the store can presign (S3): a presigned URL is a
    bearer token that anyone holding it can use, and its fetches are invisible to the audit log.
    """
    if not key:
        return None
    expires = int(time.time()) + settings.MEDIA_URL_TTL_SECONDS
    sig = sign_media(key, expires, secret=settings.SECRET_KEY, user=user)
    url = (
        f"{settings.PUBLIC_BASE_URL}/media/{quote(key, safe='/')}?"
        f"{urlencode({'expires': expires, 'user': user, 'signature': sig})}"
    )
    if offset is not None:
        url += f"#t={offset:.3f}"
    return url


def load_document(store: Any, document_key: str | None) -> Any:
    """The analysis document under ``document_key``, None when the recording has none yet, or 409
    when it is gone or damaged: retrying will not help, a reprocess will (an outage of the store is
    still a 503 from the store's own error).

    Returns a :class:`pipeline.document.AnalysisDocument`; typed ``Any`` like the store itself.
    """
    if not document_key:
        return None
    from fastapi import HTTPException
    from pydantic import ValidationError

    from pipeline.document import AnalysisDocument
    from pipeline.store import ObjectNotFoundError

    try:
        raw = store.get_bytes(document_key)
    except ObjectNotFoundError:
        raise HTTPException(
            status_code=409, detail="analysis document is missing; reprocess the recording"
        ) from None
    try:
        return AnalysisDocument.model_validate_json(raw)
    except ValidationError:
        raise HTTPException(
            status_code=409,
            detail="analysis document is unreadable (truncated or corrupt); reprocess the recording",
        ) from None
