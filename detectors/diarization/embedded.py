"""Embedded diarization for mono recordings: every weight ships inside a registry package.

1. Silero VAD (the copy that ships with faster-whisper) finds speech regions.
2. Resemblyzer's pretrained ``VoiceEncoder`` embeds sliding windows inside each region. Each window is
   level-normalised first: on a body-cam the wearer is much louder than everyone else, and the encoder
   takes a linear (not log) mel spectrogram, so without it loudness would pass for identity.
3. Agglomerative clustering (cosine) with a distance threshold gives the speaker count, unless the caller
   knows it (``num_speakers``); clusters with too little speech are folded into their nearest neighbour.
4. Re-segmentation at hop resolution: each frame takes the centroid closest to the mean embedding of
   the windows covering it, then a majority filter and min-turn / min-gap clean-up.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..blocks import downmix, has_signal
from ..errors import ModelError
from ..types import SpeakerTurn
from ..vad import speech_timestamps
from .base import (
    Diarization,
    Diarizer,
    EmbeddedOptions,
    relabel_by_first_appearance,
    resample_mono,
    torch_threads,
)

logger = logging.getLogger("vigil.detectors")

# Fixed by the models, not tunables: Silero VAD and Resemblyzer both work on 16 kHz audio, and
# Resemblyzer's mel frames are 10 ms apart.
MODEL_RATE = 16000
_MEL_STEP_S = 0.01


@dataclass(frozen=True, slots=True)
class _Window:
    region: int
    start: float
    end: float


class EmbeddedDiarizer(Diarizer):
    """VAD + Resemblyzer + agglomerative clustering; loads both models once, here."""

    name = "embedded"

    def __init__(self, options: EmbeddedOptions) -> None:
        self.options = options
        try:
            import librosa
            import torch
            from faster_whisper.vad import VadOptions
            from resemblyzer import VoiceEncoder, hparams
        except ImportError as e:  # pragma: no cover - both are core dependencies
            raise ModelError(
                f"embedded diarization needs faster-whisper and resemblyzer: {e}"
            ) from e
        self._torch = torch
        self._vad_options = VadOptions(
            threshold=options.vad_threshold,
            min_speech_duration_ms=options.vad_min_speech_ms,
            min_silence_duration_ms=options.vad_min_silence_ms,
            speech_pad_ms=options.vad_speech_pad_ms,
        )
        # Resemblyzer's feature parameters, read from the package so they cannot drift.
        self._librosa = librosa
        self._mel_nfft = int(MODEL_RATE * hparams.mel_window_length / 1000)
        self._mel_hop = int(MODEL_RATE * hparams.mel_window_step / 1000)
        self._mel_basis = librosa.filters.mel(
            sr=MODEL_RATE, n_fft=self._mel_nfft, n_mels=hparams.mel_n_channels
        ).astype(np.float32)
        try:
            self.encoder = VoiceEncoder(device=options.device, verbose=False)
        except Exception as e:  # torch raises several types for a bad device / unreadable weights
            raise ModelError(f"could not load the Resemblyzer voice encoder: {e}") from e
        self.encoder.eval()

    @property
    def reads_speech(self) -> bool:
        """Silero's speech regions are what this backend embeds."""
        return True

    # -------------------------------------------------------------------------------------- stages

    def speech_regions(
        self, mono: np.ndarray, speech: np.ndarray | None = None
    ) -> list[tuple[float, float]]:
        """Silero VAD speech regions in seconds, overlapping pads merged; ``speech``: ``mono``'s
        Silero probabilities when already computed."""
        chunks = speech_timestamps(
            mono, self._vad_options, sampling_rate=MODEL_RATE, probabilities=speech
        )
        regions: list[list[float]] = []
        for chunk in chunks:
            start, end = chunk["start"] / MODEL_RATE, chunk["end"] / MODEL_RATE
            if regions and start <= regions[-1][1]:
                regions[-1][1] = max(regions[-1][1], end)
            else:
                regions.append([start, end])
        duration = mono.shape[0] / MODEL_RATE
        return [(max(0.0, a), min(duration, b)) for a, b in regions if b > a]

    def windows(self, regions: list[tuple[float, float]]) -> list[_Window]:
        """Sliding windows inside each region; the last one is aligned to the region's end."""
        o = self.options
        out: list[_Window] = []
        for r, (start, end) in enumerate(regions):
            length = end - start
            if length >= o.window_s:
                n = int(math.floor((length - o.window_s) / o.hop_s + 1e-9)) + 1
                starts = [start + i * o.hop_s for i in range(n)]
                if end - (starts[-1] + o.window_s) > 1e-6:
                    starts.append(end - o.window_s)
                out.extend(_Window(r, s, s + o.window_s) for s in starts)
            elif length >= o.min_window_s:
                out.append(_Window(r, start, end))
        return out

    def embed(self, mono: np.ndarray, windows: list[_Window]) -> np.ndarray:
        """L2-normalised embeddings ``(len(windows), 256)``.

        The mel power spectrogram is computed once per speech region and sliced per window; a gain
        ``g`` on a window's samples is a factor ``g**2`` on its (linear) mel power, so per-window level
        normalisation costs nothing. Windows of equal length go through the encoder in batches of
        ``batch_size``, built region by region, so a two-hour file never holds every window's
        features (or every LSTM state) in memory at once.
        """
        out = np.zeros((len(windows), 256), dtype=np.float32)
        if not windows:
            return out
        target_rms = 10.0 ** (self.options.level_dbfs / 20.0)
        pending: dict[int, list[tuple[int, np.ndarray]]] = {}
        region, region_start, mel = -1, 0.0, np.zeros((0, 40), np.float32)
        for i, w in enumerate(windows):
            if w.region != region:
                region = w.region
                last = i
                while last + 1 < len(windows) and windows[last + 1].region == region:
                    last += 1
                region_start, region_end = w.start, windows[last].end
                mel = self._mel_power(
                    mono[round(region_start * MODEL_RATE) : round(region_end * MODEL_RATE)]
                )
            seg = mono[round(w.start * MODEL_RATE) : round(w.end * MODEL_RATE)]
            rms = float(np.sqrt(np.mean(np.square(seg, dtype=np.float64)))) if seg.size else 0.0
            gain = target_rms / rms if rms > 1e-6 else 1.0
            first = round((w.start - region_start) / _MEL_STEP_S)
            n = 1 + seg.size // self._mel_hop
            sliced = mel[first : first + n]
            if sliced.shape[0] < n:
                sliced = np.pad(sliced, ((0, n - sliced.shape[0]), (0, 0)))
            group = pending.setdefault(n, [])
            group.append((i, sliced * np.float32(gain * gain)))
            if len(group) >= self.options.batch_size:
                self._encode(group, out)
                group.clear()
        for group in pending.values():
            if group:
                self._encode(group, out)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-8), dtype=np.float32)

    def _encode(self, group: list[tuple[int, np.ndarray]], out: np.ndarray) -> None:
        torch = self._torch
        batch = torch.from_numpy(np.stack([m for _, m in group]).astype(np.float32))
        with torch.inference_mode():
            out[[i for i, _ in group]] = self.encoder(batch.to(self.encoder.device)).cpu().numpy()

    def _mel_power(self, wav: np.ndarray) -> np.ndarray:
        """Resemblyzer's input features, ``(frames, 40)`` linear mel power, as its
        ``wav_to_mel_spectrogram`` computes them (librosa STFT + Slaney mel filters), but with one
        BLAS matmul instead of librosa's einsum, which is ~20x slower here."""
        spec = self._librosa.stft(
            wav.astype(np.float32), n_fft=self._mel_nfft, hop_length=self._mel_hop
        )
        power = (spec.real**2 + spec.imag**2).astype(np.float32)
        mel: np.ndarray = (self._mel_basis @ power).T
        return mel

    def cluster(
        self, embeddings: np.ndarray, num_speakers: int | None, warnings: list[str]
    ) -> np.ndarray:
        """Cluster index per window (0-based).

        Agglomerative clustering needs all pairwise distances (quadratic memory), so beyond
        ``max_cluster_windows`` an evenly spaced subset is clustered and every window then joins its
        nearest centroid.
        """
        from scipy.cluster.hierarchy import fcluster, linkage

        o = self.options
        n = embeddings.shape[0]
        if n == 0:
            return np.zeros(0, dtype=int)
        if num_speakers is not None and num_speakers > n:
            warnings.append(
                f"num_speakers={num_speakers} but only {n} speech windows; using {n} speakers"
            )
        if n == 1:
            return np.zeros(1, dtype=int)
        subset = np.arange(n)
        if n > o.max_cluster_windows:
            subset = np.unique(np.linspace(0, n - 1, o.max_cluster_windows).round().astype(int))
        sub = embeddings[subset].astype(np.float64)
        z = linkage(sub, method=o.linkage, metric="cosine")
        if num_speakers is not None:
            labels = fcluster(z, t=min(num_speakers, subset.size), criterion="maxclust") - 1
        else:
            labels = fcluster(z, t=o.distance_threshold, criterion="distance") - 1
            if labels.max() + 1 > o.max_speakers:
                warnings.append(f"automatic speaker count capped at max_speakers={o.max_speakers}")
                labels = fcluster(z, t=o.max_speakers, criterion="maxclust") - 1
        labels = _compact(labels)
        if num_speakers is None:
            # Fold clusters with too little speech, measured on the clustered subset's scale.
            min_windows = o.min_speaker_s / o.hop_s * subset.size / n
            labels = _fold_small(labels, sub, max(1, round(min_windows)))
        if subset.size < n:
            centroids = np.stack([sub[labels == c].mean(axis=0) for c in range(labels.max() + 1)])
            labels = _compact(np.argmax(embeddings @ centroids.T, axis=1))
        return labels

    # ----------------------------------------------------------------------------------- entry

    def _diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        num_speakers: int | None,
        speech: np.ndarray | None,
        cores_free: threading.Event | None,
    ) -> Diarization:
        """Diarize on ``torch_threads`` threads, set here for this call and put back after.

        Why here and not once when the model loads: torch's thread count is process state that
        another backend built later changes, and OpenMP keeps it per calling thread (diarization may
        run in a worker thread beside ASR). The count matters: two OpenMP threads on two cores that
        other processes share spin waiting for each other, and the embedding pass then ran 8-14 s
        per audio minute instead of 0.7 (README, issue 15). The embeddings are the same either way.
        """
        with torch_threads(self._torch, self.options.torch_threads):
            return self._diarize_mono(audio, sample_rate, num_speakers, speech)

    def _diarize_mono(
        self,
        audio: np.ndarray,
        sample_rate: int,
        num_speakers: int | None,
        speech: np.ndarray | None = None,
    ) -> Diarization:
        """Diarize ``(channels, n)`` audio (downmixed, resampled to 16 kHz); ``num_speakers`` fixes the
        cluster count instead of the distance threshold; ``speech``: the mix's Silero
        probabilities, when the caller has them."""
        o = self.options
        warnings: list[str] = []
        info: dict[str, Any] = {
            "distance_threshold": o.distance_threshold,
            "num_speakers_hint": num_speakers,
            "torch_threads": self._torch.get_num_threads(),
            "warnings": warnings,
        }
        mono = resample_mono(downmix(audio), sample_rate, MODEL_RATE)
        duration = mono.shape[0] / MODEL_RATE
        if mono.size == 0 or not has_signal(mono):
            return Diarization.from_turns((), self.name, info)

        regions = self.speech_regions(mono, speech)
        windows = self.windows(regions)
        embeddings = self.embed(mono, windows)
        labels = self.cluster(embeddings, num_speakers, warnings)
        info.update(regions=len(regions), windows=len(windows))
        if not regions:
            return Diarization.from_turns((), self.name, info)

        turns = self._resegment(regions, windows, embeddings, labels, duration)
        turns, _ = relabel_by_first_appearance(turns, "spk")
        if warnings:
            for w in warnings:
                logger.warning("embedded diarization: %s", w)
        return Diarization.from_turns(turns, self.name, info)

    # ------------------------------------------------------------------------- re-segmentation

    def _resegment(
        self,
        regions: list[tuple[float, float]],
        windows: list[_Window],
        embeddings: np.ndarray,
        labels: np.ndarray,
        duration: float,
    ) -> list[SpeakerTurn]:
        o = self.options
        hop = o.hop_s
        n_frames = max(1, int(math.ceil(duration / hop)))
        centers = (np.arange(n_frames) + 0.5) * hop
        if embeddings.shape[0] == 0:
            # Speech too short for any window: one unknown voice.
            return [SpeakerTurn(a, b, "S0", None, 0.0) for a, b in regions if b - a > 0]

        k = int(labels.max()) + 1
        centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in range(k)])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-8)

        # The frames each window covers. The mean embedding of the windows covering a frame is
        # summed region by region below, not for the whole recording at once (that array grew by
        # 88 MB per three hours): the same windows in the same order, so the same sums.
        win_a = np.searchsorted(centers, [w.start for w in windows], side="left")
        win_b = np.searchsorted(centers, [w.end for w in windows], side="left")

        win_centers = np.array([(w.start + w.end) / 2 for w in windows])
        by_region: dict[int, list[int]] = {}
        for i, w in enumerate(windows):
            by_region.setdefault(w.region, []).append(i)
        turns: list[SpeakerTurn] = []
        for r, (start, end) in enumerate(regions):
            a = int(np.searchsorted(centers, start, side="left"))
            b = max(a + 1, int(np.searchsorted(centers, end, side="left")))
            b = min(b, n_frames)
            if a >= n_frames:
                continue
            frame_emb = np.zeros((b - a, embeddings.shape[1]), dtype=np.float64)
            cover = np.zeros(b - a, dtype=np.int32)
            for wi in np.flatnonzero((win_a < b) & (win_b > a)).tolist():
                lo, hi = max(int(win_a[wi]), a) - a, min(int(win_b[wi]), b) - a
                frame_emb[lo:hi] += embeddings[wi]
                cover[lo:hi] += 1
            missing = cover == 0
            if missing.any():
                # Frames no window covers (a short region or an edge): the nearest window in time,
                # preferring this region's own windows.
                own = by_region.get(r)
                pool = np.array(own) if own else np.arange(len(windows))
                for j in np.flatnonzero(missing):
                    t = centers[a + j]
                    frame_emb[j] = embeddings[pool[np.argmin(np.abs(win_centers[pool] - t))]]
            frame_emb /= np.maximum(np.linalg.norm(frame_emb, axis=1, keepdims=True), 1e-8)
            sims = frame_emb @ centroids.T
            frame_labels = _mode_filter(np.argmax(sims, axis=1), o.median_filter)
            own_sim = sims[np.arange(sims.shape[0]), frame_labels]
            turns.extend(self._region_turns(start, end, a, hop, frame_labels, own_sim))
        return _merge_same_speaker(turns, o.min_gap_s)

    def _region_turns(
        self,
        start: float,
        end: float,
        first_frame: int,
        hop: float,
        labels: np.ndarray,
        sims: np.ndarray,
    ) -> list[SpeakerTurn]:
        """Runs of one label inside a region; runs shorter than min_turn_s join a neighbour."""
        runs: list[list[int]] = []  # [label, first, last_exclusive]
        for i, lab in enumerate(labels.tolist()):
            if runs and runs[-1][0] == lab:
                runs[-1][2] = i + 1
            else:
                runs.append([lab, i, i + 1])
        min_frames = self.options.min_turn_s / hop
        changed = True
        while changed and len(runs) > 1:
            changed = False
            shortest = min(range(len(runs)), key=lambda i: runs[i][2] - runs[i][1])
            if runs[shortest][2] - runs[shortest][1] < min_frames:
                left = runs[shortest - 1] if shortest > 0 else None
                right = runs[shortest + 1] if shortest + 1 < len(runs) else None
                neighbour = (
                    left
                    if right is None
                    or (left is not None and left[2] - left[1] >= right[2] - right[1])
                    else right
                )
                assert neighbour is not None
                neighbour[1] = min(neighbour[1], runs[shortest][1])
                neighbour[2] = max(neighbour[2], runs[shortest][2])
                del runs[shortest]
                # Re-join neighbours that now carry the same label.
                merged: list[list[int]] = []
                for run in runs:
                    if merged and merged[-1][0] == run[0]:
                        merged[-1][2] = run[2]
                    else:
                        merged.append(run)
                runs = merged
                changed = True
        turns = []
        for lab, i, j in runs:
            t0 = start if i == 0 else (first_frame + i) * hop
            t1 = end if j == len(labels) else (first_frame + j) * hop
            if t1 > t0:
                conf = float(np.clip(np.mean(sims[i:j]), 0.0, 1.0))
                turns.append(SpeakerTurn(t0, t1, f"c{lab}", None, round(conf, 3)))
        return turns


# ----------------------------------------------------------------------------------------- helpers


def _compact(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..k-1."""
    _, inverse = np.unique(labels, return_inverse=True)
    return inverse.astype(int)


def _fold_small(labels: np.ndarray, embeddings: np.ndarray, min_windows: int) -> np.ndarray:
    """Move windows of clusters smaller than ``min_windows`` to the nearest remaining centroid."""
    counts = np.bincount(labels)
    big = [c for c in range(counts.size) if counts[c] >= min_windows]
    if not big or len(big) == counts.size:
        return labels
    centroids = np.stack([embeddings[labels == c].mean(axis=0) for c in big])
    out = labels.copy()
    for i in np.flatnonzero(~np.isin(labels, big)):
        out[i] = big[int(np.argmax(centroids @ embeddings[i]))]
    return _compact(out)


def _mode_filter(labels: np.ndarray, size: int) -> np.ndarray:
    """Majority label over a centred window of ``size`` frames (a median filter for two speakers)."""
    if size <= 1 or labels.size <= 2:
        return labels
    half = size // 2
    k = int(labels.max()) + 1
    onehot = np.zeros((labels.size + 2 * half, k))
    onehot[np.arange(labels.size) + half, labels] = 1.0
    # Edge frames vote with what is there, not with padding.
    counts = np.cumsum(onehot, axis=0)
    counts = np.vstack([np.zeros((1, k)), counts])
    window = counts[size:] - counts[:-size]
    window = window[: labels.size]
    out = np.argmax(window, axis=1)
    # Ties keep the frame's own label.
    best = window[np.arange(labels.size), out]
    own = window[np.arange(labels.size), labels]
    return np.where(own >= best, labels, out)


def _merge_same_speaker(turns: list[SpeakerTurn], min_gap_s: float) -> list[SpeakerTurn]:
    """Bridge pauses shorter than ``min_gap_s`` between consecutive turns of the same speaker."""
    out: list[SpeakerTurn] = []
    for t in sorted(turns, key=lambda t: t.start):
        if out and out[-1].speaker == t.speaker and t.start - out[-1].end < min_gap_s:
            prev = out[-1]
            w0, w1 = prev.end - prev.start, t.end - t.start
            conf = (prev.confidence * w0 + t.confidence * w1) / max(w0 + w1, 1e-9)
            out[-1] = SpeakerTurn(prev.start, max(prev.end, t.end), t.speaker, None, round(conf, 3))
        else:
            out.append(t)
    return out
