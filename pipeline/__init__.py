"""Vigil's pipeline: media, orchestration, documents, object store, batch and the CLI.

Exports resolve lazily (PEP 562): ``import pipeline`` stays cheap, and Ray, PyAV or the models load only
when the piece that needs them is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Pipeline": "pipeline.analyzer",
    "RecordingResult": "pipeline.analyzer",
    "AnalysisDocument": "pipeline.document",
    "VigilConfig": "pipeline.config",
    "load_config": "pipeline.config",
    "probe": "pipeline.media",
    "load_audio": "pipeline.media",
    "iter_audio": "pipeline.media",
    "open_store": "pipeline.store",
    "ObjectStore": "pipeline.store",
    "run_batch": "pipeline.batch",
    "VigilError": "pipeline.errors",
    "MediaError": "pipeline.errors",
    "StoreError": "pipeline.errors",
    "ConfigError": "pipeline.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
