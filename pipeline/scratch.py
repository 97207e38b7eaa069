"""Per-process scratch directories that the next start cleans up, even after ``kill -9``.

Uploads being spooled, media copied for analysis, a batch actor's downloads: all are temporary, and a
process that is killed leaves them behind. Each process therefore works in its own directory
``<base>/<prefix>-<pid>-<random>/`` and holds an exclusive ``flock`` on a lock file inside it for as
long as it lives. The kernel drops the lock when the process dies however it dies, so
:func:`sweep_scratch` can tell a dead process's directory (lock free) from a live one's (lock held),
even with several API processes or batch actors sharing one base directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

logger = logging.getLogger("vigil.pipeline")

LOCK_NAME = ".lock"


@dataclass(slots=True)
class ScratchDir:
    """A claimed directory; keep the object alive as long as the directory is in use."""

    path: Path
    _lock: IO[str] | None = field(default=None, repr=False)

    @property
    def released(self) -> bool:
        return self._lock is None

    def release(self) -> None:
        """Remove the directory and drop the lock (a clean shutdown)."""
        shutil.rmtree(self.path, ignore_errors=True)
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.close()
            self._lock = None


def claim_scratch(base: str | os.PathLike[str], prefix: str) -> ScratchDir:
    """Create and lock a fresh scratch directory under ``base`` for this process."""
    root = Path(base)
    root.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}-{os.getpid()}-{secrets.token_hex(4)}"
    # locked under a hidden name first, so a concurrent sweep never sees it unlocked
    hidden = root / f".{name}"
    hidden.mkdir(mode=0o700)
    (hidden / LOCK_NAME).write_text(str(os.getpid()), encoding="ascii")
    # held open read-only: flock does not need write access, and a file open for writing would
    # stop the filesystem from being remounted read-only under a running server
    lock = open(hidden / LOCK_NAME, encoding="ascii")  # noqa: SIM115 - held for the lifetime
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    path = root / name
    hidden.rename(path)
    return ScratchDir(path, lock)


def sweep_scratch(base: str | os.PathLike[str], prefix: str) -> int:
    """Remove the scratch directories under ``base`` whose owner has died; returns how many.

    A directory without a lock file is one whose owner died between creating it and locking it.
    """
    root = Path(base)
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return 0
    removed = 0
    for d in entries:
        visible = d.name.startswith(prefix + "-")
        if not d.is_dir() or not (visible or d.name.startswith(f".{prefix}-")):
            continue
        lock = d / LOCK_NAME
        if _owner_alive(lock) or (not visible and not lock.exists()):
            continue  # alive, or hidden and still being set up
        shutil.rmtree(d, ignore_errors=True)
        removed += 1
    if removed:
        logger.info("removed %d scratch directories of dead processes in %s", removed, root)
    return removed


def _owner_alive(lock_path: Path) -> bool:
    try:
        fh = open(lock_path, encoding="ascii")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False
