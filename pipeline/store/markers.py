"""The batch's per-recording markers: ``index/raw/<sha1 of the raw key>.json``.

A marker says what happened to one raw object under one pipeline version and config hash: ``done``
(with its document's key) or ``failed`` (with the reason). It is written last, after the document, so
its presence means the result is whole; deciding whether a raw object needs work is one small read and
no download. Permanent failures get a marker too, so a rerun does not decode a corrupt file again
(unless forced).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from detectors.errors import StoreError

from .base import ObjectInfo, ObjectNotFoundError, ObjectStore
from .keys import document_key, index_key

Marker = dict[str, Any]


def write_done(
    store: ObjectStore,
    raw_key: str,
    *,
    etag: str,
    recording_id: str,
    version: str,
    config_hash: str,
    duration: float,
) -> None:
    """Mark ``raw_key`` analysed; call only after its document and artifacts are stored."""
    store.put_json(
        index_key(raw_key),
        {
            "status": "done",
            "raw_key": raw_key,
            "etag": etag,
            "recording_id": recording_id,
            "document_key": document_key(recording_id),
            "version": version,
            "config_hash": config_hash,
            "duration": duration,
            "processed_at": datetime.now(UTC).isoformat(),
        },
    )


def write_failed(
    store: ObjectStore, raw_key: str, *, etag: str, reason: str, version: str, config_hash: str
) -> None:
    """Mark ``raw_key`` as failed for good under this version and config, keeping the reason."""
    store.put_json(
        index_key(raw_key),
        {
            "status": "failed",
            "raw_key": raw_key,
            "etag": etag,
            "reason": reason,
            "version": version,
            "config_hash": config_hash,
            "processed_at": datetime.now(UTC).isoformat(),
        },
    )


def current_marker(
    store: ObjectStore, obj: ObjectInfo, *, version: str, config_hash: str
) -> Marker | None:
    """The marker if ``obj`` was analysed (or refused) by this version and config, else None.

    A marker for other bytes (etag), another version or config, a torn marker, or a ``done`` marker
    whose document has gone all count as absent: the recording is redone.
    """
    try:
        marker = store.get_json(index_key(obj.key))
    except ObjectNotFoundError:
        return None
    except StoreError as e:
        if "not valid JSON" in str(e):
            return None  # a torn marker is treated as absent: redo
        raise
    if not isinstance(marker, dict):
        return None
    if (
        marker.get("etag") != obj.etag
        or marker.get("version") != version
        or marker.get("config_hash") != config_hash
    ):
        return None
    if marker.get("status") == "done":
        doc = marker.get("document_key")
        if not isinstance(doc, str) or not store.exists(doc):
            return None
    return marker
