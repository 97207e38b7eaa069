"""RECORDING_INCOMPLETE evidence: black/covered lens, frozen picture, audio dropout, clip gaps and a
recording that starts mid-conversation.

Each check yields :class:`~detectors.types.VideoEvent` s; the rules layer decides whether an event
supports ``RECORDING_INCOMPLETE``. The frame checks are streaming (one scalar pair per sample), so
they cost nothing next to decoding and keep memory flat.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..types import VideoEvent

logger = logging.getLogger("vigil.detectors")


class IntegrityOptions(BaseModel):
    """Thresholds of the recording-integrity checks (all from the ``video.integrity`` YAML section).

    Attributes:
        black_max_luma: mean grey level (0-255) at or below which a frame is dark.
        black_max_std: grey-level standard deviation at or below which a dark frame is featureless
            (a covered lens or a black frame, not a dark room with detail).
        covered_max_std: standard deviation at or below which any frame is featureless (a lens
            covered by a hand or cloth is blurred and flat but not necessarily black).
        black_min_s: shortest dark/covered stretch reported.
        frozen_max_mean_diff: mean absolute grey difference between consecutive samples below
            which the picture did not change.
        frozen_pixel_delta / frozen_max_changed_fraction: a sample also counts as frozen only if
            fewer than this fraction of pixels changed by more than ``frozen_pixel_delta`` (sensor
            noise of a live camera changes some pixels; a frozen encoder changes none).
        frozen_min_s: shortest frozen stretch reported.
        dropout_window_s: window over which audio RMS is measured.
        dropout_max_dbfs: RMS level at or below which a window is digital silence (a microphone
            in a quiet room still records noise well above this).
        dropout_min_s: shortest dropout reported.
        clip_max_gap_s: allowed gap between one clip's end and the next clip's start.
        mid_conversation_s: speech starting before this time means the recording began late.
    """

    model_config = ConfigDict(extra="forbid")

    black_max_luma: float = Field(ge=0, le=255)
    black_max_std: float = Field(ge=0, le=128)
    covered_max_std: float = Field(ge=0, le=128)
    black_min_s: float = Field(gt=0)
    frozen_max_mean_diff: float = Field(ge=0, le=255)
    frozen_pixel_delta: int = Field(ge=0, le=255)
    frozen_max_changed_fraction: float = Field(ge=0, le=1)
    frozen_min_s: float = Field(gt=0)
    dropout_window_s: float = Field(gt=0)
    dropout_max_dbfs: float = Field(le=0)
    dropout_min_s: float = Field(gt=0)
    clip_max_gap_s: float = Field(ge=0)
    mid_conversation_s: float = Field(ge=0)


class FrameIntegrity:
    """Streaming black/covered and frozen-frame detector: feed samples in time order, then finish."""

    def __init__(self, options: IntegrityOptions) -> None:
        self.o = options
        self._prev: np.ndarray | None = None
        self._prev_t = 0.0
        self._dark: list[tuple[float, bool, float, float]] = []  # time, flag, luma, std
        self._frozen: list[tuple[float, bool, float, float]] = []  # from, flag, mean diff, to

    def update(self, t: float, gray: np.ndarray) -> None:
        mean, std = cv2.meanStdDev(gray)
        luma, sd = float(mean[0, 0]), float(std[0, 0])
        dark = (luma <= self.o.black_max_luma and sd <= self.o.black_max_std) or (
            sd <= self.o.covered_max_std
        )
        self._dark.append((t, dark, luma, sd))
        if self._prev is not None:
            diff = cv2.absdiff(gray, self._prev)
            mdiff = float(diff.mean())
            changed = float(np.count_nonzero(diff > self.o.frozen_pixel_delta)) / diff.size
            frozen = (
                not dark
                and mdiff <= self.o.frozen_max_mean_diff
                and changed <= self.o.frozen_max_changed_fraction
            )
            # the picture of prev_t is still shown at t: the frozen interval is [prev_t, t]
            self._frozen.append((self._prev_t, frozen, mdiff, t))
        self._prev = gray
        self._prev_t = t

    def finish(self, end_time: float) -> list[VideoEvent]:
        events: list[VideoEvent] = []
        for start, end, rows in _runs(self._dark, end_time):
            if end - start + 1e-6 < self.o.black_min_s:
                continue
            lumas = [r[2] for r in rows]
            stds = [r[3] for r in rows]
            black = float(np.mean(lumas)) <= self.o.black_max_luma
            conf = _margin_conf(float(np.mean(stds)), self.o.black_max_std, self.o.covered_max_std)
            events.append(
                VideoEvent(
                    kind="black_frames",
                    start=round(start, 3),
                    end=round(end, 3),
                    confidence=conf,
                    detail={
                        "cause": "black" if black else "covered",
                        "mean_luma": round(float(np.mean(lumas)), 2),
                        "mean_std": round(float(np.mean(stds)), 2),
                        "samples": len(rows),
                    },
                )
            )
        for start, _, rows in _runs(self._frozen, self._prev_t):
            # a run of frozen intervals lasts until the sample that finally differed (or the last)
            end = rows[-1][3]
            if end - start + 1e-6 < self.o.frozen_min_s:
                continue
            diffs = [r[2] for r in rows]
            conf = float(
                np.clip(1.0 - np.mean(diffs) / max(self.o.frozen_max_mean_diff, 1e-6), 0.5, 1)
            )
            events.append(
                VideoEvent(
                    kind="frozen_frames",
                    start=round(start, 3),
                    end=round(end, 3),
                    confidence=round(conf, 3),
                    detail={"mean_diff": round(float(np.mean(diffs)), 4), "samples": len(rows) + 1},
                )
            )
        return events


def _margin_conf(value: float, *limits: float) -> float:
    limit = max(max(limits), 1e-6)
    return round(float(np.clip(1.0 - 0.5 * value / limit, 0.5, 1.0)), 3)


_Row = tuple[Any, ...]  # (time, flag, values...) per sample


def _runs(rows: Sequence[_Row], end_time: float) -> list[tuple[float, float, list[_Row]]]:
    """Maximal runs of rows whose flag (item 1) is true; a run ends at the next row's time."""
    out: list[tuple[float, float, list[_Row]]] = []
    i = 0
    n = len(rows)
    while i < n:
        if not rows[i][1]:
            i += 1
            continue
        j = i
        while j + 1 < n and rows[j + 1][1]:
            j += 1
        end = rows[j + 1][0] if j + 1 < n else max(end_time, rows[j][0])
        out.append((rows[i][0], end, list(rows[i : j + 1])))
        i = j + 1
    return out


def window_levels(audio: np.ndarray, sample_rate: int, window_s: float) -> np.ndarray:
    """RMS level in dBFS of each whole ``window_s`` window of mono float audio."""
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    win = max(1, round(window_s * sample_rate))
    n_win = len(x) // win
    if not n_win:
        return np.zeros(0)
    frames = x[: n_win * win].reshape(n_win, win).astype(np.float64)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    return np.asarray(20.0 * np.log10(np.maximum(rms, 1e-10)), dtype=np.float64)


def audio_dropouts(
    audio: np.ndarray,
    sample_rate: int,
    video_start: float,
    video_end: float,
    options: IntegrityOptions,
) -> list[VideoEvent]:
    """Stretches of digital silence (or missing audio) while the picture runs.

    ``audio`` is mono float in [-1, 1] with sample 0 at media time 0. Audio that stops before the
    video does counts as a dropout up to the video's end.
    """
    win = max(1, round(options.dropout_window_s * sample_rate))
    levels = window_levels(audio, sample_rate, options.dropout_window_s)
    return dropouts_from_levels(levels, win / sample_rate, video_start, video_end, options)


def dropouts_from_levels(
    levels: np.ndarray,
    window_s: float,
    video_start: float,
    video_end: float,
    options: IntegrityOptions,
) -> list[VideoEvent]:
    """Dropout events from per-window dBFS levels (window k starts at ``k * window_s``)."""
    o = options
    rows: list[tuple[float, bool, float]] = []
    for k, level in enumerate(levels):
        t = k * window_s
        if t + window_s <= video_start or t >= video_end:
            continue
        rows.append((t, bool(level <= o.dropout_max_dbfs), float(level)))
    audio_end = len(levels) * window_s
    if audio_end < video_end - 1e-6:
        rows.append((max(audio_end, video_start), True, -200.0))
    events: list[VideoEvent] = []
    for start, end, run in _runs(rows, video_end):
        start, end = max(start, video_start), min(end, video_end)
        if end - start + 1e-6 < o.dropout_min_s:
            continue
        heard = [r[2] for r in run if r[2] > -200.0]
        missing = not heard
        events.append(
            VideoEvent(
                kind="audio_dropout",
                start=round(start, 3),
                end=round(end, 3),
                confidence=1.0 if missing or max(heard) <= -90.0 else 0.9,
                detail={
                    "max_dbfs": None if missing else round(max(heard), 1),
                    "cause": "audio_ended" if missing else "digital_silence",
                },
            )
        )
    return events


def clip_gaps(spans: Sequence[tuple[float, float]], options: IntegrityOptions) -> list[VideoEvent]:
    """Gaps between consecutive clips of one incident.

    ``spans`` are ``(start_time, duration)`` in seconds on one shared clock (e.g. epoch seconds
    from the body camera's file metadata); order does not matter. Event times are on that clock.
    """
    ordered = sorted((float(s), float(d)) for s, d in spans)
    for s, d in ordered:
        if d < 0:
            raise ValueError(f"clip duration must be >= 0, got {d} for clip starting at {s}")
    events: list[VideoEvent] = []
    covered_until: float | None = None
    for i, (s, d) in enumerate(ordered):
        if covered_until is not None and s - covered_until > options.clip_max_gap_s:
            events.append(
                VideoEvent(
                    kind="clip_gap",
                    start=round(covered_until, 3),
                    end=round(s, 3),
                    confidence=1.0,
                    detail={"gap_s": round(s - covered_until, 3), "before_clip": i},
                )
            )
        covered_until = s + d if covered_until is None else max(covered_until, s + d)
    return events


def mid_conversation(first_speech: float | None, options: IntegrityOptions) -> list[VideoEvent]:
    """Speech already under way at the first instant: the recording was started late."""
    limit = options.mid_conversation_s
    if first_speech is None or first_speech < 0 or first_speech >= limit:
        return []
    conf = round(float(np.clip(1.0 - first_speech / max(limit, 1e-6) * 0.5, 0.5, 1.0)), 3)
    return [
        VideoEvent(
            kind="starts_mid_conversation",
            start=0.0,
            end=round(float(first_speech), 3),
            confidence=conf,
            detail={"first_speech": round(float(first_speech), 3), "limit_s": limit},
        )
    ]
