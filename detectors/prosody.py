"""Prosody: loudness, pitch and speech rate per utterance, the raw material of the agitation rule.

Why this shape: the rules layer compares an officer turn against the same officer's baseline, so every
utterance needs the same three numbers measured the same way, on mono body-cam mixes and on the officer's
own channel of counter/phone recordings. Measurement is plain vectorised numpy (frame energies from a
cumulative sum, YIN pitch through FFT autocorrelation) so it runs hundreds of times faster than real
time on a CPU and needs no model.

Definitions (thresholds from the ``prosody`` config section):

* *active* frames: speech activity by energy — above an absolute floor, a margin above the channel's
  noise floor (a low percentile of all frame levels on that channel) and within a range of the
  utterance's loudest frame;
* *voiced* frames: active frames whose YIN aperiodicity is low enough to carry a pitch;
* ``loudness_db``: RMS level (dBFS) over active frames;
* ``pitch_hz``: median YIN F0 of voiced frames within [fmin, fmax];
* ``speech_rate``: transcript units (CJK characters, digits, Latin words) per second of active time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.fft as sfft
from pydantic import ConfigDict, Field, model_validator

from .blocks import BLOCK, downmix, release_mapped
from .options import SectionOptions
from .types import Prosody, Utterance

logger = logging.getLogger("vigil.detectors")

Span = Utterance | tuple[float, float, int | None, str] | tuple[float, float]
_UNITS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|\d|[A-Za-z]+")
_SILENCE_DB = -120.0


class ProsodyOptions(SectionOptions):
    """The ``prosody`` config section.

    Attributes:
        frame_ms: analysis window (energy and the YIN integration window).
        hop_ms: frame step.
        fmin_hz / fmax_hz: pitch search range.
        yin_threshold: first CMND dip below this is taken as the period (YIN's absolute threshold).
        max_aperiodicity: frames whose best CMND value is above this are unvoiced.
        floor_dbfs: frames quieter than this are never speech.
        snr_db: frames must be this far above the channel noise floor to count as speech.
        range_db: frames more than this below the utterance's loudest frame are not speech.
        noise_percentile: percentile of all frame levels on a channel taken as its noise floor
            (capped at ``snr_db`` below the median frame, for clips without pauses).
        min_active_s: less active time than this gives ``pitch_hz``/``speech_rate`` of ``None``.
        block_frames: frames analysed at once (bounds memory on long utterances).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "prosody"

    frame_ms: float = Field(ge=10, le=100)
    hop_ms: float = Field(ge=2, le=50)
    fmin_hz: float = Field(ge=30, le=400)
    fmax_hz: float = Field(ge=100, le=2000)
    yin_threshold: float = Field(gt=0, lt=1)
    max_aperiodicity: float = Field(gt=0, le=1)
    floor_dbfs: float = Field(ge=-120, le=-10)
    snr_db: float = Field(ge=0, le=60)
    range_db: float = Field(ge=5, le=100)
    noise_percentile: float = Field(ge=0, le=50)
    min_active_s: float = Field(ge=0, le=5)
    block_frames: int = Field(ge=16, le=100000)

    @model_validator(mode="after")
    def _check(self) -> ProsodyOptions:
        if self.fmin_hz >= self.fmax_hz:
            raise ValueError("prosody.fmin_hz must be below fmax_hz")
        if self.yin_threshold > self.max_aperiodicity:
            raise ValueError("prosody.yin_threshold must not exceed max_aperiodicity")
        return self


@dataclass(frozen=True, slots=True)
class SpanLevel:
    """Level statistics of one span, used by role detection to find the near-field voice.

    ``snr_db`` is the active level above the channel's noise floor; ``periodicity`` is the share of active
    frames that are voiced (reverberant, far-field speech is less periodic).
    """

    loudness_db: float
    snr_db: float
    periodicity: float
    active_s: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _SpanAnalysis:
    level: SpanLevel
    pitch_hz: float | None


class ProsodyDetector:
    """Measures :class:`~detectors.types.Prosody` of utterances in a recording."""

    def __init__(self, options: ProsodyOptions | Mapping[str, Any]) -> None:
        self.options = ProsodyOptions.from_config(options)

    # ------------------------------------------------------------------------------ public API

    def measure(self, audio: np.ndarray, sample_rate: int, spans: Sequence[Span]) -> list[Prosody]:
        """One :class:`Prosody` per span, in order.

        ``audio`` is ``(channels, n)`` or ``(n,)`` float. A span is an :class:`Utterance` or a tuple
        ``(start, end[, channel, text])``; its channel is used when the audio has that channel,
        otherwise the mono mix. Without text, ``speech_rate`` is ``None``.
        """
        return self.measure_with_levels(audio, sample_rate, spans)[0]

    def measure_with_levels(
        self, audio: np.ndarray, sample_rate: int, spans: Sequence[Span]
    ) -> tuple[list[Prosody], list[SpanLevel]]:
        """:meth:`measure` and :meth:`levels` of the same spans from one analysis (the pipeline
        hands the levels on to role detection instead of analysing the audio twice)."""
        analyses, texts = self._analyse(audio, sample_rate, spans)
        out: list[Prosody] = []
        for a, text in zip(analyses, texts, strict=True):
            rate = None
            units = count_units(text)
            if units and a.level.active_s >= self.options.min_active_s and a.level.active_s > 0:
                rate = units / a.level.active_s
            out.append(
                Prosody(loudness_db=a.level.loudness_db, pitch_hz=a.pitch_hz, speech_rate=rate)
            )
        return out, [a.level for a in analyses]

    def levels(self, audio: np.ndarray, sample_rate: int, spans: Sequence[Span]) -> list[SpanLevel]:
        """Level, SNR and periodicity per span (see :class:`SpanLevel`)."""
        return [a.level for a in self._analyse(audio, sample_rate, spans)[0]]

    # ------------------------------------------------------------------------------ internals

    def _analyse(
        self, audio: np.ndarray, sample_rate: int, spans: Sequence[Span]
    ) -> tuple[list[_SpanAnalysis], list[str]]:
        x = np.asarray(audio)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2:
            raise ValueError(f"audio must be (n,) or (channels, n); got shape {x.shape}")
        if sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive; got {sample_rate}")
        x = x.astype(np.float32, copy=False)
        o = self.options
        hop = max(1, int(round(o.hop_ms * sample_rate / 1000)))
        win = max(2, int(round(o.frame_ms * sample_rate / 1000)))
        tau_min = max(2, int(np.floor(sample_rate / o.fmax_hz)))
        tau_max = int(np.ceil(sample_rate / o.fmin_hz)) + 1
        cache: dict[int, _Channel] = {}

        def channel_data(ch: int | None) -> _Channel:
            key = -1 if ch is None or x.shape[0] == 1 or ch >= x.shape[0] or ch < 0 else ch
            if key not in cache:
                sig = downmix(x) if key == -1 else x[max(key, 0)]
                cache[key] = _Channel(sig, win, hop, win + tau_max + 2, o)
            return cache[key]

        results: list[_SpanAnalysis] = []
        texts: list[str] = []
        for span in spans:
            start, end, ch, text = _unpack(span)
            texts.append(text)
            chan = channel_data(ch)
            pdb, floor = chan.pdb, chan.floor
            f0 = max(0, int(np.ceil(start * sample_rate / hop)))
            f1 = min(pdb.size, int(np.floor((end * sample_rate - win) / hop)) + 1)
            if f1 <= f0:  # span shorter than a frame: level of whatever samples it has
                seg = chan.samples(max(0, int(start * sample_rate)), max(0, int(end * sample_rate)))
                lvl = _db(np.mean(np.square(seg, dtype=np.float64))) if seg.size else _SILENCE_DB
                results.append(_SpanAnalysis(SpanLevel(lvl, lvl - floor, 0.0, 0.0), None))
                continue
            fr = pdb[f0:f1]
            peak = float(fr.max())
            active = (fr > o.floor_dbfs) & (fr > floor + o.snr_db) & (fr > peak - o.range_db)
            idx = np.flatnonzero(active) + f0
            active_s = idx.size * hop / sample_rate
            if idx.size == 0:
                lvl = _db(np.mean(10 ** (fr / 10)))
                results.append(_SpanAnalysis(SpanLevel(lvl, lvl - floor, 0.0, 0.0), None))
                continue
            lvl = _db(np.mean(10 ** (pdb[idx] / 10)))
            lo = int(idx[0]) * hop
            sig, csum = chan.window(lo, int(idx[-1]) * hop + win + tau_max + 1)
            f0s, aper = _yin(sig, csum, idx * hop - lo, win, tau_min, tau_max, sample_rate, o)
            voiced = (
                (aper <= o.max_aperiodicity) & (f0s >= o.fmin_hz * 0.97) & (f0s <= o.fmax_hz * 1.03)
            )
            pitch = None
            if voiced.any() and voiced.sum() * hop / sample_rate >= min(o.min_active_s, active_s):
                pitch = float(np.median(f0s[voiced]))
            level = SpanLevel(
                loudness_db=lvl,
                snr_db=lvl - floor,
                periodicity=float(voiced.mean()),
                active_s=active_s,
            )
            results.append(_SpanAnalysis(level, pitch))
        return results, texts


def count_units(text: str) -> int:
    """Spoken units of a transcript: CJK characters, digits and Latin words."""
    return len(_UNITS.findall(text or ""))


def _unpack(span: Span) -> tuple[float, float, int | None, str]:
    if isinstance(span, Utterance):
        return span.start, span.end, span.channel, span.text
    if isinstance(span, tuple | list) and len(span) >= 2:
        start, end = float(span[0]), float(span[1])
        ch = span[2] if len(span) > 2 else None
        text = span[3] if len(span) > 3 else ""
        if end < start:
            raise ValueError(f"span ends before it starts: {start}..{end}")
        return start, end, (int(ch) if ch is not None else None), str(text or "")
    raise TypeError(f"a span is an Utterance or (start, end[, channel, text]); got {type(span)!r}")


def _db(power: float | np.floating) -> float:
    return float(max(_SILENCE_DB, 10 * np.log10(float(power) + 1e-20)))


class _Channel:
    """One channel's signal for the span analyses, with no whole-recording temporaries.

    Why this shape: the analysis used to hold the DC-free signal, a zero-padded copy of it and the
    float64 cumulative sum of its squares, together about six times the audio (4 GB for three
    hours of 16 kHz audio). Here only the frame levels (100 a second) and the running sum of
    squares at every ``_STRIDE``-th sample are kept; a span's samples and cumulative sums are
    rebuilt from the nearest checkpoint when it is analysed. Every value is the same to the bit
    as the whole-array computation: the mean is NumPy's pairwise sum with NumPy's split points,
    and a cumulative sum continued from a checkpoint repeats the same additions in the same order.
    """

    def __init__(self, sig: np.ndarray, win: int, hop: int, pad: int, o: ProsodyOptions) -> None:
        self._raw = sig
        self.n = int(sig.shape[0])
        self.length = self.n + pad  # the signal as YIN sees it: zero-padded at the end
        # DC would bias YIN; the mean as ``sig.mean()`` computes it (float32 sum / count)
        self._dc = np.float32(_pairwise_sum(sig) / self.n) if self.n else np.float32(0.0)
        # _marks[k]: sum of squares of samples [0, k * _STRIDE), accumulated in cumsum's order
        self._marks = np.zeros(self.length // _STRIDE + 1, dtype=np.float64)
        for k in range(1, self._marks.shape[0]):
            lo = (k - 1) * _STRIDE
            sq = np.square(self.samples(lo, lo + _STRIDE), dtype=np.float64)
            self._marks[k] = np.cumsum(np.concatenate([[self._marks[k - 1]], sq]))[-1]
            if k % 64 == 0:
                release_mapped(sig)  # a fast pass over a spooled recording: keep ~1 MB resident
        frames: list[np.ndarray] = []
        n_frames = (self.n - win) // hop + 1 if self.n >= win else 0
        for k0 in range(0, n_frames, _FRAMES_PER_BLOCK):
            k1 = min(n_frames, k0 + _FRAMES_PER_BLOCK)
            lo = k0 * hop
            c = self._cumsum(lo, (k1 - 1) * hop + win)
            starts = np.arange(k0, k1) * hop - lo
            frames.append((c[starts + win] - c[starts]) / win)
            release_mapped(sig)
        p = np.concatenate(frames) if frames else np.zeros(0, dtype=np.float64)
        self.pdb = np.asarray(10 * np.log10(np.maximum(p, 0) + 1e-20), dtype=np.float64)
        self.floor = _SILENCE_DB
        if self.pdb.size:
            # a clip with no pauses has no noise frames: never put the floor closer than
            # snr_db under the median frame, or all of its speech would count as noise
            low, mid = np.percentile(self.pdb, [o.noise_percentile, 50.0])
            self.floor = float(min(low, mid - o.snr_db))

    def samples(self, lo: int, hi: int) -> np.ndarray:
        """DC-free float32 samples ``[lo, hi)`` of the zero-padded signal (cut at its end)."""
        hi = min(hi, self.length)
        out = np.zeros(max(0, hi - lo), dtype=np.float32)
        if lo < self.n:
            part = np.asarray(self._raw[lo : min(hi, self.n)], dtype=np.float32)
            out[: part.shape[0]] = part - self._dc
        return out

    def _cumsum(self, lo: int, hi: int) -> np.ndarray:
        """``c[j]`` = sum of squares of samples ``[0, lo + j)`` for ``j`` in ``0..hi - lo``, the
        values ``concatenate([[0], cumsum(square(sig))])[lo : hi + 1]`` has, continued from the
        checkpoint at or below ``lo``."""
        k = lo // _STRIDE
        base = k * _STRIDE
        sq = np.square(self.samples(base, hi), dtype=np.float64)
        c = np.cumsum(np.concatenate([[self._marks[k]], sq]))
        return c[lo - base :]

    def window(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Samples ``[lo, hi)`` and their cumulative sums, indexed from ``lo`` (what YIN reads)."""
        return self.samples(lo, hi), self._cumsum(lo, hi)


_STRIDE = 1 << 14  # samples between cumulative-sum checkpoints: ~1 s of work per span at most
_FRAMES_PER_BLOCK = 1 << 12  # frame levels computed at once (41 s at a 10 ms hop)


def _pairwise_sum(x: np.ndarray) -> np.float32:
    """``np.add.reduce`` of a float32 array, block by block with NumPy's own pairwise split points.

    NumPy sums a contiguous float32 array pairwise, halving at a multiple of 8 until a part has
    at most 128 elements; reducing a part of at most ``BLOCK`` samples directly gives that part's
    exact pairwise sum, so the result equals ``x.sum()`` without a float32 copy of ``x``.
    """
    n = int(x.shape[0])
    if n <= BLOCK:
        # on a contiguous block, as the whole-array code summed a contiguous copy of the channel
        total = np.float32(np.add.reduce(np.ascontiguousarray(x, dtype=np.float32)))
        release_mapped(x)
        return total
    half = n // 2
    half -= half % 8
    return np.float32(_pairwise_sum(x[:half]) + _pairwise_sum(x[half:]))


def _yin(
    sig: np.ndarray,
    csum: np.ndarray,
    starts: np.ndarray,
    win: int,
    tau_min: int,
    tau_max: int,
    sr: int,
    o: ProsodyOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """YIN over the frames beginning at ``starts``: (f0 Hz, aperiodicity) per frame, vectorised.

    ``sig`` is the channel padded with at least ``win + tau_max + 1`` zeros, ``csum`` the cumulative
    sum of its squares with a leading 0 (shared by all spans of the channel).

    Difference function from an FFT cross-correlation and cumulative energies; cumulative mean
    normalisation; the first dip below ``yin_threshold`` (else the global minimum) refined by parabolic
    interpolation.
    """
    length = win + tau_max + 1
    # lags 0..tau_max of a window of `win` samples never wrap around a transform of `length` points
    nfft = 1 << int(np.ceil(np.log2(length)))
    taus = np.arange(tau_max + 1)
    f0_all = np.zeros(starts.size)
    ap_all = np.ones(starts.size)
    for b in range(0, starts.size, o.block_frames):
        st = starts[b : b + o.block_frames]
        frames = sig[st[:, None] + np.arange(length)[None, :]]
        spec = sfft.rfft(frames, nfft, axis=1)
        head = sfft.rfft(frames[:, :win], nfft, axis=1)
        r = sfft.irfft(np.conj(head) * spec, nfft, axis=1)[:, : tau_max + 1].astype(np.float64)
        pos = st[:, None] + taus[None, :]
        e_tau = csum[pos + win] - csum[pos]
        d = np.maximum(e_tau[:, :1] + e_tau - 2 * r, 0.0)
        cum = np.cumsum(d[:, 1:], axis=1)
        cmnd = np.ones_like(d)
        cmnd[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(cum, 1e-12)
        rng = (taus >= tau_min) & (taus < tau_max)
        sub = np.where(rng[None, :], cmnd, np.inf)
        below = sub < o.yin_threshold
        has = below.any(axis=1)
        first = np.argmax(below, axis=1)
        after = taus[None, :] >= first[:, None]
        exited = np.cumsum(after & ~below, axis=1) > 0
        run = after & below & ~exited
        tau_run = np.argmin(np.where(run, sub, np.inf), axis=1)
        tau_glob = np.argmin(sub, axis=1)
        tau = np.where(has, tau_run, tau_glob)
        rows = np.arange(st.size)
        a = cmnd[rows, np.maximum(tau - 1, 0)]
        m = cmnd[rows, tau]
        z = cmnd[rows, np.minimum(tau + 1, tau_max)]
        den = a - 2 * m + z
        delta = np.where(np.abs(den) > 1e-12, 0.5 * (a - z) / np.where(den == 0, 1, den), 0.0)
        delta = np.clip(delta, -1, 1)
        f0_all[b : b + st.size] = sr / np.maximum(tau + delta, 1e-6)
        ap_all[b : b + st.size] = m
    return f0_all, ap_all


__all__ = ["ProsodyDetector", "ProsodyOptions", "SpanLevel", "count_units"]
