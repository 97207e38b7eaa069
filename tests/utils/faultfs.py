"""Real full and read-only filesystems for fault tests: a tiny tmpfs mounted over a directory.

Not a wrapper around the store: the kernel itself answers ENOSPC and EROFS, exactly as a full disk
or a filesystem remounted read-only after an I/O error would. Mounting needs root (CI runs the
suite as root; scripts/setup.sh installs with apt as root); without it the tests fail, they do not
skip.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FaultFsUnavailable(RuntimeError):
    """The filesystem cannot be mounted here (not root, or mount refused)."""


@contextmanager
def tmpfs(path: Path, size_kib: int) -> Iterator[Path]:
    """A ``size_kib`` tmpfs mounted at ``path`` for the duration of the block."""
    if os.geteuid() != 0:
        raise FaultFsUnavailable("mounting a tmpfs for the full/read-only store tests needs root")
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        raise FaultFsUnavailable(f"mount -t tmpfs failed: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount(path: Path, *, read_only: bool) -> None:
    mode = "ro" if read_only else "rw"
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True, capture_output=True)


def fill(path: Path) -> Path:
    """Write a file under ``path`` until the filesystem says ENOSPC; returns it (delete to free)."""
    filler = path / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 4096, 512, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return filler
