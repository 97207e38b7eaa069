"""Crash points: named places where a test can have the process ``kill -9`` itself.

Crash safety is a claim about write boundaries (document written, database not yet committed; marker
not yet written; ...). Killing a process from outside cannot hit a window a few microseconds wide, so
each boundary calls :func:`crash_point` with its name. Nothing happens unless ``VIGIL_CRASH_AT`` names
that point (a comma-separated list names several); then the process sends itself SIGKILL, exactly as
the OOM killer or ``kill -9`` would: no cleanup handler, no flush, no ``finally``. With
``VIGIL_CRASH_ONCE=<path>`` each point fires only in the first process that manages to create
``<path>.<point>``, so a restarted process gets past it.

Points, in the order a recording meets them: ``worker.after_claim`` (claim and attempt committed),
``worker.after_copy`` (media copied to scratch), ``pipeline.after_artifacts`` (keyframes stored,
document not), ``pipeline.after_version`` (the history copy of the document stored, the latest
pointer not), ``pipeline.after_document`` (document stored, database not committed),
``audit.before_anchor`` (database committed with audit events, anchor file not yet advanced),
``worker.after_commit``. A recording whose analysis fails meets ``worker.before_fail_commit`` (the
failure, retryable or permanent, decided but not committed) and ``worker.after_fail_commit`` (re-queued
or failed, committed) instead of the last three. In the batch: ``batch.after_marker`` and
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
    """SIGKILL this process if ``VIGIL_CRASH_AT`` names ``name`` (a comma-separated list may name
    several points; see the module docstring)."""
    wanted = os.environ.get(CRASH_AT_ENV)
    if not wanted or name not in wanted.split(","):
        return
    once = os.environ.get(CRASH_ONCE_ENV)
    if once:
        try:  # one marker file per point: each point fires once
            os.close(os.open(f"{once}.{name}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return
    logger.critical("crash point %s reached: killing process %d", name, os.getpid())
    os.kill(os.getpid(), signal.SIGKILL)
