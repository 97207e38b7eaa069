"""Who is at the counter: people and faces on the officer's side and on the visitor's side.

Uses only detectors that ship inside opencv-python (no weights to download): the default HOG
people detector and Haar face cascades from ``cv2.data.haarcascades``. The counter camera's
geometry comes from config: which side of the frame is the officer's, and where the counter
line splits the frame. Raw per-sample detections flicker, so short misses are bridged and short
blips dropped before the events are derived:

* ``visitor_unattended``: a visitor present with no officer for at least ``unattended_s``;
* ``visitor_left``: a visit (``start``..``end``) that ended with the visitor leaving; the rules
  layer checks whether a receipt (回执) was mentioned during it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ModelError
from ..types import VideoEvent
from .frames import FrameSample, _scaled_size

logger = logging.getLogger("vigil.detectors")


class PresenceOptions(BaseModel):
    """Counter-presence settings (``video.presence`` in YAML).

    Attributes:
        sources: recording sources the detector runs on (normally only ``counter``).
        sample_fps: detection rate (HOG is the costliest step; people move slowly at a counter).
        width: frame width the detectors run on (a standing person must be >= 128 px tall).
        officer_side: side of the frame where the officer sits (left/right/top/bottom).
        split: position of the counter line as a fraction of the width (left/right) or height.
        hog_min_weight: minimum SVM score of a HOG person detection.
        hog_win_stride / hog_scale: HOG sliding-window stride (px) and pyramid scale step.
        face_cascades: cascade file names inside ``cv2.data.haarcascades``.
        face_min_size: smallest face (px, at ``width``).
        face_min_neighbors: Haar ``minNeighbors`` (higher = fewer false faces).
        hold_s: detector misses shorter than this inside a presence are bridged.
        min_present_s: presences shorter than this are dropped as false detections.
        unattended_s: visitor alone for at least this long gives ``visitor_unattended``.
        min_visit_s: a visit must last this long before its end counts as ``visitor_left``.
    """

    model_config = ConfigDict(extra="forbid")

    sources: list[str]
    sample_fps: float = Field(gt=0, le=30)
    width: int = Field(ge=128, le=3840)
    officer_side: Literal["left", "right", "top", "bottom"]
    split: float = Field(gt=0, lt=1)
    hog_min_weight: float
    hog_win_stride: int = Field(ge=2, le=32)
    hog_scale: float = Field(gt=1.0, le=2.0)
    face_cascades: list[str]
    face_min_size: int = Field(ge=8)
    face_min_neighbors: int = Field(ge=1)
    hold_s: float = Field(ge=0)
    min_present_s: float = Field(ge=0)
    unattended_s: float = Field(gt=0)
    min_visit_s: float = Field(ge=0)


_HAAR_DIR: str = cv2.data.haarcascades  # type: ignore[attr-defined]


class PresenceTracker:
    """Streaming counter-presence detector: call :meth:`update` per sample, then :meth:`finish`."""

    def __init__(self, options: PresenceOptions) -> None:
        self.o = options
        self._hog = cv2.HOGDescriptor()
        # OpenCV's bundled stubs lack these two run-time attributes
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())  # type: ignore[attr-defined]
        self._faces: list[cv2.CascadeClassifier] = []
        for name in options.face_cascades:
            path = Path(_HAAR_DIR) / name
            cascade = cv2.CascadeClassifier(str(path))
            if cascade.empty():
                raise ModelError(f"Haar cascade {name!r} not found in {_HAAR_DIR}")
            self._faces.append(cascade)
        self._next_t = -1e9
        self.rows: list[tuple[float, int, int]] = []  # time, officer count, visitor count

    def update(self, sample: FrameSample) -> None:
        if sample.time + 1e-6 < self._next_t:
            return
        self._next_t = sample.time + 1.0 / self.o.sample_fps - 1e-3
        f = sample.frame
        w, h = _scaled_size(f.width, f.height, self.o.width)
        bgr = f.to_ndarray(width=w, height=h, format="bgr24")
        boxes = self._detect(bgr)
        officer = visitor = 0
        for x, y, bw, bh in boxes:
            if self._officer_side(x + bw / 2, y + bh / 2, w, h):
                officer += 1
            else:
                visitor += 1
        self.rows.append((sample.time, officer, visitor))

    def _detect(self, bgr: np.ndarray) -> list[tuple[float, float, float, float]]:
        s = self.o.hog_win_stride
        rects, weights = self._hog.detectMultiScale(
            bgr, winStride=(s, s), padding=(8, 8), scale=self.o.hog_scale
        )
        boxes = [
            (float(r[0]), float(r[1]), float(r[2]), float(r[3]))
            for r, wt in zip(rects, np.asarray(weights).reshape(-1), strict=False)
            if float(wt) >= self.o.hog_min_weight
        ]
        if self._faces:
            gray = cv2.equalizeHist(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
            for cascade in self._faces:
                faces = cascade.detectMultiScale(
                    gray,
                    scaleFactor=1.1,
                    minNeighbors=self.o.face_min_neighbors,
                    minSize=(self.o.face_min_size, self.o.face_min_size),
                )
                for fx, fy, fw, fh in faces:
                    # a face inside a body box is the same person
                    cx, cy = fx + fw / 2, fy + fh / 2
                    if not any(
                        bx <= cx <= bx + bw and by <= cy <= by + bh for bx, by, bw, bh in boxes
                    ):
                        boxes.append((float(fx), float(fy), float(fw), float(fh)))
        return boxes

    def _officer_side(self, cx: float, cy: float, w: int, h: int) -> bool:
        side, split = self.o.officer_side, self.o.split
        if side == "left":
            return cx < split * w
        if side == "right":
            return cx >= split * w
        if side == "top":
            return cy < split * h
        return cy >= split * h

    def _presence(self, col: int) -> list[tuple[float, float]]:
        """Cleaned presence intervals for one side (1 = officer, 2 = visitor)."""
        step = 1.0 / self.o.sample_fps
        runs: list[list[float]] = []
        for row in self.rows:
            t, present = row[0], row[col] > 0
            if not present:
                continue
            if runs and t - runs[-1][1] <= self.o.hold_s + step + 1e-6:
                runs[-1][1] = t
            else:
                runs.append([t, t])
        # a presence lasts until the next sample that did not see it
        return [(a, b + step) for a, b in runs if (b + step) - a + 1e-6 >= self.o.min_present_s]

    def finish(self, duration: float) -> list[VideoEvent]:
        if not self.rows:
            return []
        last = self.rows[-1][0] + 1.0 / self.o.sample_fps
        end_of_video = max(duration, last) if duration > 0 else last
        officer = self._presence(1)
        visitor = self._presence(2)
        events: list[VideoEvent] = []
        for vs, ve in visitor:
            ve_c = min(ve, end_of_video)
            # stretches of this visit with no officer
            t = vs
            for os_, oe in [*officer, (ve_c, ve_c)]:
                if oe <= t:
                    continue
                gap_end = min(os_, ve_c)
                if gap_end - t + 1e-6 >= self.o.unattended_s:
                    events.append(
                        VideoEvent(
                            kind="visitor_unattended",
                            start=round(t, 3),
                            end=round(gap_end, 3),
                            confidence=self._confidence(t, gap_end, 2),
                            detail={"unattended_s": round(gap_end - t, 3)},
                        )
                    )
                t = max(t, oe)
                if t >= ve_c:
                    break
            left = ve < end_of_video - 1e-6
            if left and ve - vs + 1e-6 >= self.o.min_visit_s:
                attended = _overlap(vs, ve, officer)
                events.append(
                    VideoEvent(
                        kind="visitor_left",
                        start=round(vs, 3),
                        end=round(ve, 3),
                        confidence=self._confidence(vs, ve, 2),
                        detail={
                            "left_at": round(ve, 3),
                            "officer_present_fraction": round(attended / max(ve - vs, 1e-6), 3),
                        },
                    )
                )
        events.sort(key=lambda e: (e.start, e.kind))
        return events

    def _confidence(self, start: float, end: float, col: int) -> float:
        """Share of samples in the range where the side's detector actually fired (bridged misses
        lower it), floored at 0.5 since the range survived cleaning."""
        hits = [r[col] > 0 for r in self.rows if start - 1e-6 <= r[0] < end]
        if not hits:
            return 0.5
        return round(float(np.clip(np.mean(hits), 0.5, 1.0)), 3)


def _overlap(start: float, end: float, spans: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
