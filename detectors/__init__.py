"""Vigil's detectors: ASR, diarization, roles, prosody and video.

Exports resolve lazily (PEP 562) so that importing the light result types never loads Whisper, torch or
OpenCV; a process pays for a model only when it first touches the detector that needs it.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AsrDetector": "detectors.asr",
    "AsrInfo": "detectors.asr",
    "AsrOptions": "detectors.asr",
    "Diarization": "detectors.diarization",
    "DiarizationDetector": "detectors.diarization",
    "DiarizationOptions": "detectors.diarization",
    "build_diarizer": "detectors.diarization",
    "ProsodyDetector": "detectors.prosody",
    "RoleDetector": "detectors.roles",
    "VideoDetector": "detectors.video",
    "VideoAnalysis": "detectors.video",
    "resolve_whisper_model": "detectors.models",
    "DetectorError": "detectors.errors",
    "Segment": "detectors.types",
    "SpeakerTurn": "detectors.types",
    "Transcript": "detectors.types",
    "Utterance": "detectors.types",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'detectors' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
