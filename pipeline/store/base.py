"""The store interface every backend implements, its options and its result types.

Everything above the store sees only keys and :class:`ObjectInfo`, so the single-file CLI, the Ray
batch and the review API behave the same on a directory and on S3. Writes are whole or absent: a backend
never leaves half an object under a key.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO, ClassVar

from pydantic import ConfigDict, Field

from detectors.errors import StoreError
from detectors.options import SectionOptions

from .keys import sanitize_key

logger = logging.getLogger("vigil.pipeline")

ACCESS_KEY_ENV = "VIGIL_S3_ACCESS_KEY"
SECRET_KEY_ENV = "VIGIL_S3_SECRET_KEY"
DEFAULT_CONTENT_TYPE = "application/octet-stream"

_META_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What the store knows about one object.

    ``etag`` is the store's content tag without quotes (MD5 of the bytes for single-part uploads on
    both implementations); ``last_modified`` is timezone-aware UTC. Listings may leave
    ``content_type`` at ``None`` and ``metadata`` empty where the server does not return them;
    :meth:`ObjectStore.stat` always fills them.
    """

    key: str
    size: int
    etag: str
    last_modified: datetime
    content_type: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


class StoreOptions(SectionOptions):
    """The ``store:`` config section. Credentials are deliberately absent: they come only from
    ``VIGIL_S3_ACCESS_KEY`` / ``VIGIL_S3_SECRET_KEY`` so they never land in a config file or a hash."""

    model_config = ConfigDict(extra="forbid")
    section = "store"

    url: str = Field(description="a directory (embedded default) or s3://BUCKET[/PREFIX]")
    s3_endpoint: str = Field(description="host:port of the S3 service")
    s3_secure: bool
    s3_region: str | None
    retries: int = Field(ge=0, le=20, description="extra attempts on a transient failure")
    retry_backoff_s: float = Field(ge=0.0, description="first backoff; doubles per attempt")
    connect_timeout_s: float = Field(gt=0.0)
    read_timeout_s: float = Field(gt=0.0)
    part_size_mb: int = Field(ge=5, le=5120, description="multipart part size for large uploads")
    fsync: bool = Field(description="LocalStore: fsync files before renaming them into place")


class ObjectNotFoundError(StoreError):
    """The key does not exist. A permanent answer, not an outage: never retried."""

    retryable: ClassVar[bool] = False


class ObjectStore(ABC):
    """A flat namespace of keys -> bytes with a content type and small string metadata."""

    #: a short human description for logs and errors (never contains credentials)
    description: str = ""

    # -- writes: the checks live here once; a backend implements only _put ----------------------------

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        blob = bytes(data)
        meta = check_metadata(metadata)
        return self._put(sanitize_key(key), io.BytesIO(blob), len(blob), content_type, meta)

    def put_file(
        self,
        key: str,
        path: str | os.PathLike[str],
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        """Upload a file without reading it into memory (multipart above ``part_size_mb``)."""
        sanitize_key(key)
        meta = check_metadata(metadata)
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            raise StoreError(f"cannot read {path}: {e.strerror or e}") from e
        with f:
            return self._put(key, f, os.fstat(f.fileno()).st_size, content_type, meta)

    def put_stream(
        self,
        key: str,
        fileobj: BinaryIO,
        length: int | None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        """Upload from a readable stream; ``length=None`` when unknown (multipart on S3)."""
        meta = check_metadata(metadata)
        return self._put(sanitize_key(key), fileobj, length, content_type, meta)

    @abstractmethod
    def _put(
        self,
        key: str,
        fileobj: BinaryIO,
        length: int | None,
        content_type: str,
        metadata: dict[str, str],
    ) -> ObjectInfo:
        """Store ``length`` bytes of ``fileobj`` (to its end when ``None``) under ``key``, whole or
        not at all; ``key`` and ``metadata`` are already checked."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def download(self, key: str, path: str | os.PathLike[str]) -> Path:
        """Write the object to ``path`` atomically (temp file + rename) and return the path."""

    @abstractmethod
    def open(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """A context manager yielding a readable binary stream of the object."""

    @abstractmethod
    def stat(self, key: str) -> ObjectInfo | None: ...

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    @abstractmethod
    def list(self, prefix: str = "", recursive: bool = True) -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, sorted by key, lazily (flat memory).

        ``recursive=False`` yields only objects with no further ``/`` after the prefix."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""

    @abstractmethod
    def presigned_get_url(self, key: str, expires: timedelta) -> str | None:
        """A time-limited GET URL, or ``None`` where the store cannot sign (LocalStore: the API
        serves and signs local objects itself)."""

    @abstractmethod
    def check(self) -> None:
        """Readiness: raise :class:`StoreError` unless the store can be read and written."""

    def free_bytes(self) -> int | None:
        """Space left for new objects, where the store can tell (None: unknown, e.g. S3)."""
        return None

    def put_json(self, key: str, obj: Any, metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        """Canonical UTF-8 JSON (sorted keys, non-ASCII kept) under ``key``."""
        data = json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        return self.put_bytes(key, data, "application/json", metadata)

    def get_json(self, key: str) -> Any:
        try:
            return json.loads(self.get_bytes(key))
        except ValueError as e:
            raise StoreError(f"object {key!r} in {self.description} is not valid JSON: {e}") from e


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (metadata or {}).items():
        if not isinstance(k, str) or not _META_KEY.match(k):
            raise ValueError(f"metadata key {k!r} must be lower-case letters, digits and '-'")
        if not isinstance(v, str):
            raise TypeError(f"metadata value for {k!r} must be str, not {type(v).__name__}")
        out[k] = v
    return out


def read_chunks(f: IO[bytes], length: int | None, size: int = 1 << 20) -> Iterator[bytes]:
    """``length`` bytes of ``f`` (all of it when ``None``) in chunks of at most ``size``; a stream that
    ends short of a declared length is an error, not a silently shorter object or response."""
    remaining = length
    while remaining is None or remaining > 0:
        chunk = f.read(size if remaining is None else min(size, remaining))
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk
    if remaining:
        raise StoreError(f"stream ended {remaining} bytes short of the declared length")


def atomic_copy(src: IO[bytes], dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in read_chunks(src, None):
                f.write(chunk)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dest
