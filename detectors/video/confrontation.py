"""PHYSICAL_CONFRONTATION candidates from motion, camera shake and (optionally) audio cues.

Why these features: a body-worn camera in a struggle is shaken hard and erratically, so the
frame's *global* motion (the median optical-flow vector, i.e. the camera's own movement) has a
large variance and keeps reversing direction, while a walking officer pans smoothly (large but
steady global motion). Motion of people *within* the frame (flow minus the global component) adds
a second, camera-independent cue that also works for the fixed counter camera. Audio cues the
pipeline already found (shouting, "别推", "放开我", "松手") raise confidence but cannot create an
event on their own: the picture has to move.

Flow magnitudes are normalised to frame widths per second, so thresholds do not depend on the
analysis resolution or the sample rate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..types import VideoEvent

logger = logging.getLogger("vigil.detectors")


class ConfrontationOptions(BaseModel):
    """Settings of the confrontation detector (``video.confrontation`` in YAML).

    Attributes:
        sources: recording sources the detector runs on.
        flow_width: width (px) of the grey frames Farneback flow runs on.
        flow_levels / flow_winsize / flow_iterations: Farneback pyramid depth, window, iterations.
        window_s: window over which shake (global-motion spread) and reversals are measured.
        shake_ref: global-motion standard deviation (frame widths/s) that scores 1.
        motion_ref: local (non-camera) motion energy (frame widths/s) that scores 1.
        min_reversal_speed: global speed (frame widths/s) below which a direction change is noise.
        w_shake / w_motion / w_reversal: weights of the three video scores (sum to 1).
        audio_weight: how much a full-weight audio cue adds (noisy-OR with the video score).
        audio_min_video: video score below which audio cues add nothing (they cannot create an
            event on a still picture).
        audio_pad_s: cues are widened by this much on each side before matching.
        on_threshold / off_threshold: hysteresis on the fused score.
        merge_gap_s: candidate ranges closer than this merge into one.
        min_duration_s: shortest range reported.
    """

    model_config = ConfigDict(extra="forbid")

    sources: list[str]
    flow_width: int = Field(ge=32, le=1280)
    flow_levels: int = Field(ge=1, le=6)
    flow_winsize: int = Field(ge=5, le=63)
    flow_iterations: int = Field(ge=1, le=10)
    window_s: float = Field(gt=0)
    shake_ref: float = Field(gt=0)
    motion_ref: float = Field(gt=0)
    min_reversal_speed: float = Field(ge=0)
    w_shake: float = Field(ge=0, le=1)
    w_motion: float = Field(ge=0, le=1)
    w_reversal: float = Field(ge=0, le=1)
    audio_weight: float = Field(ge=0, le=1)
    audio_min_video: float = Field(ge=0, le=1)
    audio_pad_s: float = Field(ge=0)
    on_threshold: float = Field(gt=0, le=1)
    off_threshold: float = Field(gt=0, le=1)
    merge_gap_s: float = Field(ge=0)
    min_duration_s: float = Field(ge=0)


class MotionTracker:
    """Streaming optical-flow features: one (time, gx, gy, local energy) row per sampled frame pair."""

    def __init__(self, options: ConfrontationOptions, sample_fps: float) -> None:
        self.o = options
        self.fps = sample_fps
        self._prev: np.ndarray | None = None
        self._prev_t = 0.0
        self._window: np.ndarray | None = None
        self.rows: list[tuple[float, float, float, float]] = []

    def update(self, t: float, gray: np.ndarray) -> None:
        h, w = gray.shape[:2]
        fw = min(self.o.flow_width, w)
        small = (
            gray
            if fw == w
            # linear, as the README's figures were measured (an earlier positional INTER_AREA landed
            # in the dst argument and was ignored)
            else cv2.resize(gray, (fw, max(8, round(h * fw / w))), interpolation=cv2.INTER_LINEAR)
        )
        if self._prev is not None and self._prev.shape == small.shape:
            dt = max(t - self._prev_t, 1e-3)
            prev32, cur32 = self._prev.astype(np.float32), small.astype(np.float32)
            if self._window is None or self._window.shape != small.shape:
                self._window = cv2.createHanningWindow(small.shape[::-1], cv2.CV_32F)
            # camera motion: phase correlation stays exact for the large, erratic shifts of a
            # shaken camera, where dense flow underestimates
            (gx, gy), _ = cv2.phaseCorrelate(prev32, cur32, self._window)
            # the stubs want an array for the flow output that OpenCV allocates when given None
            flow = cv2.calcOpticalFlowFarneback(  # type: ignore[call-overload]
                self._prev,
                small,
                None,
                0.5,
                self.o.flow_levels,
                self.o.flow_winsize,
                self.o.flow_iterations,
                5,
                1.1,
                0,
            )
            fx, fy = flow[..., 0], flow[..., 1]
            mx, my = float(np.median(fx)), float(np.median(fy))
            local = float(np.mean(np.hypot(fx - mx, fy - my)))
            scale = 1.0 / (fw * dt)  # px per sample -> frame widths per second
            self.rows.append(((self._prev_t + t) / 2, gx * scale, gy * scale, local * scale))
        self._prev = small
        self._prev_t = t

    def scores(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Per-row times and video scores in [0, 1], plus the component arrays for details."""
        if not self.rows:
            empty = np.zeros(0)
            return empty, empty, {"shake": empty, "motion": empty, "reversal": empty}
        a = np.asarray(self.rows, dtype=np.float64)
        t, g, local = a[:, 0], a[:, 1:3], a[:, 3]
        half = max(1, round(self.o.window_s * self.fps / 2))
        n = len(a)
        shake = np.zeros(n)
        rev = np.zeros(n)
        speed = np.hypot(g[:, 0], g[:, 1])
        dots = np.einsum("ij,ij->i", g[1:], g[:-1])
        moving = (speed[1:] > self.o.min_reversal_speed) & (speed[:-1] > self.o.min_reversal_speed)
        reversals = np.concatenate([[0.0], ((dots < 0) & moving).astype(float)])
        for i in range(n):
            lo, hi = max(0, i - half), min(n, i + half + 1)
            win = g[lo:hi]
            shake[i] = float(np.sqrt(win[:, 0].var() + win[:, 1].var())) if hi - lo > 1 else 0.0
            rev[i] = float(reversals[lo + 1 : hi].mean()) if hi - lo > 1 else 0.0
        motion = np.convolve(local, np.ones(2 * half + 1) / (2 * half + 1), mode="same")
        s_shake = np.clip(shake / self.o.shake_ref, 0, 1)
        s_motion = np.clip(motion / self.o.motion_ref, 0, 1)
        wsum = max(self.o.w_shake + self.o.w_motion + self.o.w_reversal, 1e-9)
        video = (
            self.o.w_shake * s_shake + self.o.w_motion * s_motion + self.o.w_reversal * rev
        ) / wsum
        return t, video, {"shake": shake, "motion": motion, "reversal": rev}


def audio_score(
    times: np.ndarray, cues: Sequence[tuple[float, float, float]], pad: float
) -> np.ndarray:
    """Max cue weight covering each time (cues are (start, end, weight), weight clipped to [0, 1])."""
    out = np.zeros(len(times))
    for start, end, weight in cues:
        w = float(np.clip(weight, 0.0, 1.0))
        mask = (times >= start - pad) & (times <= end + pad)
        out[mask] = np.maximum(out[mask], w)
    return out


def confrontation_events(
    tracker: MotionTracker,
    cues: Sequence[tuple[float, float, float]],
    duration: float,
) -> list[VideoEvent]:
    """Fuse video and audio scores into confrontation ranges with hysteresis and merging."""
    o = tracker.o
    t, video, parts = tracker.scores()
    if len(t) == 0:
        return []
    aud = audio_score(t, cues, o.audio_pad_s)
    # audio only boosts frames where the picture itself moves: a shout over a calm picture is not
    # a struggle on camera
    gate = (video >= o.audio_min_video).astype(np.float64)
    fused = video + (1.0 - video) * o.audio_weight * aud * gate
    step = 1.0 / tracker.fps
    ranges: list[list[int]] = []
    active = False
    for i, s in enumerate(fused):
        if not active and s >= o.on_threshold:
            active = True
            ranges.append([i, i])
        elif active and s >= o.off_threshold:
            ranges[-1][1] = i
        elif active:
            active = False
    merged: list[list[int]] = []
    for r in ranges:
        if merged and t[r[0]] - t[merged[-1][1]] <= o.merge_gap_s + step:
            merged[-1][1] = r[1]
        else:
            merged.append(list(r))
    events: list[VideoEvent] = []
    for i, j in merged:
        start = max(0.0, t[i] - step / 2)
        end = min(duration, t[j] + step / 2) if duration > 0 else t[j] + step / 2
        if end - start + 1e-6 < o.min_duration_s:
            continue
        sl = slice(i, j + 1)
        conf = float(np.clip(0.5 * fused[sl].mean() + 0.5 * fused[sl].max(), 0, 1))
        n_cues = sum(
            1 for c in cues if c[1] >= start - o.audio_pad_s and c[0] <= end + o.audio_pad_s
        )
        events.append(
            VideoEvent(
                kind="confrontation",
                start=round(float(start), 3),
                end=round(float(end), 3),
                confidence=round(conf, 3),
                detail={
                    "video_score": round(float(video[sl].mean()), 3),
                    "peak_shake": round(float(parts["shake"][sl].max()), 4),
                    "peak_motion": round(float(parts["motion"][sl].max()), 4),
                    "reversal_rate": round(float(parts["reversal"][sl].mean()), 3),
                    "audio_cues": n_cues,
                    "audio_score": round(float(aud[sl].max()), 3),
                },
            )
        )
    return events
