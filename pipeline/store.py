"""Object store: where raw media, analysis documents and derived artifacts live.

One interface, two real implementations: :class:`LocalStore`, a directory on disk (the embedded
default, so a laptop needs no server), and :class:`S3Store`, any S3 endpoint through the ``minio``
client (MinIO in production). Everything above this module sees only keys and :class:`ObjectInfo`,
so the single-file CLI, the Ray batch and the review API behave the same on both.

The key layout is defined here and only here (``raw_key``, ``document_key``, ``artifact_key``,
``index_key``, ``report_key``) so no other module invents paths. Keys are checked by
:func:`sanitize_key`: a key is never allowed to escape a directory or smuggle control characters into
an HTTP request.

Outages are expected (a MinIO node restarts, a network blips): transient failures are retried a few
times with exponential backoff (``store.retries``, ``store.retry_backoff_s``) under short connect/read
timeouts, and then surface as :class:`~pipeline.errors.StoreError` with a message that says the store
is unreachable and to retry. Nothing hangs and nothing is half-written: local writes go to a temp file
that is renamed into place, S3 writes are atomic by protocol.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import time
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .errors import ConfigError, StoreError

logger = logging.getLogger("vigil.pipeline")

T = TypeVar("T")

ACCESS_KEY_ENV = "VIGIL_S3_ACCESS_KEY"
SECRET_KEY_ENV = "VIGIL_S3_SECRET_KEY"
DEFAULT_CONTENT_TYPE = "application/octet-stream"

_MAX_KEY_BYTES = 1024  # S3's limit on an object name
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RECORDING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_EXT = re.compile(r"^\.[a-z0-9]{1,10}$")
_META_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# Printable ASCII that can travel in an HTTP header unescaped; everything else is %-encoded.
_META_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


# --------------------------------------------------------------------------------------------------
# Results and options


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


class StoreOptions(BaseModel):
    """The ``store:`` config section. Credentials are deliberately absent: they come only from
    ``VIGIL_S3_ACCESS_KEY`` / ``VIGIL_S3_SECRET_KEY`` so they never land in a config file or a hash."""

    model_config = ConfigDict(extra="forbid")

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

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> StoreOptions:
        try:
            return cls.model_validate(dict(section))
        except Exception as e:  # pydantic.ValidationError: one line for the user
            raise ConfigError(f"invalid store config: {e}") from e


class ObjectNotFoundError(StoreError):
    """The key does not exist. A permanent answer, not an outage: never retried."""


# --------------------------------------------------------------------------------------------------
# Key layout (the only place keys are built)


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


def _check_recording_id(recording_id: str) -> str:
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
    _check_recording_id(recording_id)
    when = recorded_at or datetime.now(UTC)
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    ext = Path(str(filename)).suffix.lower()
    if not _EXT.match(ext):
        ext = ""
    return sanitize_key(f"raw/{when:%Y-%m}/{recording_id}{ext}")


def document_key(recording_id: str) -> str:
    """``documents/<id>.json``: the analysis document of one recording."""
    return sanitize_key(f"documents/{_check_recording_id(recording_id)}.json")


def artifact_key(recording_id: str, name: str) -> str:
    """``derived/<id>/<name>``: keyframes and other derived files (``name`` may contain ``/``)."""
    return sanitize_key(f"derived/{_check_recording_id(recording_id)}/{sanitize_key(name)}")


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


# --------------------------------------------------------------------------------------------------
# Interface


class ObjectStore(ABC):
    """A flat namespace of keys -> bytes with a content type and small string metadata."""

    #: a short human description for logs and errors (never contains credentials)
    description: str = ""

    @abstractmethod
    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo: ...

    @abstractmethod
    def put_file(
        self,
        key: str,
        path: str | os.PathLike[str],
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        """Upload a file without reading it into memory (multipart above ``part_size_mb``)."""

    @abstractmethod
    def put_stream(
        self,
        key: str,
        fileobj: BinaryIO,
        length: int | None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        """Upload from a readable stream; ``length=None`` when unknown (multipart on S3)."""

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


def _check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (metadata or {}).items():
        if not isinstance(k, str) or not _META_KEY.match(k):
            raise ValueError(f"metadata key {k!r} must be lower-case letters, digits and '-'")
        if not isinstance(v, str):
            raise TypeError(f"metadata value for {k!r} must be str, not {type(v).__name__}")
        out[k] = v
    return out


# --------------------------------------------------------------------------------------------------
# Local directory


_RESERVED = ".vigil"  # top-level directory for sidecars and temp files; never a key prefix


class LocalStore(ObjectStore):
    """Objects as files under ``root``; a JSON sidecar per object at ``root/.vigil/meta/<key>`` holds
    its content type, metadata and MD5 etag.

    Writes land in ``root/.vigil/tmp`` and are renamed into place (atomic on one filesystem), so a
    reader or a killed writer never sees half a file. A file dropped into the tree by hand is still an
    object: its etag then derives from size and mtime until it is rewritten through the store.
    """

    def __init__(self, root: str | os.PathLike[str], *, fsync: bool = True) -> None:
        self.root = Path(root).expanduser().resolve()
        self.fsync = fsync
        self.description = f"local store {self.root}"
        self._meta = self.root / _RESERVED / "meta"
        self._tmp = self.root / _RESERVED / "tmp"
        try:
            self._meta.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create {self.description}: {e.strerror or e}") from e

    # -- paths --------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        sanitize_key(key)
        if key.split("/", 1)[0] == _RESERVED:
            raise ValueError(f"object keys may not start with the reserved {_RESERVED!r}: {key!r}")
        p = self.root.joinpath(*key.split("/"))
        if not p.resolve().is_relative_to(self.root):  # a symlink inside the tree pointing out
            raise ValueError(f"object key {key!r} resolves outside the store root")
        return p

    def _sidecar(self, key: str) -> Path:
        # The meta tree mirrors the data tree name for name (no suffix), so it can never hold a
        # file/directory clash that the data tree does not already have.
        return self._meta.joinpath(*key.split("/"))

    # -- writes -------------------------------------------------------------------------------------

    def _write(
        self,
        key: str,
        chunks: Iterator[bytes],
        content_type: str,
        metadata: Mapping[str, str] | None,
    ) -> ObjectInfo:
        dest = self._path(key)
        meta = _check_metadata(metadata)
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="obj-")
        except OSError as e:  # a read-only or full filesystem refuses even the temp file
            raise StoreError(
                f"cannot write {key!r} to {self.description}: {e.strerror or e}"
            ) from e
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    md5.update(chunk)
                    size += len(chunk)
                    f.write(chunk)
                f.flush()
                if self.fsync:
                    os.fsync(f.fileno())
            st = tmp.stat()
            side = {
                "content_type": content_type,
                "metadata": meta,
                "etag": md5.hexdigest(),
                "size": size,
                "mtime_ns": st.st_mtime_ns,
            }
            sfd, side_tmp = tempfile.mkstemp(dir=self._tmp, prefix="meta-")
            with os.fdopen(sfd, "w", encoding="utf-8") as f:
                json.dump(side, f, ensure_ascii=False)
            dest.parent.mkdir(parents=True, exist_ok=True)
            sidecar = self._sidecar(key)
            sidecar.parent.mkdir(parents=True, exist_ok=True)
            # data first, sidecar second: a crash in between leaves a sidecar that no longer matches
            # the file's size/mtime, which stat() detects and ignores.
            os.replace(tmp, dest)
            os.replace(side_tmp, sidecar)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise StoreError(
                f"cannot write {key!r} to {self.description}: {e.strerror or e}"
            ) from e
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return ObjectInfo(
            key=key,
            size=size,
            etag=md5.hexdigest(),
            last_modified=datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC),
            content_type=content_type,
            metadata=meta,
        )

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        return self._write(key, iter([bytes(data)]), content_type, metadata)

    def put_file(
        self,
        key: str,
        path: str | os.PathLike[str],
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as e:
            raise StoreError(f"cannot read {path}: {e.strerror or e}") from e
        with f:
            return self._write(key, read_chunks(f, None), content_type, metadata)

    def put_stream(
        self,
        key: str,
        fileobj: BinaryIO,
        length: int | None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        return self._write(key, read_chunks(fileobj, length), content_type, metadata)

    # -- reads --------------------------------------------------------------------------------------

    def _info(self, key: str, path: Path, st: os.stat_result) -> ObjectInfo:
        side: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            side = json.loads(self._sidecar(key).read_text(encoding="utf-8"))
        if side.get("size") != st.st_size or side.get("mtime_ns") != st.st_mtime_ns:
            side = {}  # written by hand or by a crashed writer: derive what we can
        return ObjectInfo(
            key=key,
            size=st.st_size,
            etag=side.get("etag") or f"{st.st_size:x}-{st.st_mtime_ns:x}",
            last_modified=datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC),
            content_type=side.get("content_type") or DEFAULT_CONTENT_TYPE,
            metadata=dict(side.get("metadata") or {}),
        )

    def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StoreError(f"cannot stat {key!r} in {self.description}: {e.strerror}") from e
        if not path.is_file():
            return None
        return self._info(key, path, st)

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        path = self._path(key)
        try:
            f = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as e:
            raise ObjectNotFoundError(f"no object {key!r} in {self.description}") from e
        except OSError as e:
            raise StoreError(f"cannot read {key!r} from {self.description}: {e.strerror}") from e
        with f:
            yield f

    def download(self, key: str, path: str | os.PathLike[str]) -> Path:
        dest = Path(path)
        with self.open(key) as src:
            return _atomic_copy(src, dest)

    def list(self, prefix: str = "", recursive: bool = True) -> Iterator[ObjectInfo]:
        sanitize_prefix(prefix)
        start = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        yield from self._walk(start, prefix, recursive)

    def _walk(self, dir_key: str, prefix: str, recursive: bool) -> Iterator[ObjectInfo]:
        base = self.root.joinpath(*dir_key.split("/")) if dir_key else self.root
        try:
            entries = list(os.scandir(base))
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as e:
            raise StoreError(f"cannot list {self.description}: {e.strerror}") from e
        # Sorting directories as "name/" makes a depth-first walk yield keys in byte order, the
        # order S3 lists in ('a-b' < 'a/c' because '-' < '/').
        named = []
        for entry in entries:
            if not dir_key and entry.name == _RESERVED:
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            named.append((entry.name + "/" if is_dir else entry.name, entry, is_dir))
        named.sort(key=lambda t: t[0])
        for _, entry, is_dir in named:
            key = f"{dir_key}/{entry.name}" if dir_key else entry.name
            if is_dir:
                sub = key + "/"
                if sub.startswith(prefix) and not recursive and len(sub) > len(prefix):
                    continue  # a "directory" below the prefix level
                if sub.startswith(prefix) or prefix.startswith(sub):
                    yield from self._walk(key, prefix, recursive)
                continue
            if not key.startswith(prefix) or not entry.is_file(follow_symlinks=False):
                continue
            if not recursive and "/" in key[len(prefix) :]:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # deleted while listing
            yield self._info(key, Path(entry.path), st)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
            self._sidecar(key).unlink(missing_ok=True)
        except IsADirectoryError:
            return
        except OSError as e:
            raise StoreError(f"cannot delete {key!r} from {self.description}: {e.strerror}") from e

    def presigned_get_url(self, key: str, expires: timedelta) -> str | None:
        self._path(key)
        return None

    def free_bytes(self) -> int | None:
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return None

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
            raise StoreError(f"{self.description} is missing or not writable")
        try:
            fd, name = tempfile.mkstemp(dir=self._tmp, prefix="check-")
            os.close(fd)
            os.unlink(name)
        except OSError as e:
            raise StoreError(f"{self.description} is not writable: {e.strerror}") from e


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


def _atomic_copy(src: IO[bytes], dest: Path) -> Path:
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


# --------------------------------------------------------------------------------------------------
# S3 (MinIO)


class S3Store(ObjectStore):
    """Objects in an S3 bucket (optionally under a key prefix) through the ``minio`` client.

    The HTTP pool has short connect/read timeouts and no retries of its own; this class retries
    transient failures (connection refused/reset, timeouts, 5xx, throttling) with exponential backoff
    and then raises :class:`StoreError`. Permanent answers (missing key, access denied) are raised at
    once.
    """

    _TRANSIENT_CODES = frozenset(
        {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "ServerBusy"}
    )

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        secure: bool,
        region: str | None,
        retries: int,
        retry_backoff_s: float,
        connect_timeout_s: float,
        read_timeout_s: float,
        part_size_mb: int,
        create_bucket: bool = True,
    ) -> None:
        try:
            import urllib3
            from minio import Minio
        except ImportError as e:  # pragma: no cover - minio is a core dependency
            raise RuntimeError("the S3 store needs the 'minio' package (pip install minio)") from e
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            sanitize_key(self.prefix)
        self.endpoint = endpoint
        self.retries = retries
        self.retry_backoff_s = retry_backoff_s
        self.part_size = part_size_mb * 1024 * 1024
        scheme = "https" if secure else "http"
        self.description = f"S3 store {scheme}://{endpoint}/{bucket}" + (
            f"/{self.prefix}" if self.prefix else ""
        )
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
            retries=urllib3.Retry(total=0, connect=0, read=0, redirect=0, status=0),
            maxsize=16,
        )
        try:
            self._client = Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=region or "us-east-1",
                http_client=http,
            )
        except ValueError as e:
            raise ConfigError(f"invalid S3 endpoint {endpoint!r}: {e}") from e
        if create_bucket:
            self._ensure_bucket()

    # -- plumbing -----------------------------------------------------------------------------------

    def _k(self, key: str) -> str:
        sanitize_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _unk(self, name: str) -> str:
        return name[len(self.prefix) + 1 :] if self.prefix else name

    def _is_transient(self, e: BaseException) -> bool:
        import urllib3
        from minio.error import S3Error, ServerError

        if isinstance(e, S3Error):
            return e.code in self._TRANSIENT_CODES
        if isinstance(e, ServerError):
            return e.status_code >= 500 or e.status_code == 429
        # Local disk errors (ENOSPC while downloading) are not outages and are not retried.
        return isinstance(e, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError)

    def _call(self, op: str, key: str | None, fn: Callable[[], T]) -> T:
        from minio.error import S3Error

        what = f"{op} {key!r}" if key else op
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except StoreError:
                raise
            except S3Error as e:
                if e.code in ("NoSuchKey", "NoSuchObject"):
                    raise ObjectNotFoundError(f"no object {key!r} in {self.description}") from e
                if e.code == "NoSuchBucket":
                    raise StoreError(f"{self.description}: bucket {self.bucket!r} missing") from e
                if not self._is_transient(e) or attempt == self.retries:
                    raise StoreError(
                        f"{self.description} refused {what}: {e.code} {e.message}"
                    ) from e
                err: BaseException = e
            except Exception as e:
                if not self._is_transient(e):
                    raise
                if attempt == self.retries:
                    raise StoreError(
                        f"{self.description} is unreachable ({what} failed after "
                        f"{attempt + 1} attempts: {_reason(e)}); check that it is running and retry"
                    ) from e
                err = e
            delay = self.retry_backoff_s * (2**attempt)
            logger.warning(
                "store %s: %s failed (%s), retry %d/%d in %.1fs",
                self.endpoint,
                op,
                _reason(err),
                attempt + 1,
                self.retries,
                delay,
            )
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _ensure_bucket(self) -> None:
        def ensure() -> None:
            if not self._client.bucket_exists(self.bucket):
                logger.info("creating bucket %s on %s", self.bucket, self.endpoint)
                try:
                    self._client.make_bucket(self.bucket)
                except Exception as e:  # created concurrently by another worker
                    from minio.error import S3Error

                    if not (
                        isinstance(e, S3Error)
                        and e.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists")
                    ):
                        raise

        self._call("create bucket", None, ensure)

    def _write_result(
        self, key: str, result: Any, size: int, ctype: str, meta: dict[str, str]
    ) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=size,
            etag=(result.etag or "").strip('"'),
            last_modified=result.last_modified or datetime.now(UTC),
            content_type=ctype,
            metadata=meta,
        )

    # -- writes -------------------------------------------------------------------------------------

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        name, meta = self._k(key), _check_metadata(metadata)
        result = self._call(
            "put",
            key,
            lambda: self._client.put_object(
                self.bucket,
                name,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=_encode_meta(meta),
            ),
        )
        return self._write_result(key, result, len(data), content_type, meta)

    def put_file(
        self,
        key: str,
        path: str | os.PathLike[str],
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        name, meta = self._k(key), _check_metadata(metadata)
        try:
            size = os.stat(path).st_size
        except OSError as e:
            raise StoreError(f"cannot read {path}: {e.strerror or e}") from e
        result = self._call(
            "put",
            key,
            lambda: self._client.fput_object(
                self.bucket,
                name,
                str(path),
                content_type=content_type,
                metadata=_encode_meta(meta),
                part_size=self.part_size,
            ),
        )
        return self._write_result(key, result, size, content_type, meta)

    def put_stream(
        self,
        key: str,
        fileobj: BinaryIO,
        length: int | None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        name, meta = self._k(key), _check_metadata(metadata)
        seekable = False
        with contextlib.suppress(AttributeError, OSError, ValueError):
            seekable = fileobj.seekable()
        start = fileobj.tell() if seekable else None
        counted = _CountingReader(fileobj)

        def put() -> Any:
            if start is not None:
                fileobj.seek(start)
                counted.count = 0
            elif counted.count:
                # a consumed one-shot stream cannot be replayed: report, don't retry
                raise StoreError(
                    f"{self.description}: upload of {key!r} interrupted and the stream cannot be "
                    "rewound; retry the upload"
                )
            return self._client.put_object(
                self.bucket,
                name,
                counted,
                -1 if length is None else length,
                content_type=content_type,
                metadata=_encode_meta(meta),
                part_size=self.part_size,
            )

        result = self._call("put", key, put)
        return self._write_result(
            key, result, length if length is not None else counted.count, content_type, meta
        )

    # -- reads --------------------------------------------------------------------------------------

    def stat(self, key: str) -> ObjectInfo | None:
        name = self._k(key)
        try:
            st = self._call("stat", key, lambda: self._client.stat_object(self.bucket, name))
        except ObjectNotFoundError:
            return None
        return ObjectInfo(
            key=key,
            size=int(st.size or 0),
            etag=(st.etag or "").strip('"'),
            last_modified=_aware(st.last_modified),
            content_type=st.content_type,
            metadata=_decode_meta(st.metadata),
        )

    def _get(self, key: str) -> Any:
        name = self._k(key)
        return self._call("get", key, lambda: self._client.get_object(self.bucket, name))

    def get_bytes(self, key: str) -> bytes:
        def fetch() -> bytes:
            resp = self._client.get_object(self.bucket, self._k(key))
            try:
                return resp.read()
            finally:
                resp.close()
                resp.release_conn()

        return self._call("get", key, fetch)

    @contextlib.contextmanager
    def open(self, key: str) -> Iterator[IO[bytes]]:
        resp = self._get(key)
        try:
            yield io.BufferedReader(_GuardedReader(resp, self, key), buffer_size=1 << 20)
        finally:
            resp.close()
            resp.release_conn()

    def download(self, key: str, path: str | os.PathLike[str]) -> Path:
        dest = Path(path)

        def fetch() -> Path:
            resp = self._client.get_object(self.bucket, self._k(key))
            try:
                return _atomic_copy(resp, dest)
            finally:
                resp.close()
                resp.release_conn()

        return self._call("download", key, fetch)

    def list(self, prefix: str = "", recursive: bool = True) -> Iterator[ObjectInfo]:
        sanitize_prefix(prefix)
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        yield from self._walk(full, recursive)

    def _walk(self, full_prefix: str, recursive: bool) -> Iterator[ObjectInfo]:
        # Servers differ in listing order (SeaweedFS lists per directory, MinIO in byte order), so
        # walk level by level with a delimiter and sort each level, directories as "name/": the
        # keys come out in byte order everywhere, and memory holds one level, not the bucket. Each
        # level is fetched whole under retries before anything is yielded: no duplicates, no gaps.
        def fetch() -> list[Any]:
            objs = self._client.list_objects(
                self.bucket, prefix=full_prefix or None, recursive=False
            )
            return sorted(objs, key=lambda o: o.object_name)

        for obj in self._call("list", full_prefix, fetch):
            if obj.is_dir:
                # SeaweedFS reports an emptied directory as a prefix of itself: don't loop on it
                if recursive and len(obj.object_name) > len(full_prefix):
                    yield from self._walk(obj.object_name, recursive)
                continue
            yield ObjectInfo(
                key=self._unk(obj.object_name),
                size=int(obj.size or 0),
                etag=(obj.etag or "").strip('"'),
                last_modified=_aware(obj.last_modified),
                content_type=obj.content_type,
                metadata=_decode_meta(obj.metadata),
            )

    def delete(self, key: str) -> None:
        name = self._k(key)
        self._call("delete", key, lambda: self._client.remove_object(self.bucket, name))

    def presigned_get_url(self, key: str, expires: timedelta) -> str | None:
        name = self._k(key)
        return self._call(
            "presign",
            key,
            lambda: self._client.presigned_get_object(self.bucket, name, expires=expires),
        )

    def check(self) -> None:
        if not self._call("check", None, lambda: self._client.bucket_exists(self.bucket)):
            raise StoreError(f"{self.description}: bucket {self.bucket!r} does not exist")


class _CountingReader(io.RawIOBase):
    """Counts bytes handed to the uploader (for unknown-length streams)."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self.count += len(data)
        return data


class _GuardedReader(io.RawIOBase):
    """An S3 response body whose mid-stream network errors surface as :class:`StoreError`."""

    def __init__(self, resp: Any, store: S3Store, key: str) -> None:
        self._resp = resp
        self._store = store
        self._key = key

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            return self._resp.readinto(b)
        except Exception as e:
            if self._store._is_transient(e):
                raise StoreError(
                    f"{self._store.description} is unreachable (reading {self._key!r}: "
                    f"{_reason(e)}); retry"
                ) from e
            raise


def _reason(e: BaseException) -> str:
    inner = e
    while getattr(inner, "reason", None) is not None and isinstance(inner.reason, BaseException):
        inner = inner.reason
    text = str(inner).split("\n", 1)[0]
    text = re.sub(r"<urllib3[^>]*>:\s*", "", text)
    return f"{type(inner).__name__}: {text}"[:200]


def _aware(dt: datetime | None) -> datetime:
    if dt is None:
        return datetime.now(UTC)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _encode_meta(meta: Mapping[str, str]) -> dict[str, str]:
    # S3 metadata travels as HTTP headers: ASCII only, so non-ASCII (Chinese names) is %-encoded.
    return {k: urllib.parse.quote(v, safe=_META_SAFE) for k, v in meta.items()}


def _decode_meta(headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if not headers:
        return out
    for k, v in dict(headers).items():
        lk = str(k).lower()
        if lk.startswith("x-amz-meta-"):
            out[lk[len("x-amz-meta-") :]] = urllib.parse.unquote(str(v))
    return out


# --------------------------------------------------------------------------------------------------
# Factory


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
    "SECRET_KEY_ENV",
    "LocalStore",
    "ObjectInfo",
    "ObjectNotFoundError",
    "ObjectStore",
    "S3Store",
    "StoreOptions",
    "artifact_key",
    "document_key",
    "index_key",
    "open_store",
    "raw_key",
    "report_key",
    "reserved_key",
    "sanitize_key",
    "sanitize_prefix",
    "store_from_config",
]
