"""Crash points: named places where a test can have the process ``kill -9`` itself.

Crash safety is a claim about write boundaries (document written, database not yet committed; marker
not yet written; ...). Killing a process from outside cannot hit a window a few microseconds wide, so
each boundary calls :func:`crash_point` with its name. Nothing happens unless ``VIGIL_CRASH_AT`` names
that point; then the process sends itself SIGKILL, exactly as the OOM killer or ``kill -9`` would:
no cleanup handler, no flush, no ``finally``. With ``VIGIL_CRASH_ONCE=<path>`` the crash fires only in
the first process that manages to create that file, so a restarted process gets past the point.

Points: ``pipeline.after_artifacts`` (keyframes stored, document not), ``pipeline.after_document``,
``worker.after_claim``, ``worker.after_copy``, ``worker.after_commit``, ``batch.after_marker``,
``batch.before_report``.
"""

from __future__ import annotations

import logging
import os
import signal

logger = logging.getLogger("vigil.pipeline")

CRASH_AT_ENV = "VIGIL_CRASH_AT"
CRASH_ONCE_ENV = "VIGIL_CRASH_ONCE"


def crash_point(name: str) -> None:
    """SIGKILL this process if ``VIGIL_CRASH_AT`` is ``name`` (see the module docstring)."""
    if os.environ.get(CRASH_AT_ENV) != name:
        return
    once = os.environ.get(CRASH_ONCE_ENV)
    if once:
        try:
            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return
    logger.critical("crash point %s reached: killing process %d", name, os.getpid())
    os.kill(os.getpid(), signal.SIGKILL)
