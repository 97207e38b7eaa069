"""Media decoding: probe a recording, hash it, and stream its audio as 16 kHz float32.

Everything goes through PyAV (which ships FFmpeg), so wav/mp3/m4a/aac/flac/ogg and the audio of
mp4/mkv/avi/mov all take one path. Decoding is a chain of small private generators
(demux -> decode -> resample -> chunk) so that a 2-hour 1080p body-cam file is never held in memory:
only the audio stream is demuxed, video packets are skipped by the demuxer and never decoded.

Corrupt packets are skipped and counted (a body-cam file with a few damaged packets is still
evidence); past ``max_decode_errors`` the file is refused. Gaps left by skipped packets are filled
with silence so that every sample stays at its true time on the source timeline.
Every refusal is a :class:`~pipeline.errors.MediaError` whose one-line message names the file.
"""

from __future__ import annotations

import logging
import mmap
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Literal, cast

import av
import numpy as np
from pydantic import ConfigDict, Field

from detectors.blocks import register_releasable
from detectors.models import sha256_path as sha256_file
from detectors.options import SectionOptions

from .errors import MediaError

logger = logging.getLogger("vigil.pipeline")

__all__ = [
    "DecodeStats",
    "DecodedAudio",
    "bounded_residency",
    "MediaInfo",
    "MediaOptions",
    "iter_audio",
    "load_audio",
    "probe",
    "sha256_file",
]


class MediaOptions(SectionOptions):
    """Limits and formats for decoding; validated from the ``media:`` config section.

    Attributes:
        sample_rate: Hz of the audio handed to every audio detector.
        chunk_seconds: length of the blocks :func:`iter_audio` yields.
        keep_channels: keep the source's channels (counter arrays, stereo phone lines) instead of
            downmixing to mono; the diarizer and the pipeline pick channels later.
        max_file_bytes: files larger than this are refused before anything is decoded.
        max_decode_errors: corrupt packets tolerated (skipped, counted, filled with silence).
        min_duration: seconds of decoded audio below which a recording is refused as empty.
        truncation_tolerance: fraction of the duration declared by the container that may be
            missing from the decoded audio before the file is refused as truncated.
        truncated: what to do with a file that ends well before its declared duration (more
            than ``truncation_tolerance`` missing): ``analyse`` decodes up to the damage and marks
            the audio :attr:`DecodedAudio.truncated` (the pipeline then flags
            RECORDING_INCOMPLETE and says how much was readable); ``refuse`` raises
            :class:`MediaError`. A file with nothing readable is refused either way.
        spool_min_seconds: recordings declared longer than this (or of unknown length) are decoded
            into a scratch file and memory-mapped instead of held in RAM (see :func:`load_audio`).
        spool_dir: directory of that scratch file (``None``: the system temp directory).
        spool_release_s: while a spooled recording is analysed, its mapped pages are dropped from
            the process this often (:func:`bounded_residency`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "media"

    sample_rate: int = Field(gt=0)
    chunk_seconds: float = Field(gt=0)
    keep_channels: bool
    max_file_bytes: int = Field(gt=0)
    max_decode_errors: int = Field(ge=0)
    min_duration: float = Field(ge=0)
    truncation_tolerance: float = Field(ge=0, le=1)
    truncated: Literal["analyse", "refuse"]
    spool_min_seconds: float = Field(ge=0)
    spool_dir: str | None
    spool_release_s: float = Field(gt=0)


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a recording is, measured before any analysis; ``sha256`` ties results to the evidence."""

    path: str
    size_bytes: int
    sha256: str
    container: str
    duration: float | None
    has_audio: bool
    has_video: bool
    audio_codec: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class DecodeStats:
    """Counters filled in while :func:`iter_audio` runs (mutable on purpose: the generator is lazy).

    ``declared_duration`` is what the container claims for the audio stream, ``decoded_duration``
    what was actually decoded (including silence put in for gaps), ``gap_seconds`` that silence.
    """

    decode_errors: int = 0
    declared_duration: float | None = None
    decoded_duration: float = 0.0
    gap_seconds: float = 0.0
    channels: int = 0
    source_sample_rate: int | None = None
    truncated: bool = False  # ended well before the declared duration (only when allowed)


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """A whole recording's audio: float32 ``(channels, n)`` at ``sample_rate``.

    ``spool`` is the read-only file mapping behind ``samples`` when the recording was decoded to
    disk (:func:`load_audio`); ``samples`` is then a view of it and cannot be written.
    """

    samples: np.ndarray
    sample_rate: int
    decode_errors: int = 0
    gap_seconds: float = 0.0  # silence put in where corrupt or lost packets were skipped
    spool: mmap.mmap | None = None
    truncated: bool = False  # the file ends before ``declared_duration``: only a part was readable
    declared_duration: float | None = None  # what the container (or RIFF header) claims

    def release_pages(self) -> None:
        """Drop the spooled samples' pages from this process (no-op for audio held in RAM).

        The data stays in the kernel's page cache and on disk; the next read of a page maps it
        again. Only a shared read-only file mapping may be released this way: on private or
        anonymous memory ``MADV_DONTNEED`` would discard the data itself.
        """
        if self.spool is not None and not self.spool.closed:
            self.spool.madvise(mmap.MADV_DONTNEED)

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return float(self.samples.shape[1] / self.sample_rate)

    def channel(self, index: int) -> np.ndarray:
        """One channel as a contiguous mono float32 array (what ASR takes)."""
        if not 0 <= index < self.channels:
            raise ValueError(f"channel {index} out of range; valid: 0..{self.channels - 1}")
        return np.ascontiguousarray(self.samples[index])

    def mono(self) -> np.ndarray:
        """The mean of all channels as a contiguous mono float32 array."""
        if self.channels == 1:
            return np.ascontiguousarray(self.samples[0])
        return np.asarray(self.samples.mean(axis=0, dtype=np.float32))


# ---------------------------------------------------------------------------------------------------
# probing and hashing


def _check_file(path: Path, options: MediaOptions) -> int:
    """Refuse missing, empty, non-regular and oversized files before FFmpeg sees them."""
    size = _check_readable(path, options)
    if options.truncated == "refuse":
        _check_riff(path, size, options.truncation_tolerance)
    return size


def _check_readable(path: Path, options: MediaOptions) -> int:
    if not path.exists():
        raise MediaError(f"media file not found: {path}")
    if not path.is_file():
        raise MediaError(f"not a regular file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"media file is empty (0 bytes): {path}")
    if size > options.max_file_bytes:
        raise MediaError(
            f"media file is too large ({size} bytes, limit {options.max_file_bytes}): {path}"
        )
    if not os.access(path, os.R_OK):
        raise MediaError(f"media file is not readable (permission denied): {path}")
    return size


def _check_riff(path: Path, size: int, tolerance: float) -> None:
    """WAV and AVI (RIFF) declare their size up front; FFmpeg quietly decodes a cut-off one."""
    declared = _riff_shortfall(path, size, tolerance)
    if declared is not None:
        raise MediaError(
            f"truncated media: {size} bytes of {declared} declared by its RIFF header: {path}"
        )


def _riff_shortfall(path: Path, size: int, tolerance: float) -> int | None:
    """The byte size a RIFF header declares when the file is short of it beyond ``tolerance``.

    The streaming placeholders 0 and 0xFFFFFFFF (a recorder that never finalised the header) mean
    "unknown" and are let through; the decoded duration is then all there is to go on.
    """
    with open(path, "rb") as fh:
        head = fh.read(12)
    if len(head) < 12 or head[:4] != b"RIFF":
        return None
    declared = int.from_bytes(head[4:8], "little")
    if declared in (0, 0xFFFFFFFF):
        return None
    return declared + 8 if size < (declared + 8) * (1.0 - tolerance) else None


def _open(path: Path) -> av.container.InputContainer:
    """Open a container, turning FFmpeg's refusal into one line that says what is wrong."""
    try:
        return av.open(str(path), mode="r")
    except av.error.InvalidDataError as e:
        if _looks_like_text(path):
            raise MediaError(f"unsupported file type (text, not audio or video): {path}") from e
        raise MediaError(
            f"corrupt, truncated or unsupported media (FFmpeg cannot read it: {_reason(e)}): {path}"
        ) from e
    except av.error.FFmpegError as e:
        raise MediaError(f"cannot open media ({_reason(e)}): {path}") from e
    except OSError as e:
        raise MediaError(f"cannot open media ({e.strerror or e}): {path}") from e


def _looks_like_text(path: Path) -> bool:
    """True when the first KiB is printable UTF-8: a document named like a recording."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    try:
        text = head.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        text = head[:-3].decode("utf-8", errors="replace")  # a character cut at the boundary
        if "\ufffd" in text:
            return False
    return bool(text) and all(ch.isprintable() or ch in "\r\n\t" for ch in text)


def _reason(e: BaseException) -> str:
    msg = getattr(e, "strerror", None) or str(e)
    return str(msg).splitlines()[0] if msg else type(e).__name__


def _container_duration(container: av.container.InputContainer) -> float | None:
    if container.duration is None or container.duration <= 0:
        return None
    return container.duration / av.time_base


def _stream_duration(stream: av.stream.Stream) -> float | None:
    if stream.duration is None or stream.time_base is None or stream.duration <= 0:
        return None
    return float(stream.duration * stream.time_base)


def _channels(stream: av.audio.stream.AudioStream) -> int:
    ctx = stream.codec_context
    layout = getattr(ctx, "layout", None)
    n = getattr(layout, "nb_channels", None) if layout is not None else None
    return int(n if n else getattr(ctx, "channels", 0) or 0)


def probe(path: str | Path, options: MediaOptions) -> MediaInfo:
    """Measure a recording: size, SHA-256, container, duration and its first audio/video stream.

    A video-only file probes fine (the video detector needs it); asking it for audio is what fails.
    """
    p = Path(path)
    size = _check_file(p, options)
    with _open(p) as container:
        audio = container.streams.audio[0] if container.streams.audio else None
        video = container.streams.video[0] if container.streams.video else None
        if audio is None and video is None:
            raise MediaError(f"no audio or video stream in media: {p}")
        duration = _container_duration(container)
        if duration is None:
            durations = [d for s in (audio, video) if s is not None if (d := _stream_duration(s))]
            duration = max(durations) if durations else None
        if video is None and duration is not None and duration < options.min_duration:
            # refused now, as decoding would refuse it later: a cut file whose readable part is a
            # few samples must not be accepted and then fail (or read as "clear") in the queue
            raise MediaError(
                f"audio too short ({duration:.3f}s < min_duration {options.min_duration}s): {p}"
            )
        fps = None
        if video is not None:
            rate = video.average_rate or video.guessed_rate
            fps = float(rate) if rate else None
        info_kwargs: dict[str, Any] = {
            "container": container.format.name,
            "duration": duration,
            "has_audio": audio is not None,
            "has_video": video is not None,
        }
        if audio is not None:
            info_kwargs |= {
                "audio_codec": audio.codec_context.name,
                "channels": _channels(audio),
                "sample_rate": int(audio.codec_context.sample_rate or 0) or None,
            }
        if video is not None:
            info_kwargs |= {
                "video_codec": video.codec_context.name,
                "width": int(video.codec_context.width or 0) or None,
                "height": int(video.codec_context.height or 0) or None,
                "fps": fps,
            }
    digest = sha256_file(p)
    info = MediaInfo(path=str(p), size_bytes=size, sha256=digest, **info_kwargs)
    logger.info(
        "probed %s: %s, %.2fs, audio=%s/%sch/%sHz video=%s",
        p.name,
        info.container,
        info.duration or 0.0,
        info.audio_codec,
        info.channels,
        info.sample_rate,
        info.video_codec,
    )
    return info


# ---------------------------------------------------------------------------------------------------
# the decoding chain


def _demux(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    stats: DecodeStats,
    max_errors: int,
    path: Path,
) -> Iterator[av.Packet[Any]]:
    """Packets of the one audio stream; a demuxer error is counted and reading resumes after it."""
    while True:
        try:
            yield from container.demux(stream)
            return
        except av.error.EOFError:
            return
        except av.error.FFmpegError as e:
            _count_error(stats, max_errors, path, "demux", e)


def _decode(
    packets: Iterator[av.Packet[Any]], stats: DecodeStats, max_errors: int, path: Path
) -> Iterator[av.AudioFrame]:
    """Decoded frames; a corrupt packet is skipped and counted, never fatal by itself."""
    for packet in packets:
        try:
            frames = cast(list[av.AudioFrame], packet.decode())  # packets of an audio stream
        except av.error.EOFError:
            return
        except av.error.FFmpegError as e:
            _count_error(stats, max_errors, path, "decode", e)
            continue
        yield from frames


def _count_error(stats: DecodeStats, max_errors: int, path: Path, stage: str, e: Exception) -> None:
    stats.decode_errors += 1
    logger.debug("%s error %d in %s: %s", stage, stats.decode_errors, path.name, _reason(e))
    if stats.decode_errors > max_errors:
        raise MediaError(
            f"too many decode errors ({stats.decode_errors} > {max_errors}), "
            f"file is corrupt: {path}"
        ) from e


def _resample(
    frames: Iterator[av.AudioFrame],
    sample_rate: int,
    keep_channels: bool,
    origin: float,
    stats: DecodeStats,
) -> Iterator[np.ndarray]:
    """Float32 planar ``(channels, n)`` blocks at ``sample_rate``, with silence put in for gaps.

    ``origin`` is the container's start time; audio that starts later (a camera that starts audio
    after video) gets leading silence so that sample 0 is time 0 of the source media. A gap between
    frames (a skipped corrupt packet) wider than half a frame is filled the same way.
    """
    resampler: av.AudioResampler | None = None
    channels = 0
    expected: float | None = origin
    for frame in frames:
        if resampler is None:
            layout = frame.layout.name if keep_channels else "mono"
            channels = frame.layout.nb_channels if keep_channels else 1
            stats.channels = channels
            stats.source_sample_rate = frame.sample_rate
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
        if frame.pts is not None and frame.time_base is not None and expected is not None:
            t = float(frame.pts * frame.time_base)
            gap = t - expected
            if gap > 0.5 * frame.samples / frame.sample_rate:
                # lost packets the demuxer dropped without a word (e.g. Ogg pages failing CRC)
                n = round(gap * sample_rate)
                stats.gap_seconds += n / sample_rate
                stats.decode_errors += 1
                logger.debug("filling %.3fs gap at %.3fs with silence", gap, expected)
                yield np.zeros((channels, n), dtype=np.float32)
            expected = t + frame.samples / frame.sample_rate
        else:
            expected = None  # no timestamps to trust: decode order is all we have
        frame.pts = None  # let the resampler run on sample counts; timing is handled above
        for out in resampler.resample(frame):
            yield out.to_ndarray().astype(np.float32, copy=False)
    if resampler is not None:
        for out in resampler.resample(None):
            yield out.to_ndarray().astype(np.float32, copy=False)


def _chunk(
    blocks: Iterator[np.ndarray], size: int, stats: DecodeStats, rate: int
) -> Iterator[np.ndarray]:
    """Fixed-size ``(channels, size)`` chunks (the last one shorter), counting what passes."""
    pending: list[np.ndarray] = []
    held = 0
    for block in blocks:
        if block.shape[1] == 0:
            continue
        pending.append(block)
        held += block.shape[1]
        stats.decoded_duration += block.shape[1] / rate
        while held >= size:
            joined = np.concatenate(pending, axis=1) if len(pending) > 1 else pending[0]
            yield np.ascontiguousarray(joined[:, :size])
            rest = joined[:, size:]
            pending = [rest] if rest.shape[1] else []
            held = rest.shape[1]
    if held:
        yield np.ascontiguousarray(np.concatenate(pending, axis=1))


def iter_audio(
    path: str | Path,
    *,
    sample_rate: int = 16000,
    keep_channels: bool = True,
    chunk_seconds: float = 30.0,
    max_decode_errors: int = 50,
    truncation_tolerance: float = 0.1,
    stats: DecodeStats | None = None,
    allow_truncated: bool = False,
) -> Iterator[np.ndarray]:
    """Stream a file's first audio stream as float32 ``(channels, n)`` chunks of ``chunk_seconds``.

    Only the audio stream is demuxed; video is never decoded. Pass a :class:`DecodeStats` to read
    the error count and durations once the iterator is exhausted. Raises :class:`MediaError` (lazily,
    while iterating) for unreadable files, a missing audio stream, too many decode errors, or a file
    that ends well before the duration its container declares (truncated). With
    ``allow_truncated`` such a file yields what was readable and sets ``stats.truncated``.
    """
    p = Path(path)
    st = stats if stats is not None else DecodeStats()
    if not p.is_file():
        raise MediaError(f"media file not found: {p}")
    with _open(p) as container:
        if not container.streams.audio:
            kind = "video-only file" if container.streams.video else "no streams"
            raise MediaError(f"no audio stream ({kind}): {p}")
        stream = container.streams.audio[0]
        stream.codec_context.thread_type = "AUTO"
        st.declared_duration = _stream_duration(stream)
        if st.declared_duration is None and not container.streams.video:
            st.declared_duration = _container_duration(container)
        origin = (container.start_time or 0) / av.time_base
        size = max(1, round(chunk_seconds * sample_rate))
        packets = _demux(container, stream, st, max_decode_errors, p)
        frames = _decode(packets, st, max_decode_errors, p)
        blocks = _resample(frames, sample_rate, keep_channels, origin, st)
        yield from _chunk(blocks, size, st, sample_rate)
    declared = st.declared_duration
    if declared and st.decoded_duration < declared * (1.0 - truncation_tolerance):
        if allow_truncated and st.decoded_duration > 0:
            st.truncated = True
            logger.warning(
                "%s is truncated: %.2fs of %.2fs declared were readable; analysing that part",
                p.name,
                st.decoded_duration,
                declared,
            )
            return
        raise MediaError(
            f"truncated or corrupt media: decoded {st.decoded_duration:.2f}s "
            f"of {declared:.2f}s declared: {p}"
        )


def load_audio(path: str | Path, options: MediaOptions) -> DecodedAudio:
    """Decode a whole recording's audio (16 kHz float32 of 3 hours is ~690 MB per channel).

    A recording longer than ``spool_min_seconds`` is written, 30 s at a time, to a scratch file
    that is unlinked as soon as it is mapped (nothing is left behind, even after ``kill -9``), and
    ``samples`` is a read-only view of the mapping: peak memory no longer grows with the length,
    and every sample has exactly the value it would have in RAM, so results do not change.
    Shorter recordings stay in RAM (no disk round trip for the common short clip).

    Applies every check in ``options``: size, decode errors, truncation and ``min_duration``.
    """
    p = Path(path)
    size = _check_file(p, options)
    riff_declared = _riff_shortfall(p, size, options.truncation_tolerance)
    stats = DecodeStats()
    chunks = iter_audio(
        p,
        sample_rate=options.sample_rate,
        keep_channels=options.keep_channels,
        chunk_seconds=options.chunk_seconds,
        max_decode_errors=options.max_decode_errors,
        truncation_tolerance=options.truncation_tolerance,
        stats=stats,
        allow_truncated=options.truncated == "analyse",
    )
    spool: mmap.mmap | None = None
    first = next(chunks, None)
    declared = stats.declared_duration
    if first is None:
        samples = None
    elif declared is None or declared > options.spool_min_seconds:
        samples, spool = _spool(chain([first], chunks), options.spool_dir)
    else:
        samples = _collect(chain([first], chunks), stats, options.sample_rate)
    if samples is None:
        raise MediaError(f"no decodable audio in media: {p}")
    duration = samples.shape[1] / options.sample_rate
    if duration < options.min_duration:
        raise MediaError(
            f"audio too short ({duration:.3f}s < min_duration {options.min_duration}s): {p}"
        )
    if riff_declared is not None:
        # FFmpeg takes a cut WAV's length from the file, not the header: the header says how much
        # is missing (its bytes are almost all samples, so the durations scale with the sizes)
        stats.truncated = True
        stats.declared_duration = duration * riff_declared / size
        logger.warning(
            "%s is truncated: %d bytes of %d declared; analysing the readable %.2fs",
            p.name,
            size,
            riff_declared,
            duration,
        )
    if stats.decode_errors:
        logger.warning(
            "%s: %d corrupt packets skipped (%.2fs filled with silence)",
            p.name,
            stats.decode_errors,
            stats.gap_seconds,
        )
    return DecodedAudio(
        samples=samples,
        sample_rate=options.sample_rate,
        decode_errors=stats.decode_errors,
        gap_seconds=stats.gap_seconds,
        spool=spool,
        truncated=stats.truncated,
        declared_duration=stats.declared_duration,
    )


def _spool(chunks: Iterator[np.ndarray], where: str | None) -> tuple[np.ndarray, mmap.mmap]:
    """Write chunks to an unlinked scratch file, interleaved, and map it read-only.

    Interleaved (sample-major) because the length is only known at the end; ``(channels, n)`` is
    then a transposed view, contiguous per channel for the usual mono recording.
    """
    fd, name = tempfile.mkstemp(prefix="vigil-audio-", suffix=".f32", dir=where)
    try:
        os.unlink(name)  # the open descriptor and then the mapping keep the data alive
        channels, n = 0, 0
        with os.fdopen(os.dup(fd), "wb") as fh:
            for chunk in chunks:
                channels = chunk.shape[0]
                fh.write(np.ascontiguousarray(chunk.T, dtype=np.float32).tobytes())
                n += chunk.shape[1]
        spool = mmap.mmap(fd, n * channels * 4, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
    finally:
        os.close(fd)
    register_releasable(spool)  # read-only and shared: dropping its pages loses nothing
    view = np.frombuffer(spool, dtype=np.float32).reshape(n, channels).T
    return view, spool


@contextmanager
def bounded_residency(audio: DecodedAudio, interval: float) -> Iterator[None]:
    """While the block runs, drop the spooled samples' pages from the process every ``interval`` s.

    Why: pages of a file mapping that have been read stay in the process's resident set until the
    kernel needs the memory, so an analysis that reads a three-hour recording a few times would
    show the whole file in its RSS although none of it is private memory. Dropping the mapping's
    pages keeps the resident part to what was read in the last interval; readers in other threads
    (diarization beside ASR) simply fault the pages back in from the page cache.
    """
    if audio.spool is None:
        yield
        return
    stop = threading.Event()

    def release() -> None:
        while not stop.wait(interval):
            audio.release_pages()

    worker = threading.Thread(target=release, name="audio-pages", daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join()
        audio.release_pages()


def _collect(chunks: Iterator[np.ndarray], stats: DecodeStats, rate: int) -> np.ndarray | None:
    """Join chunks into one array without holding two copies of a long recording.

    The buffer is sized from the duration the container declares (known once the first chunk
    is out) and grown by half when the declaration was short, so the peak stays near one copy.
    """
    buf: np.ndarray | None = None
    n = 0
    for chunk in chunks:
        if buf is None:
            expected = round((stats.declared_duration or 0.0) * rate * 1.01)
            buf = np.empty((chunk.shape[0], max(expected, chunk.shape[1])), dtype=np.float32)
        if n + chunk.shape[1] > buf.shape[1]:
            grown = np.empty(
                (buf.shape[0], max(n + chunk.shape[1], buf.shape[1] * 3 // 2)), dtype=np.float32
            )
            grown[:, :n] = buf[:, :n]
            buf = grown
        buf[:, n : n + chunk.shape[1]] = chunk
        n += chunk.shape[1]
    if buf is None or n == 0:
        return None
    # a copy only when the estimate overshot by more than a second, so the view stays cheap
    return buf[:, :n] if buf.shape[1] - n <= rate else np.ascontiguousarray(buf[:, :n])
