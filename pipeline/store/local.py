"""The embedded default store: objects as files in a directory, so a laptop needs no server.

Writes land in a temp file that is renamed into place (atomic on one filesystem); a JSON sidecar per
object holds its content type, metadata and MD5 etag.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from detectors.errors import StoreError

from .base import (
    DEFAULT_CONTENT_TYPE,
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStore,
    atomic_copy,
    read_chunks,
)
from .keys import sanitize_key, sanitize_prefix

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
        meta: dict[str, str],
    ) -> ObjectInfo:
        dest = self._path(key)
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

    def _put(
        self,
        key: str,
        fileobj: BinaryIO,
        length: int | None,
        content_type: str,
        metadata: dict[str, str],
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
            return atomic_copy(src, dest)

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
