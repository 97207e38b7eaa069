"""The video pass: :class:`VideoDetector` decodes a file once and feeds every sampled frame to the
keyframe, integrity, motion and presence trackers (see the package docstring)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import ConfigDict, Field

from ..options import SectionOptions
from ..types import SOURCES, VideoEvent
from .confrontation import ConfrontationOptions, MotionTracker, confrontation_events
from .frames import audio_levels, iter_frames
from .integrity import (
    FrameIntegrity,
    IntegrityOptions,
    audio_dropouts,
    clip_gaps,
    dropouts_from_levels,
    mid_conversation,
)
from .keyframes import Keyframe, KeyframeOptions, SceneTracker, extract_frames
from .presence import PresenceOptions, PresenceTracker

logger = logging.getLogger("vigil.detectors")

__all__ = ["Keyframe", "VideoAnalysis", "VideoDetector", "VideoOptions"]


class VideoOptions(SectionOptions):
    """The ``video:`` section of the pipeline config (every field comes from YAML).

    Attributes:
        sample_fps: frames analysed per second of video (the decoder still decodes every frame).
        analysis_width: width frames are scaled to for analysis (aspect ratio kept).
        decode_threads: decoder threads (0 = FFmpeg's choice).
        skip_frames: frames the decoder may drop because they are rarely sampled: ``none``,
            ``nonref`` (unreferenced frames) or ``bidir`` (all B-frames; about halves the decode
            time of main-profile H.264). Sampled frames keep their exact timestamps; if fewer
            than ``sample_fps`` frames per second remain, fewer frames are analysed.
        max_decode_errors: corrupt packets skipped before the file is refused.
        decode_audio: when ``analyze`` gets no audio, decode the file's own audio track for the
            dropout check.
        keyframes / confrontation / integrity / presence: per-check settings.
    """

    model_config = ConfigDict(extra="forbid")
    section = "video"

    sample_fps: float = Field(gt=0, le=60)
    analysis_width: int = Field(ge=32, le=3840)
    decode_threads: int = Field(ge=0, le=64)
    skip_frames: Literal["none", "nonref", "bidir"]
    max_decode_errors: int = Field(ge=0)
    decode_audio: bool
    keyframes: KeyframeOptions
    confrontation: ConfrontationOptions
    integrity: IntegrityOptions
    presence: PresenceOptions


@dataclass(frozen=True, slots=True)
class VideoAnalysis:
    """Everything the video pass found; ``to_dict`` omits JPEG bytes (the pipeline stores those)."""

    events: tuple[VideoEvent, ...]
    keyframes: tuple[Keyframe, ...]
    frames_analyzed: int
    sample_fps: float
    duration: float
    timings: dict[str, float] = field(default_factory=dict)
    width: int = 0
    height: int = 0
    warnings: tuple[str, ...] = ()

    def events_of(self, kind: str) -> tuple[VideoEvent, ...]:
        return tuple(e for e in self.events if e.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": [e.to_dict() for e in self.events],
            "keyframes": [k.to_dict() for k in self.keyframes],
            "frames_analyzed": self.frames_analyzed,
            "sample_fps": self.sample_fps,
            "duration": round(self.duration, 3),
            "width": self.width,
            "height": self.height,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "warnings": list(self.warnings),
        }


class VideoDetector:
    """Runs the video checks on one file; cheap to construct, reusable, holds no per-file state."""

    def __init__(self, options: VideoOptions | Mapping[str, Any]) -> None:
        self.options = VideoOptions.from_config(options)

    def analyze(
        self,
        path: str | Path,
        *,
        source: str,
        audio: np.ndarray | None = None,
        sample_rate: int = 16000,
        audio_cues: Sequence[tuple[float, float, float]] = (),
        first_speech: float | None = None,
    ) -> VideoAnalysis:
        """Analyse ``path`` (a video file) recorded by a ``source`` camera.

        ``audio``: mono float audio of the same file (sample 0 = media time 0) for the dropout
        check; ``audio_cues``: ``(start, end, weight)`` audio evidence of a struggle (shouting,
        "别推"...), weight in [0, 1]; ``first_speech``: time of the first speech, if any.
        Raises MediaError for missing, empty or corrupt video.
        """
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; valid: {', '.join(SOURCES)}")
        o = self.options
        timings: dict[str, float] = {"decode": 0.0}
        warnings: list[str] = []
        run_motion = source in o.confrontation.sources
        run_presence = source in o.presence.sources
        scenes = SceneTracker(o.keyframes)
        integrity = FrameIntegrity(o.integrity)
        motion = MotionTracker(o.confrontation, o.sample_fps) if run_motion else None
        presence = PresenceTracker(o.presence) if run_presence else None
        stages: list[tuple[str, Any]] = [
            ("keyframes", scenes.update),
            ("integrity", lambda s: integrity.update(s.time, s.gray)),
        ]
        if motion is not None:
            stages.append(("motion", lambda s: motion.update(s.time, s.gray)))
        if presence is not None:
            stages.append(("presence", presence.update))
        for name, _ in stages:
            timings[name] = 0.0
        meta: dict[str, Any] = {}
        frames = 0
        first_t = last_t = 0.0
        t0 = time.perf_counter()
        it = iter_frames(
            path,
            sample_fps=o.sample_fps,
            analysis_width=o.analysis_width,
            threads=o.decode_threads,
            skip=o.skip_frames,
            max_decode_errors=o.max_decode_errors,
            info_out=meta,
        )
        tick = time.perf_counter()
        for sample in it:
            now = time.perf_counter()
            timings["decode"] += now - tick
            if frames == 0:
                first_t = sample.time
            last_t = sample.time
            frames += 1
            for name, fn in stages:
                s0 = time.perf_counter()
                fn(sample)
                timings[name] += time.perf_counter() - s0
            tick = time.perf_counter()
        timings["decode"] += time.perf_counter() - tick
        info = meta["info"]
        step = 1.0 / o.sample_fps
        frame_dt = 1.0 / info.fps if info.fps > 0 else step
        duration = max(info.duration, last_t + frame_dt)
        if meta.get("decode_errors"):
            warnings.append(f"{meta['decode_errors']} corrupt video packet(s) skipped")

        s0 = time.perf_counter()
        events: list[VideoEvent] = list(integrity.finish(duration))
        timings["integrity"] += time.perf_counter() - s0

        s0 = time.perf_counter()
        if audio is not None:
            events += audio_dropouts(audio, sample_rate, first_t, duration, o.integrity)
        elif o.decode_audio and info.has_audio:
            window = o.integrity.dropout_window_s
            levels = audio_levels(path, sample_rate, window)
            if levels is not None:
                events += dropouts_from_levels(
                    levels,
                    round(window * sample_rate) / sample_rate,
                    first_t,
                    duration,
                    o.integrity,
                )
        elif info.has_audio:
            warnings.append("audio not given: audio dropout not checked")
        else:
            # A camera that recorded no sound is itself a recording problem, for the whole clip.
            events.append(
                VideoEvent(
                    kind="no_audio_track",
                    start=0.0,
                    end=duration,
                    confidence=1.0,
                    detail={"reason": "no audio track"},
                )
            )
        events += mid_conversation(first_speech, o.integrity)
        timings["audio"] = time.perf_counter() - s0

        if motion is not None:
            s0 = time.perf_counter()
            events += confrontation_events(motion, tuple(audio_cues), duration)
            timings["motion"] += time.perf_counter() - s0
        if presence is not None:
            s0 = time.perf_counter()
            events += presence.finish(duration)
            timings["presence"] += time.perf_counter() - s0
        timings["total"] = time.perf_counter() - t0
        events.sort(key=lambda e: (e.start, e.end, e.kind))
        logger.info(
            "video %s: %d frames analysed of %.1fs in %.2fs, %d event(s), %d keyframe(s)",
            Path(path).name,
            frames,
            duration,
            timings["total"],
            len(events),
            len(scenes.keyframes),
        )
        return VideoAnalysis(
            events=tuple(events),
            keyframes=tuple(sorted(scenes.keyframes, key=lambda k: k.time)),
            frames_analyzed=frames,
            sample_fps=o.sample_fps,
            duration=round(duration, 3),
            timings=timings,
            width=info.width,
            height=info.height,
            warnings=tuple(warnings),
        )

    def extract_frames(self, path: str | Path, times: Iterable[float]) -> list[Keyframe]:
        """JPEG keyframes (reason ``requested``) at ``times``, e.g. the flag times after the rules."""
        k = self.options.keyframes
        return extract_frames(path, times, jpeg_width=k.jpeg_width, jpeg_quality=k.jpeg_quality)

    def clip_gaps(self, spans: Sequence[tuple[float, float]]) -> list[VideoEvent]:
        """``clip_gap`` events between consecutive clips given as ``(start_time, duration)``."""
        return clip_gaps(spans, self.options.integrity)
