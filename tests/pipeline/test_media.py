"""Media decoding over every supported format, generated here with PyAV itself, and every refusal.

Each file is a few seconds of distinct tones per channel, so a test can check that channels are kept
apart, the rate is 16 kHz and the duration survives every codec.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.config import load_config
from pipeline.errors import MediaError
from pipeline.media import (
    DecodeStats,
    MediaOptions,
    iter_audio,
    load_audio,
    probe,
    sha256_file,
)

SR = 48000
DURATION = 2.0
FREQS = (440.0, 1000.0)  # left, right: distinct so swapped or mixed channels show


def _tones(channels: int, duration: float = DURATION, rate: int = SR) -> np.ndarray:
    t = np.arange(round(duration * rate)) / rate
    rows = [
        0.3 * np.sin(2 * np.pi * FREQS[c % len(FREQS)] * (1 + c // 2) * t) for c in range(channels)
    ]
    return np.stack(rows).astype(np.float32)


def write_media(
    path: Path,
    *,
    audio_codec: str | None = "pcm_s16le",
    channels: int = 2,
    rate: int = SR,
    duration: float = DURATION,
    video_codec: str | None = None,
    fmt: str | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Write ``duration`` seconds of tones (and optionally moving gray video) with PyAV."""
    layout = {1: "mono", 2: "stereo"}[channels]
    with av.open(str(path), "w", format=fmt, options=options or {}) as out:
        vstream = None
        if video_codec is not None:
            vstream = out.add_stream(video_codec, rate=10)
            vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
        astream = None
        if audio_codec is not None:
            # FFmpeg's own vorbis encoder is flagged experimental
            opts = {"strict": "experimental"} if audio_codec == "vorbis" else None
            astream = out.add_stream(audio_codec, rate=rate, layout=layout, options=opts)
        if astream is not None:
            data = _tones(channels, duration, rate)
            block = 1024
            for i in range(0, data.shape[1], block):
                frame = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(data[:, i : i + block]), format="fltp", layout=layout
                )
                frame.sample_rate = rate
                frame.pts = i
                frame.time_base = Fraction(1, rate)
                out.mux(astream.encode(frame))
            out.mux(astream.encode(None))
        if vstream is not None:
            for i in range(round(duration * 10)):
                img = np.full((48, 64, 3), (i * 20) % 255, dtype=np.uint8)
                vf = av.VideoFrame.from_ndarray(img, format="rgb24")
                vf.pts = i
                out.mux(vstream.encode(vf))
            out.mux(vstream.encode(None))
    return path


@pytest.fixture(scope="module")
def options() -> MediaOptions:
    return MediaOptions.from_config(load_config().section("media"))


# (file name, audio codec, container format or None to infer, video codec, native rate)
FORMATS = [
    ("tone.wav", "pcm_s16le", None, None, SR),
    ("tone.mp3", "libmp3lame", None, None, 44100),
    ("tone.m4a", "aac", "ipod", None, SR),
    ("tone.aac", "aac", "adts", None, SR),
    ("tone.flac", "flac", None, None, SR),
    ("tone.opus.ogg", "libopus", "ogg", None, SR),
    ("tone.vorbis.ogg", "vorbis", "ogg", None, SR),
    ("clip.mp4", "aac", None, "mpeg4", SR),
    ("clip.mkv", "libopus", None, "mpeg4", SR),
    ("clip.avi", "libmp3lame", None, "mpeg4", 44100),
    ("clip.mov", "aac", None, "mpeg4", SR),
]


def _dominant_freq(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize(("name", "codec", "fmt", "vcodec", "rate"), FORMATS)
def test_decodes_every_format_keeping_channels(
    tmp_path: Path,
    options: MediaOptions,
    name: str,
    codec: str,
    fmt: str | None,
    vcodec: str | None,
    rate: int,
) -> None:
    src = write_media(tmp_path / name, audio_codec=codec, fmt=fmt, video_codec=vcodec, rate=rate)
    info = probe(src, options)
    assert info.has_audio
    assert info.has_video == (vcodec is not None)
    assert info.channels == 2
    assert info.sample_rate == rate
    assert info.duration is not None and abs(info.duration - DURATION) < 0.2
    assert info.sha256 == sha256_file(src)
    assert info.size_bytes == src.stat().st_size
    if vcodec is not None:
        assert (info.width, info.height) == (64, 48)
        assert info.fps == pytest.approx(10.0)

    audio = load_audio(src, options)
    assert audio.sample_rate == options.sample_rate == 16000
    assert audio.samples.dtype == np.float32
    assert audio.samples.shape[0] == 2
    assert abs(audio.duration - DURATION) < 0.15, audio.duration
    assert audio.decode_errors == 0
    middle = slice(int(0.5 * 16000), int(1.5 * 16000))
    left, right = audio.samples[0, middle], audio.samples[1, middle]
    assert _dominant_freq(left, 16000) == pytest.approx(FREQS[0], abs=5)
    assert _dominant_freq(right, 16000) == pytest.approx(FREQS[1], abs=5)
    assert 0.15 < float(np.abs(left).max()) < 0.45


def test_iter_audio_streams_fixed_chunks_and_downmixes(tmp_path: Path) -> None:
    src = write_media(tmp_path / "tone.flac", audio_codec="flac", duration=3.0)
    stats = DecodeStats()
    chunks = list(
        iter_audio(src, sample_rate=8000, keep_channels=False, chunk_seconds=0.5, stats=stats)
    )
    assert all(c.shape == (1, 4000) for c in chunks[:-1])
    assert 0 < chunks[-1].shape[1] <= 4000
    total = sum(c.shape[1] for c in chunks)
    assert abs(total / 8000 - 3.0) < 0.05
    assert stats.channels == 1 and stats.source_sample_rate == SR
    assert stats.decoded_duration == pytest.approx(total / 8000)
    assert all(c.dtype == np.float32 for c in chunks)


@pytest.mark.parametrize("name", ["clip.mkv", "tone.flac"])
def test_load_audio_equals_the_streamed_chunks(
    tmp_path: Path, options: MediaOptions, name: str
) -> None:
    """Whole-file loading (buffer sized from the declared duration, or grown when the container
    declares none, as in a Matroska file with video) gives exactly the streamed samples."""
    codec, vcodec = ("libopus", "mpeg4") if name.endswith(".mkv") else ("flac", None)
    src = write_media(tmp_path / name, audio_codec=codec, video_codec=vcodec, duration=3.0)
    small = options.model_copy(update={"chunk_seconds": 0.25})
    whole = load_audio(src, small)
    streamed = np.concatenate(list(iter_audio(src, chunk_seconds=0.25)), axis=1)
    assert whole.samples.shape == streamed.shape == (2, streamed.shape[1])
    np.testing.assert_array_equal(whole.samples, streamed)
    assert whole.channel(1).flags["C_CONTIGUOUS"]
    assert whole.mono().shape == (streamed.shape[1],)
    with pytest.raises(ValueError, match="valid: 0..1"):
        whole.channel(2)


def test_video_only_file_probes_but_has_no_audio(tmp_path: Path, options: MediaOptions) -> None:
    src = write_media(tmp_path / "silent.mp4", audio_codec=None, video_codec="mpeg4")
    info = probe(src, options)
    assert info.has_video and not info.has_audio
    with pytest.raises(MediaError, match=r"no audio stream.*silent\.mp4"):
        load_audio(src, options)


def test_missing_file(tmp_path: Path, options: MediaOptions) -> None:
    with pytest.raises(MediaError, match=r"not found.*nope\.wav"):
        probe(tmp_path / "nope.wav", options)
    with pytest.raises(MediaError, match=r"not found.*nope\.wav"):
        load_audio(tmp_path / "nope.wav", options)


def test_empty_file(tmp_path: Path, options: MediaOptions) -> None:
    src = tmp_path / "empty.wav"
    src.write_bytes(b"")
    with pytest.raises(MediaError, match=r"empty \(0 bytes\).*empty\.wav"):
        probe(src, options)
    with pytest.raises(MediaError, match=r"empty \(0 bytes\)"):
        load_audio(src, options)


def test_unsupported_text_named_mp4(tmp_path: Path, options: MediaOptions) -> None:
    src = tmp_path / "notes.mp4"
    src.write_text("this is a shift report, not a recording\n" * 20, encoding="utf-8")
    with pytest.raises(MediaError, match=r"unsupported file type \(text.*notes\.mp4"):
        probe(src, options)
    with pytest.raises(MediaError, match=r"notes\.mp4"):
        load_audio(src, options)


def test_corrupt_random_bytes_named_wav(tmp_path: Path, options: MediaOptions) -> None:
    src = tmp_path / "noise.wav"
    src.write_bytes(np.random.default_rng(7).integers(0, 256, 64 * 1024, dtype=np.uint8).tobytes())
    with pytest.raises(MediaError, match=r"corrupt.*noise\.wav") as err:
        load_audio(src, options)
    assert "\n" not in str(err.value)


TRUNCATED = [
    # name, audio codec, video codec, muxer options
    ("cut.mp4", "aac", "mpeg4", None),  # index (moov) at the end: cannot be opened at all
    ("faststart.mp4", "aac", "mpeg4", {"movflags": "+faststart"}),  # index says 4 s, data 2 s
    ("cut.mov", "aac", "mpeg4", {"movflags": "+faststart"}),
    ("cut.wav", "pcm_s16le", None, None),  # RIFF header declares the full size
    ("cut.avi", "libmp3lame", "mpeg4", None),
    ("cut.flac", "flac", None, None),
    ("cut.mp3", "libmp3lame", None, None),
]


@pytest.mark.parametrize(("name", "codec", "vcodec", "muxopts"), TRUNCATED)
def test_truncated_file(
    tmp_path: Path,
    options: MediaOptions,
    name: str,
    codec: str,
    vcodec: str | None,
    muxopts: dict[str, str] | None,
) -> None:
    full = write_media(
        tmp_path / f"full-{name}",
        audio_codec=codec,
        video_codec=vcodec,
        duration=4,
        options=muxopts,
    )
    whole = load_audio(full, options)
    assert abs(whole.duration - 4.0) < 0.15 and not whole.truncated  # the uncut file is fine
    data = full.read_bytes()
    src = tmp_path / name
    src.write_bytes(data[: len(data) // 2])
    refuse = options.model_copy(update={"truncated": "refuse"})
    with pytest.raises(MediaError, match=r"(truncated|corrupt).*" + re.escape(name)):
        load_audio(src, refuse)
    if name == "cut.mp4":  # nothing is readable without the index: refused either way
        with pytest.raises(MediaError, match=r"corrupt, truncated.*" + re.escape(name)):
            load_audio(src, options)
        return
    # by default the readable part is analysed, marked as truncated, with the declared length
    part = load_audio(src, options)
    assert part.truncated
    # (a cut AVI's length is estimated from the bytes its RIFF header declares, video included)
    assert part.declared_duration is not None and abs(part.declared_duration - 4.0) < 0.45
    assert 1.0 < part.duration < 3.0, part.duration
    n = part.samples.shape[1] - 4096  # the last, cut packet may decode differently
    np.testing.assert_allclose(part.samples[:, :n], whole.samples[:, :n], atol=1e-6)


def test_too_large(tmp_path: Path, options: MediaOptions) -> None:
    src = write_media(tmp_path / "big.wav")
    small = options.model_copy(update={"max_file_bytes": 1000})
    with pytest.raises(MediaError, match=r"too large.*limit 1000.*big\.wav"):
        probe(src, small)
    with pytest.raises(MediaError, match=r"too large"):
        load_audio(src, small)


def test_too_short(tmp_path: Path, options: MediaOptions) -> None:
    src = write_media(tmp_path / "blip.wav", duration=0.05)
    with pytest.raises(MediaError, match=r"too short.*blip\.wav"):
        load_audio(src, options)


def _damage(data: bytes, start: int, count: int, seed: int = 3) -> bytes:
    noise = np.random.default_rng(seed).integers(0, 256, count, dtype=np.uint8).tobytes()
    return data[:start] + noise + data[start + count :]


def test_corrupt_packets_are_skipped_counted_and_refused_past_the_limit(
    tmp_path: Path, options: MediaOptions
) -> None:
    full = write_media(tmp_path / "full.m4a", audio_codec="aac", duration=4)
    data = full.read_bytes()
    src = tmp_path / "damaged.m4a"
    src.write_bytes(_damage(data, len(data) // 3, len(data) // 10))
    audio = load_audio(src, options)
    assert audio.decode_errors > 0
    assert 0 < audio.gap_seconds < 1.0
    # skipped packets are filled with silence: the timeline keeps its length
    assert abs(audio.duration - 4.0) < 0.2
    strict = options.model_copy(update={"max_decode_errors": 0})
    with pytest.raises(MediaError, match=r"too many decode errors.*damaged\.m4a"):
        load_audio(src, strict)


def test_late_audio_start_is_padded_to_the_media_timeline(tmp_path: Path) -> None:
    """Audio that starts 1 s after the container start keeps sample 0 at time 0."""
    src = tmp_path / "late.mkv"
    with av.open(str(src), "w") as out:
        vstream = out.add_stream("mpeg4", rate=10)
        vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
        astream = out.add_stream("flac", rate=SR, layout="mono")
        data = _tones(1, 1.0)
        for i in range(0, data.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data[:, i : i + 1024]), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts, frame.time_base = SR, SR + i, Fraction(1, SR)
            out.mux(astream.encode(frame))
        out.mux(astream.encode(None))
        for i in range(20):
            vf = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            vf.pts = i
            out.mux(vstream.encode(vf))
        out.mux(vstream.encode(None))
    chunks = list(iter_audio(src, sample_rate=16000))
    audio = np.concatenate(chunks, axis=1)[0]
    assert float(np.abs(audio[: int(0.95 * 16000)]).max()) < 1e-3
    assert float(np.abs(audio[int(1.05 * 16000) : int(1.9 * 16000)]).max()) > 0.15


def test_video_packets_are_never_decoded(tmp_path: Path) -> None:
    """A file whose video packets are random bytes: decoding them fails every time (checked
    below), yet the audio path reports no error, so it never touched the video stream."""
    src = tmp_path / "garbage-video.mkv"
    rng = np.random.default_rng(1)
    with av.open(str(src), "w") as out:
        vstream = out.add_stream("mpeg4", rate=10)
        vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
        astream = out.add_stream("flac", rate=16000, layout="mono")
        data = _tones(1, 2.0, 16000)
        for i in range(0, data.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(data[:, i : i + 1024]), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts, frame.time_base = 16000, i, Fraction(1, 16000)
            out.mux(astream.encode(frame))
        out.mux(astream.encode(None))
        for i in range(20):
            packet = av.Packet(rng.integers(0, 256, 2000, dtype=np.uint8).tobytes())
            packet.stream, packet.pts, packet.dts = vstream, i, i
            packet.time_base, packet.is_keyframe = Fraction(1, 10), True
            out.mux(packet)
    stats = DecodeStats()
    audio = np.concatenate(list(iter_audio(src, stats=stats)), axis=1)
    assert audio.shape == (1, 32000)
    assert stats.decode_errors == 0
    video_errors = 0
    with av.open(str(src)) as container:
        for packet in container.demux(video=0):
            try:
                packet.decode()
            except av.error.FFmpegError:
                video_errors += 1
    assert video_errors >= 10


@pytest.mark.parametrize("name", ["clip.mkv", "tone.flac"])
def test_long_recordings_are_spooled_to_an_unlinked_file_with_the_same_samples(
    tmp_path: Path, options: MediaOptions, name: str
) -> None:
    """Past ``spool_min_seconds`` the samples live in a read-only file mapping, not in RAM: the
    same values, nothing left on disk, and the mapping's pages can be dropped and read again."""
    from pipeline.media import bounded_residency

    codec, vcodec = ("libopus", "mpeg4") if name.endswith(".mkv") else ("flac", None)
    src = write_media(tmp_path / name, audio_codec=codec, video_codec=vcodec, duration=3.0)
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    in_ram = load_audio(src, options.model_copy(update={"spool_min_seconds": 1e9}))
    spooled = load_audio(
        src, options.model_copy(update={"spool_min_seconds": 0.0, "spool_dir": str(spool_dir)})
    )
    # a Matroska file with video declares no audio duration: of unknown length, it is spooled too
    assert (in_ram.spool is None) == name.endswith(".flac") and spooled.spool is not None
    assert list(spool_dir.iterdir()) == []  # unlinked once mapped: a killed process leaves nothing
    np.testing.assert_array_equal(spooled.samples, in_ram.samples)
    assert not spooled.samples.flags.writeable  # no detector may change the evidence in place
    assert spooled.channel(1).flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(spooled.mono(), in_ram.mono())
    resident = _mapping_rss_kb(spooled)
    assert resident > 0
    with bounded_residency(spooled, 0.01):
        np.testing.assert_array_equal(spooled.samples, in_ram.samples)  # read while paged out
    assert _mapping_rss_kb(spooled) == 0
    np.testing.assert_array_equal(spooled.samples, in_ram.samples)  # still readable after
    # a block-wise pass drops what it read as it goes; on audio in RAM the same call is a no-op
    from detectors.blocks import all_finite, release_mapped

    assert _mapping_rss_kb(spooled) > 0
    assert all_finite(spooled.samples)
    assert _mapping_rss_kb(spooled) == 0
    kept = in_ram.samples.copy()
    release_mapped(in_ram.samples)
    np.testing.assert_array_equal(in_ram.samples, kept)


def _mapping_rss_kb(audio: object) -> int:
    """Resident kB of the spool mapping, read from /proc/self/smaps (address range of the view)."""
    samples = audio.samples  # type: ignore[attr-defined]
    start = samples.__array_interface__["data"][0]
    with open("/proc/self/smaps", encoding="ascii") as fh:
        lines = fh.read().splitlines()
    for i, line in enumerate(lines):
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            lo, hi = (int(v, 16) for v in head.split("-"))
            if lo <= start < hi:
                rss = next(x for x in lines[i + 1 :] if x.startswith("Rss:"))
                return int(rss.split()[1])
    raise AssertionError("spool mapping not found in /proc/self/smaps")
