"""The object-store key layout, defined here and only here, and the one place recording ids are made.

``raw_key``, ``document_key``, ``document_version_key``, ``artifact_key``, ``index_key`` and ``report_key`` build every key any
module writes; :func:`recording_id_for` turns a source's SHA-256 into its recording id (same bytes, same
id, whoever ingests them: the CLI, the batch or the API). Keys are checked by :func:`sanitize_key`: a key
is never allowed to escape a directory or smuggle control characters into an HTTP request.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

_MAX_KEY_BYTES = 1024  # S3's limit on an object name
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RECORDING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_EXT = re.compile(r"^\.[a-z0-9]{1,10}$")

DOCUMENTS_PREFIX = "documents/"
HISTORY_PREFIX = "history/"
RECORDING_ID_PREFIX = "rec-"


def recording_id_for(sha256: str) -> str:
    """``rec-`` + the first 16 hex digits of the source's SHA-256: same bytes, same id."""
    if not re.fullmatch(r"[0-9a-f]{16,64}", sha256 or ""):
        raise ValueError(f"not a hex SHA-256 digest: {sha256!r}")
    return f"{RECORDING_ID_PREFIX}{sha256[:16]}"


def sanitize_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe relative object key, else raise ``ValueError``.

    Rejected: non-strings, empty keys, absolute paths, backslashes, ``.``/``..`` segments, empty
    segments (``a//b``, trailing ``/``), control characters, and keys over 1024 UTF-8 bytes. The same
    rules hold for both stores, so a key that works locally works on S3 and cannot escape the root.
    """
    if not isinstance(key, str):
        raise TypeError(f"object key must be str, not {type(key).__name__}")
    if not key:
        raise ValueError("object key is empty")
    if _CONTROL.search(key):
        raise ValueError(f"object key contains control characters: {key!r}")
    if key.startswith("/") or re.match(r"^[A-Za-z]:", key):
        raise ValueError(f"object key must be relative, not absolute: {key!r}")
    if "\\" in key:
        raise ValueError(f"object key must use '/' separators, not '\\': {key!r}")
    for seg in key.split("/"):
        if seg == "":
            raise ValueError(f"object key has an empty path segment: {key!r}")
        if seg in (".", ".."):
            raise ValueError(f"object key may not contain '.' or '..' segments: {key!r}")
    if len(key.encode("utf-8")) > _MAX_KEY_BYTES:
        raise ValueError(f"object key is longer than {_MAX_KEY_BYTES} bytes")
    return key


def sanitize_prefix(prefix: str) -> str:
    """A listing prefix: empty, or a key-like string that may end with ``/`` (``raw/2026-03/``)."""
    if prefix == "":
        return prefix
    sanitize_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def check_recording_id(recording_id: str) -> str:
    if not isinstance(recording_id, str) or not _RECORDING_ID.match(recording_id):
        raise ValueError(
            f"invalid recording id {recording_id!r}: use letters, digits, '.', '_' or '-' "
            "(at most 128 characters, not starting with a punctuation mark)"
        )
    return recording_id


def raw_key(recording_id: str, filename: str, recorded_at: datetime | None = None) -> str:
    """``raw/YYYY-MM/<id><ext>``: raw media partitioned by month (UTC) so a batch can take a month
    by prefix. The extension is the lower-cased suffix of ``filename`` (kept so decoders and humans
    can tell the container); anything odd in it is dropped rather than trusted."""
    check_recording_id(recording_id)
    when = recorded_at or datetime.now(UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    ext = Path(str(filename)).suffix.lower()
    if not _EXT.match(ext):
        ext = ""
    return sanitize_key(f"raw/{when:%Y-%m}/{recording_id}{ext}")


def document_key(recording_id: str) -> str:
    """``documents/<id>.json``: the analysis document of one recording."""
    return sanitize_key(f"{DOCUMENTS_PREFIX}{check_recording_id(recording_id)}.json")


def document_version_key(recording_id: str, created_at: datetime) -> str:
    """``history/<id>/<created_at UTC, microseconds>.json``: one analysis of one recording, never
    overwritten. ``documents/<id>.json`` stays the latest analysis (what the review service indexes);
    every analysis, that one included, is also written here, so a re-analysis keeps the earlier
    versions reachable. Outside ``documents/`` so that listing the documents lists latest ones only."""
    when = created_at.astimezone(UTC) if created_at.tzinfo is not None else created_at
    return sanitize_key(f"{document_history_prefix(recording_id)}{when:%Y%m%dT%H%M%S.%fZ}.json")


def document_history_prefix(recording_id: str) -> str:
    """``history/<id>/``: list it to find every stored analysis of a recording, oldest first."""
    return f"{HISTORY_PREFIX}{check_recording_id(recording_id)}/"


def artifact_key(recording_id: str, name: str) -> str:
    """``derived/<id>/<name>``: keyframes and other derived files (``name`` may contain ``/``)."""
    return sanitize_key(f"derived/{check_recording_id(recording_id)}/{sanitize_key(name)}")


def index_key(source_key: str) -> str:
    """``index/raw/<sha1 of the raw key>.json``: the batch's per-recording marker, so deciding
    whether a raw object is already processed needs one small read and no download."""
    digest = hashlib.sha1(sanitize_key(source_key).encode("utf-8"), usedforsecurity=False)
    return f"index/raw/{digest.hexdigest()}.json"


def report_key(started_at: datetime) -> str:
    """``reports/batch-<UTC timestamp>.json``: the summary and failure report of one batch run."""
    return f"reports/batch-{started_at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}.json"


# Top-level prefixes the store's own objects live under (and LocalStore's sidecar directory).
RESERVED_PREFIXES = ("documents/", "derived/", "index/", "reports/", ".vigil/")


def reserved_key(key: str) -> bool:
    """True for keys in the store's own namespace: documents, derived artifacts, markers, reports
    and LocalStore's internals. Such a key is never raw media, so it is never registered as one."""
    return any(key.startswith(p) for p in RESERVED_PREFIXES)
