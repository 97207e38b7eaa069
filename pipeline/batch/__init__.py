"""Batch analysis on Ray: reprocess an archive prefix, or keep up with new uploads (``--watch``).

:mod:`.options` (the ``batch:`` section, the report) <- :mod:`.worker` (the Ray actor) <- :mod:`.runner`
(the driver: listing, skipping, backpressure, retries, the report). ``vigil batch`` is the one command
line; this package has no ``main`` of its own.
"""

from __future__ import annotations

from .options import BatchFailure, BatchOptions, BatchReport, parse_since
from .runner import BatchRunner, run_batch, watch
from .worker import RecordingWorker

__all__ = [
    "BatchFailure",
    "BatchOptions",
    "BatchReport",
    "BatchRunner",
    "RecordingWorker",
    "parse_since",
    "run_batch",
    "watch",
]
