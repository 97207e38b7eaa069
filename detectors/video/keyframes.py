"""Keyframes a reviewer sees next to the transcript: scene changes, plus frames at requested times.

Scene changes use an HSV colour histogram (robust to small motion and noise) compared with the
previous sample by Bhattacharyya distance. Only the JPEG bytes of kept keyframes are held, and
their number is capped, so memory stays bounded for long videos.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import MediaError
from .frames import _AV_ERRORS, FrameSample, _short, encode_jpeg, open_video

logger = logging.getLogger("vigil.detectors")


class KeyframeOptions(BaseModel):
    """Keyframe settings (``video.keyframes`` in YAML).

    Attributes:
        scene_threshold: Bhattacharyya distance (0-1) between consecutive samples' HSV
            histograms above which a scene change is declared.
        min_gap_s: at most one scene-change keyframe per this many seconds.
        max_keyframes: cap on scene-change keyframes kept per video (the strongest are kept).
        include_first: always keep the first frame.
        jpeg_width: width of the stored JPEGs (never upscaled).
        jpeg_quality: JPEG quality 1-100.
    """

    model_config = ConfigDict(extra="forbid")

    scene_threshold: float = Field(gt=0, le=1)
    min_gap_s: float = Field(ge=0)
    max_keyframes: int = Field(ge=0)
    include_first: bool
    jpeg_width: int = Field(ge=16, le=7680)
    jpeg_quality: int = Field(ge=1, le=100)


@dataclass(frozen=True, slots=True)
class Keyframe:
    """One still for the reviewer: ``reason`` is ``first_frame``, ``scene_change`` or ``requested``.

    ``time`` is the shown frame's own timestamp; for ``requested`` frames ``requested`` is the time
    that was asked for (they differ by less than one frame interval), so callers can map back.
    """

    time: float
    reason: str
    jpeg: bytes
    width: int
    height: int
    score: float = 0.0
    requested: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Everything but the JPEG bytes (the pipeline stores those and adds the object key)."""
        return {
            "time": round(self.time, 3),
            "reason": self.reason,
            "width": self.width,
            "height": self.height,
            "score": round(self.score, 3),
            "bytes": len(self.jpeg),
            "requested": self.requested,
        }


def _hist(bgr: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    h = cv2.calcHist([hsv], [0, 1, 2], None, [16, 4, 4], [0, 180, 0, 256, 0, 256])
    return cv2.normalize(h, h).flatten()


class SceneTracker:
    """Streaming scene-change detector that renders a JPEG only when it keeps a frame."""

    def __init__(self, options: KeyframeOptions) -> None:
        self.o = options
        self._prev: np.ndarray | None = None
        self._last_kept = -1e9
        self.keyframes: list[Keyframe] = []

    def update(self, sample: FrameSample) -> None:
        hist = _hist(sample.bgr)
        if self._prev is None:
            if self.o.include_first:
                self._keep(sample, "first_frame", 1.0)
        else:
            d = float(cv2.compareHist(self._prev, hist, cv2.HISTCMP_BHATTACHARYYA))
            if d >= self.o.scene_threshold and sample.time - self._last_kept >= self.o.min_gap_s:
                self._keep(sample, "scene_change", d)
        self._prev = hist

    def _keep(self, sample: FrameSample, reason: str, score: float) -> None:
        scene = [k for k in self.keyframes if k.reason == "scene_change"]
        if reason == "scene_change" and len(scene) >= self.o.max_keyframes:
            weakest = min(scene, key=lambda k: k.score, default=None)
            if weakest is None or weakest.score >= score:
                return
            self.keyframes.remove(weakest)
        jpeg, w, h = sample.render_jpeg(self.o.jpeg_width, self.o.jpeg_quality)
        self.keyframes.append(Keyframe(sample.time, reason, jpeg, w, h, score))
        self._last_kept = sample.time


def extract_frames(
    path: str | Path,
    times: Iterable[float],
    *,
    jpeg_width: int,
    jpeg_quality: int,
    reason: str = "requested",
) -> list[Keyframe]:
    """JPEG frames at ``times`` (seconds on the media timeline), e.g. each flag's time.

    For each time the frame shown at that instant (the last one with ``pts <= t``) is returned;
    times past the end give the last frame. Seeks per distinct time, so cost does not grow with
    the video's length. Raises MediaError for unreadable video.
    """
    wanted = sorted({round(max(0.0, float(t)), 3) for t in times})
    if not wanted:
        return []
    out: list[Keyframe] = []
    with open_video(path) as (container, stream):
        tb = float(stream.time_base)
        start = container.start_time / 1e6 if container.start_time is not None else 0.0
        for t in wanted:
            try:
                container.seek(int((t + start) / tb), stream=stream, backward=True, any_frame=False)
                chosen: Any = None
                chosen_t = 0.0
                for frame in container.decode(stream):
                    if frame.pts is None:
                        continue
                    ft = frame.pts * tb - start
                    if ft <= t + 1e-3 or chosen is None:
                        chosen, chosen_t = frame, ft
                    if ft >= t - 1e-3:
                        break
            except _AV_ERRORS as e:
                raise MediaError(
                    f"cannot read frame at {t:.3f}s of {Path(path).name}: {_short(e)}"
                ) from e
            if chosen is None:
                logger.warning("no frame found at %.3fs of %s", t, Path(path).name)
                continue
            jpeg, w, h = encode_jpeg(chosen, jpeg_width, jpeg_quality)
            out.append(Keyframe(max(0.0, chosen_t), reason, jpeg, w, h, 0.0, requested=t))
    return out
