"""Routing: which backend diarizes a recording, and the registry that builds backends by name.

:class:`DiarizationDetector` routes each recording to its source's backend (falling back from
``channel`` to ``embedded`` on mono input); :func:`build_diarizer` builds one backend. Backends are
imported only when built, so a counter-only deployment never imports torch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..types import SOURCES, Source
from .base import Diarization, DiarizationOptions, Diarizer, as_channels

logger = logging.getLogger("vigil.detectors")


def _build_channel(options: DiarizationOptions) -> Diarizer:
    from .channel import ChannelDiarizer

    return ChannelDiarizer(options.channel)


def _build_embedded(options: DiarizationOptions) -> Diarizer:
    from .embedded import EmbeddedDiarizer

    return EmbeddedDiarizer(options.embedded)


def _build_pyannote(options: DiarizationOptions) -> Diarizer:
    from .pyannote import PyannoteDiarizer

    return PyannoteDiarizer(options.pyannote)


def _build_spectral(options: DiarizationOptions) -> Diarizer:
    from .spectral import SpectralDiarizer

    return SpectralDiarizer(options.spectral)


_REGISTRY: dict[str, Callable[[DiarizationOptions], Diarizer]] = {
    "channel": _build_channel,
    "embedded": _build_embedded,
    "pyannote": _build_pyannote,
    "spectral": _build_spectral,
}


def build_diarizer(backend: str, options: DiarizationOptions | Mapping[str, Any]) -> Diarizer:
    """Build (and load the models of) one backend by its registered name."""
    try:
        factory = _REGISTRY[backend]
    except KeyError:
        raise ValueError(
            f"unknown diarization backend {backend!r}; choose one of {sorted(_REGISTRY)}"
        ) from None
    return factory(DiarizationOptions.from_config(options))


class DiarizationDetector:
    """Routes each recording to its source's backend; builds each backend once, on first use.

    A mono file routed to ``channel`` falls back to ``embedded`` (there is no second channel to
    compare), with a warning logged and recorded in ``info["warnings"]``.
    """

    def __init__(
        self,
        options: DiarizationOptions | Mapping[str, Any],
        *,
        preload: Iterable[str] = (),
    ) -> None:
        """``preload`` builds those backends now (a Ray actor or a server pays the load once,
        up front); the others are built on first use."""
        self.options = DiarizationOptions.from_config(options)
        self._diarizers: dict[str, Diarizer] = {}
        for backend in preload:
            self.diarizer(backend)

    def backend_for(
        self, source: Source, channels: int, duration_s: float = 0.0
    ) -> tuple[str, list[str]]:
        """The backend a recording will use, and the warnings the choice produced."""
        if source not in self.options.backend_by_source:
            raise ValueError(f"unknown source {source!r}; choose one of {list(SOURCES)}")
        backend: str = self.options.backend_by_source[source]
        warnings: list[str] = []
        if backend == "channel" and channels < 2:
            warnings.append(
                f"source {source!r} is configured for channel diarization but the recording is mono;"
                " fell back to embedded"
            )
            backend = "embedded"
        if backend == "spectral" and duration_s > self.options.long_recording_s:
            warnings.append(
                f"recording of {duration_s:.0f} s is longer than diarization.long_recording_s"
                f" ({self.options.long_recording_s:.0f} s): diarized by"
                f" {self.options.long_recording_backend}"
            )
            backend = self.options.long_recording_backend
        return backend, warnings

    def diarizer(self, backend: str) -> Diarizer:
        if backend not in self._diarizers:
            self._diarizers[backend] = build_diarizer(backend, self.options)
        return self._diarizers[backend]

    def diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        *,
        source: Source,
        num_speakers: int | None = None,
        speech: np.ndarray | None = None,
        cores_free: threading.Event | None = None,
    ) -> Diarization:
        """Diarize with the backend configured for ``source``; ``speech``: Silero's probabilities of
        the 16 kHz mono mix, when the caller has them; ``cores_free``: set once the work the
        diarizer runs beside is done (see :class:`Diarizer`)."""
        audio = as_channels(audio)
        backend, warnings = self.backend_for(
            source, audio.shape[0], audio.shape[1] / sample_rate if sample_rate > 0 else 0.0
        )
        for w in warnings:
            logger.warning("%s", w)
        result = self.diarizer(backend).diarize(
            audio, sample_rate, num_speakers=num_speakers, speech=speech, cores_free=cores_free
        )
        info = dict(result.info)
        info["source"] = source
        info["configured_backend"] = self.options.backend_by_source[source]
        info["warnings"] = [*info.get("warnings", []), *warnings]
        return Diarization(result.turns, result.backend, result.num_speakers, info)
