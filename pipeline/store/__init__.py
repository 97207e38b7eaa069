"""Object store: where raw media, analysis documents and derived artifacts live.

One interface (:class:`ObjectStore`, in :mod:`.base`), two real implementations: :class:`LocalStore`
(:mod:`.local`), a directory on disk (the embedded default, so a laptop needs no server), and
:class:`S3Store` (:mod:`.s3`), any S3 endpoint through the ``minio`` client (MinIO in production).
:mod:`.keys` is the only place keys and recording ids are made; :mod:`.markers` reads and writes the
batch's per-recording markers under ``index/raw/``. :func:`open_store` picks the backend for a URL.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from detectors.errors import ConfigError

from .base import (
    ACCESS_KEY_ENV,
    DEFAULT_CONTENT_TYPE,
    SECRET_KEY_ENV,
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStore,
    StoreOptions,
    read_chunks,
)
from .keys import (
    DOCUMENTS_PREFIX,
    artifact_key,
    check_recording_id,
    document_history_prefix,
    document_key,
    document_version_key,
    index_key,
    raw_key,
    recording_id_for,
    report_key,
    reserved_key,
    sanitize_key,
    sanitize_prefix,
)
from .local import LocalStore
from .s3 import S3Store


def open_store(url: str | None, options: StoreOptions) -> ObjectStore:
    """The store for ``url`` (default ``options.url``): a directory or ``file://`` URL gives a
    :class:`LocalStore`; ``s3://BUCKET[/PREFIX]`` an :class:`S3Store` on ``options.s3_endpoint``
    with credentials from ``VIGIL_S3_ACCESS_KEY`` / ``VIGIL_S3_SECRET_KEY`` (bucket created if
    missing)."""
    target = url if url else options.url
    if not target:
        raise ConfigError("no store given: set store.url or pass a directory or s3:// URL")
    parsed = urllib.parse.urlparse(target)
    if parsed.scheme in ("", "file") or re.match(r"^[A-Za-z]:[\\/]", target):
        root = urllib.parse.unquote(parsed.path) if parsed.scheme == "file" else target
        return LocalStore(root, fsync=options.fsync)
    if parsed.scheme == "s3":
        bucket = parsed.netloc
        if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
            raise ConfigError(
                f"invalid bucket {bucket!r} in {target!r}: 3-63 lower-case letters, digits, '.', '-'"
            )
        access = os.environ.get(ACCESS_KEY_ENV)
        secret = os.environ.get(SECRET_KEY_ENV)
        if not access or not secret:
            raise ConfigError(
                f"S3 store {target!r} needs credentials in {ACCESS_KEY_ENV} and {SECRET_KEY_ENV}"
            )
        prefix = parsed.path.strip("/")
        try:
            if prefix:
                sanitize_key(prefix)
        except ValueError as e:
            raise ConfigError(f"invalid key prefix in {target!r}: {e}") from e
        return S3Store(
            bucket,
            prefix,
            endpoint=options.s3_endpoint,
            access_key=access,
            secret_key=secret,
            secure=options.s3_secure,
            region=options.s3_region,
            retries=options.retries,
            retry_backoff_s=options.retry_backoff_s,
            connect_timeout_s=options.connect_timeout_s,
            read_timeout_s=options.read_timeout_s,
            part_size_mb=options.part_size_mb,
        )
    raise ConfigError(
        f"unsupported store URL {target!r}: use a directory, file://PATH or s3://BUCKET"
    )


def store_from_config(section: Mapping[str, Any], url: str | None = None) -> ObjectStore:
    """Convenience: validate the ``store:`` section and open ``url`` (or its ``url``)."""
    return open_store(url, StoreOptions.from_config(section))


__all__ = [
    "ACCESS_KEY_ENV",
    "DEFAULT_CONTENT_TYPE",
    "DOCUMENTS_PREFIX",
    "SECRET_KEY_ENV",
    "LocalStore",
    "ObjectInfo",
    "ObjectNotFoundError",
    "ObjectStore",
    "S3Store",
    "StoreOptions",
    "artifact_key",
    "check_recording_id",
    "document_history_prefix",
    "document_key",
    "document_version_key",
    "index_key",
    "open_store",
    "raw_key",
    "read_chunks",
    "recording_id_for",
    "report_key",
    "reserved_key",
    "sanitize_key",
    "sanitize_prefix",
    "store_from_config",
]
