"""Offline by default: the one place the environment variables that keep model hubs shut are set.

Nothing in Vigil downloads weights at run time. pyannote treats a path that does not exist as a hub id
and Hugging Face libraries retry the hub for ~24 s before failing; ``HF_HUB_OFFLINE=1`` makes any such
mistake fail at once. ``PYANNOTE_METRICS_ENABLED=0`` turns off pyannote's telemetry, which is on by
default and would try to reach its collector. Every entry point (CLI, API, Ray actors) calls
:func:`pin_offline` before anything imports those libraries; Ray passes :data:`OFFLINE_ENV` to actors.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "PYANNOTE_METRICS_ENABLED": "0",
    "TOKENIZERS_PARALLELISM": "false",
}


def pin_offline(environ: MutableMapping[str, str] | None = None, *, force: bool = False) -> None:
    """Set :data:`OFFLINE_ENV` in ``environ`` (default ``os.environ``); values already set are kept
    unless ``force`` (the pyannote backend forces them: a hub lookup there is never wanted)."""
    env = os.environ if environ is None else environ
    for key, value in OFFLINE_ENV.items():
        if force:
            env[key] = value
        else:
            env.setdefault(key, value)
