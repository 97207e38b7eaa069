"""The error tree, re-exported for pipeline callers; it is defined once, in :mod:`detectors.errors`,
so that detectors and rules can raise the same types without importing upward."""

from __future__ import annotations

from detectors.errors import (
    ConfigError,
    DetectorError,
    Failure,
    MediaError,
    ModelError,
    ModelIntegrityError,
    StoreError,
    VigilError,
    classify,
    one_line,
)

__all__ = [
    "ConfigError",
    "DetectorError",
    "Failure",
    "MediaError",
    "ModelError",
    "ModelIntegrityError",
    "StoreError",
    "VigilError",
    "classify",
    "one_line",
]
