"""Streaming video decode: sampled, downscaled frames with timestamps on the file's media timeline.

Why PyAV rather than ``cv2.VideoCapture``: PyAV gives each frame its stream PTS, which is the
timestamp the audio of the same file is laid out against, lets the decoder use threads and skip
non-reference frames (most of the decode cost of a 30 fps file we only sample at 5 fps), and
reports corrupt input as exceptions we can turn into :class:`~detectors.errors.MediaError`.
Only one decoded frame (plus the small analysis copies) is held at a time, so memory is flat in
the length of the video. The container is always closed by a context manager.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import av
import cv2
import numpy as np

from ..errors import MediaError

logger = logging.getLogger("vigil.detectors")

_SKIP: dict[str, Literal["NONREF", "BIDIR"]] = {"nonref": "NONREF", "bidir": "BIDIR"}
_AV_ERRORS: tuple[type[BaseException], ...] = (av.error.FFmpegError, OSError, ValueError)


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the container says about its first video stream (and whether it has audio)."""

    width: int
    height: int
    fps: float
    duration: float
    start_time: float
    has_audio: bool
    codec: str


@dataclass(frozen=True, slots=True)
class FrameSample:
    """One sampled frame: ``time`` in seconds from the start of the media, analysis-size copies.

    ``frame`` is the decoded full-size PyAV frame, kept only so a keyframe JPEG can be rendered at a
    reviewer-friendly size without re-decoding; it is dropped as soon as the next sample arrives.
    """

    index: int
    time: float
    bgr: np.ndarray
    gray: np.ndarray
    frame: Any

    def render_jpeg(self, width: int, quality: int) -> tuple[bytes, int, int]:
        """JPEG bytes of this frame scaled to ``width`` (never upscaled), with the size used."""
        return encode_jpeg(self.frame, width, quality)


def encode_jpeg(frame: Any, width: int, quality: int) -> tuple[bytes, int, int]:
    w, h = _scaled_size(frame.width, frame.height, width)
    img = frame.to_ndarray(width=w, height=h, format="bgr24")
    ok, buf = cv2.imencode(".jpg", img, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        raise MediaError("could not encode a keyframe as JPEG")
    return buf.tobytes(), w, h


def _scaled_size(width: int, height: int, target_width: int) -> tuple[int, int]:
    """Even-sized (swscale-friendly) dimensions at ``target_width``, keeping the aspect ratio."""
    if width <= target_width:
        return width - width % 2, height - height % 2
    h = round(height * target_width / width)
    return target_width, max(2, h - h % 2)


@contextmanager
def open_video(path: str | Path, *, threads: int = 0, skip: str = "none") -> Iterator[Any]:
    """Open ``path`` and yield ``(container, video_stream)``; the container is always closed.

    ``skip`` lets the decoder drop frames nobody references (``nonref``) or all B-frames
    (``bidir``): at 5 fps sampling of 25-30 fps camera video those frames are mostly never
    sampled, and the kept frames still carry their exact PTS. Raises MediaError for a missing
    file, an unreadable container or one without a video stream.
    """
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"video file not found: {p}")
    if p.stat().st_size == 0:
        raise MediaError(f"video file is empty: {p}")
    try:
        container = av.open(str(p), mode="r")
    except _AV_ERRORS as e:
        raise MediaError(f"cannot open video {p.name}: {_short(e)}") from e
    try:
        if not container.streams.video:
            raise MediaError(f"{p.name} has no video stream")
        stream = container.streams.video[0]
        if threads != 1:
            stream.thread_type = "AUTO"
            stream.thread_count = threads
        if skip != "none":
            stream.codec_context.skip_frame = _SKIP[skip]
        yield container, stream
    finally:
        container.close()


def probe(path: str | Path) -> VideoInfo:
    """Container metadata without decoding (duration falls back to the stream's frame count)."""
    with open_video(path, threads=1) as (container, stream):
        return _info(container, stream)


def _info(container: Any, stream: Any) -> VideoInfo:
    start = container.start_time / 1e6 if container.start_time is not None else 0.0
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1e6
    fps = float(stream.average_rate) if stream.average_rate else 0.0
    cc = stream.codec_context
    return VideoInfo(
        width=int(cc.width),
        height=int(cc.height),
        fps=fps,
        duration=duration,
        start_time=start,
        has_audio=bool(container.streams.audio),
        codec=str(cc.name),
    )


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:200]


def iter_frames(
    path: str | Path,
    *,
    sample_fps: float,
    analysis_width: int,
    threads: int = 0,
    skip: str = "none",
    max_decode_errors: int = 50,
    info_out: dict[str, Any] | None = None,
) -> Iterator[FrameSample]:
    """Yield frames sampled at ``sample_fps`` (the first decoded frame at or after each tick).

    Times are ``pts * time_base - container.start_time``: seconds on the same timeline as the
    file's audio, which every audio detector counts from the container start. ``info_out`` (when
    given) receives ``info`` (:class:`VideoInfo`), ``decoded`` and ``decode_errors`` counts.
    """
    if sample_fps <= 0:
        raise ValueError("sample_fps must be > 0")
    step = 1.0 / sample_fps
    with open_video(path, threads=threads, skip=skip) as (container, stream):
        info = _info(container, stream)
        aw, ah = _scaled_size(info.width, info.height, analysis_width)
        tb = float(stream.time_base) if stream.time_base else 0.0
        next_t = -math.inf
        index = decoded = errors = 0
        last_t = -math.inf
        if info_out is not None:
            info_out["info"] = info
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except _AV_ERRORS as e:
                errors += 1
                if errors > max_decode_errors or index == 0 and decoded == 0 and errors > 5:
                    raise MediaError(f"corrupt video {Path(path).name}: {_short(e)}") from e
                continue
            try:
                frames = packet.decode()
            except _AV_ERRORS as e:
                errors += 1
                if errors > max_decode_errors:
                    raise MediaError(f"corrupt video {Path(path).name}: {_short(e)}") from e
                continue
            for frame in frames:
                decoded += 1
                if frame.pts is None:
                    continue
                t = frame.pts * tb - info.start_time
                if t < next_t - 1e-6 or t <= last_t:
                    continue
                bgr = frame.to_ndarray(width=aw, height=ah, format="bgr24")
                gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
                yield FrameSample(index=index, time=max(0.0, t), bgr=bgr, gray=gray, frame=frame)
                index += 1
                last_t = t
                next_t = (math.floor(t / step + 1e-6) + 1) * step
        if info_out is not None:
            info_out["decoded"] = decoded
            info_out["decode_errors"] = errors
        if index == 0:
            raise MediaError(f"no decodable video frames in {Path(path).name}")


def audio_levels(path: str | Path, sample_rate: int, window_s: float) -> np.ndarray | None:
    """RMS dBFS per ``window_s`` window of the file's first audio track, or None without one.

    A fallback for standalone use (the pipeline passes the audio it already decoded). Streams: only
    one level per window is kept, so memory stays flat for hours of audio. Window 0 starts at the
    container start, the origin of the frame times; audio that starts late gets silent windows.
    """
    p = Path(path)
    win = max(1, round(window_s * sample_rate))
    try:
        container = av.open(str(p), mode="r")
    except _AV_ERRORS as e:
        raise MediaError(f"cannot open {p.name}: {_short(e)}") from e
    try:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        start = container.start_time / 1e6 if container.start_time is not None else 0.0
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        levels: list[float] = []
        carry = np.zeros(0, np.float32)
        lead_done = False

        def feed(block: np.ndarray) -> None:
            nonlocal carry
            x = np.concatenate([carry, block]) if len(carry) else block
            n = len(x) // win
            if n:
                frames = x[: n * win].reshape(n, win).astype(np.float64)
                rms = np.sqrt(np.mean(frames * frames, axis=1))
                levels.extend((20.0 * np.log10(np.maximum(rms, 1e-10))).tolist())
            carry = x[n * win :].copy()

        try:
            for frame in container.decode(stream):
                if not lead_done:
                    lead_done = True
                    lead = round(max(0.0, float(frame.time or 0.0) - start) * sample_rate)
                    if lead:
                        feed(np.zeros(lead, np.float32))
                for out in resampler.resample(frame):
                    feed(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
            for out in resampler.resample(None):
                feed(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except _AV_ERRORS as e:
            raise MediaError(f"corrupt audio in {p.name}: {_short(e)}") from e
        return np.asarray(levels, dtype=np.float64)
    finally:
        container.close()
