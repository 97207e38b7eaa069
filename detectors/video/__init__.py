"""Video detectors: one streaming pass over sampled frames feeds every check.

Public entry point: :class:`VideoDetector` (``analyze`` a file, ``extract_frames`` at flag times,
``clip_gaps`` across the clips of one incident). The pass decodes the file once, samples frames at
``sample_fps`` and hands each sample to the keyframe, integrity, motion and presence trackers,
which keep only scalar features (and the few keyframe JPEGs), so memory does not grow with the
video's length. Events are :class:`~detectors.types.VideoEvent` with detector-level kinds:
``confrontation``, ``black_frames``, ``frozen_frames``, ``audio_dropout``, ``clip_gap``,
``starts_mid_conversation``, ``no_audio_track`` (the file has no sound at all), ``visitor_unattended``,
``visitor_left``.

Layout: :mod:`.frames` (decoding and sampling) <- :mod:`.keyframes`, :mod:`.integrity`,
:mod:`.confrontation`, :mod:`.presence` (one tracker each) <- :mod:`.detector` (the single pass).
"""

from __future__ import annotations

from .detector import VideoAnalysis, VideoDetector, VideoOptions
from .keyframes import Keyframe

__all__ = ["Keyframe", "VideoAnalysis", "VideoDetector", "VideoOptions"]
