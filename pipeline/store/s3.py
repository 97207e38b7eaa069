"""Objects in an S3 bucket through the ``minio`` client (MinIO in production).

Outages are expected (a MinIO node restarts, a network blips): transient failures are retried a few
times with exponential backoff (``store.retries``, ``store.retry_backoff_s``) under short connect/read
timeouts, and then surface as :class:`~detectors.errors.StoreError` with a message that says the store
is unreachable and to retry. Nothing hangs, and S3 writes are atomic by protocol.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar, cast

from detectors.errors import ConfigError, StoreError

from .base import (
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStore,
    atomic_copy,
)
from .keys import sanitize_key, sanitize_prefix

logger = logging.getLogger("vigil.pipeline")

T = TypeVar("T")
# Printable ASCII that can travel in an HTTP header unescaped; everything else is %-encoded.
_META_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


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

    def _put(
        self,
        key: str,
        fileobj: BinaryIO,
        length: int | None,
        content_type: str,
        metadata: dict[str, str],
    ) -> ObjectInfo:
        name, meta = self._k(key), metadata
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
                cast(BinaryIO, counted),  # a raw reader that counts
                -1 if length is None else length,
                content_type=content_type,
                metadata=_encode_meta(meta),  # type: ignore[arg-type]  # stub: dict invariance
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
                return atomic_copy(cast(IO[bytes], resp), dest)  # a readable binary stream
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
        """The bucket exists *and takes a write*. A full bucket (SeaweedFS makes a bucket over its
        quota read-only), a frozen one or a read-only credential still answer every read, so
        existence alone would call the store ready while each upload is refused. The probe object
        (one per process, under the reserved ``.vigil/`` prefix) is written once, without retries:
        a readiness probe must answer within its own timeout, not after the retry backoff."""
        if not self._call("check", None, lambda: self._client.bucket_exists(self.bucket)):
            raise StoreError(f"{self.description}: bucket {self.bucket!r} does not exist")
        name = self._k(f".vigil/ready/{socket.gethostname()}-{os.getpid()}")
        try:
            self._client.put_object(self.bucket, name, io.BytesIO(b"ready\n"), 6, "text/plain")
            self._client.remove_object(self.bucket, name)
        except Exception as e:
            raise StoreError(f"{self.description} does not take writes: {_reason(e)}") from e


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
            return int(self._resp.readinto(b))
        except Exception as e:
            if self._store._is_transient(e):
                raise StoreError(
                    f"{self._store.description} is unreachable (reading {self._key!r}: "
                    f"{_reason(e)}); retry"
                ) from e
            raise


def _reason(e: BaseException) -> str:
    inner = e
    while isinstance(reason := getattr(inner, "reason", None), BaseException):
        inner = reason
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
