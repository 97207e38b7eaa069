"""Offline Mandarin test speech: scripted scenarios rendered to body-cam, counter, phone and dispatch audio.

Why this exists: the evaluation command's audio mode and the speech-layer tests need recordings whose
ground truth (who said what, when, in which role) is known exactly, without shipping case footage or large
binaries. espeak-ng's ``cmn-latn-pinyin`` voice, fed with pypinyin TONE3 syllables, is intelligible to
Whisper (the plain ``cmn`` voice is not), so text goes through pinyin first. Digits and Latin letters are
spelled out in Chinese so they are spoken, and punctuation becomes SSML pauses.

Scenes follow the vocabulary's sources: ``bodycam``/``dispatch`` are mono mixes in which the officer is the
near-field voice (louder, dry) and everyone else is attenuated, filtered and slightly reverberant;
``counter``/``phone`` are stereo with the officer on channel 0, the visitor or caller on channel 1 and a
little crosstalk. Every level, filter, gap and voice comes from the ``synthesis`` config section; the output
is deterministic for a given seed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import wave
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import signal

if TYPE_CHECKING:
    from pyannote.core import Annotation

from .speech_options import (
    FastSpeechOptions,
    NeuralVoiceOptions,
    SceneOptions,
    StyleOptions,
    SynthesisError,
    SynthesisOptions,
    VoiceOptions,
)
from .speech_text import number_to_chinese, speakable_phrases, text_to_pinyin_ssml

logger = logging.getLogger("vigil.evaluation")


# ----------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ReferenceTurn:
    """Ground truth for one synthesised turn: the voiced extent on the recording timeline.

    ``channel`` is the channel the speaker was routed to in a multi-channel mix, ``None`` in a mono mix.
    """

    start: float
    end: float
    speaker: str
    role: str | None
    text: str
    channel: int | None
    style: str = "normal"

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "speaker": self.speaker,
            "role": self.role,
            "text": self.text,
            "channel": self.channel,
            "style": self.style,
        }


@dataclass(frozen=True, slots=True)
class SyntheticRecording:
    """A synthesised scenario: audio ``(channels, n)`` float32, its rate and its reference turns."""

    audio: np.ndarray
    sample_rate: int
    reference: tuple[ReferenceTurn, ...]
    source: str
    voices: tuple[tuple[str, str], ...] = ()

    @property
    def duration(self) -> float:
        return float(self.audio.shape[-1] / self.sample_rate)

    @property
    def channels(self) -> int:
        return int(self.audio.shape[0])

    def mono(self) -> np.ndarray:
        """The channel average, what a mono consumer would hear."""
        return np.asarray(self.audio.mean(axis=0), dtype=np.float32)


# ------------------------------------------------------------------------------------------ espeak


def _espeak_path(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise SynthesisError(
            f"espeak-ng not found ({binary!r}); install it (apt-get install -y espeak-ng)"
        )
    return path


def _parse_wav_bytes(raw: bytes) -> tuple[np.ndarray, int]:
    """espeak-ng --stdout writes a WAV header with unknown sizes; read the rate and the PCM16 body."""
    if len(raw) < 44 or raw[:4] != b"RIFF":
        raise SynthesisError("espeak-ng produced no WAV output")
    rate = int.from_bytes(raw[24:28], "little")
    pos = raw.find(b"data", 12)
    if pos < 0:
        raise SynthesisError("espeak-ng output has no data chunk")
    body = raw[pos + 8 :]
    body = body[: len(body) - len(body) % 2]
    return np.frombuffer(body, dtype="<i2").astype(np.float32) / 32768.0, rate


def _trim(
    x: np.ndarray, sr: int, rel_threshold: float = 0.01, margin_s: float = 0.02
) -> np.ndarray:
    """Drop espeak's leading/trailing silence so reference times mark voiced speech."""
    if x.size == 0:
        return x
    peak = float(np.max(np.abs(x)))
    if peak <= 0:
        return x[:0]
    idx = np.flatnonzero(np.abs(x) > rel_threshold * peak)
    margin = int(margin_s * sr)
    return x[max(0, idx[0] - margin) : min(x.size, idx[-1] + margin + 1)]


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def synthesize_utterance(
    text: str,
    voice: VoiceOptions | NeuralVoiceOptions | Mapping[str, Any] | int = 0,
    style: str = "normal",
    *,
    options: SynthesisOptions | Mapping[str, Any] | None = None,
) -> np.ndarray:
    """Speak ``text`` with one voice and style: float32 mono at ``options.sample_rate`` (16 kHz).

    ``voice`` is a voice of the configured engine, its dict, or an index into that engine's voice list.
    The result is trimmed of leading/trailing silence and normalised to ``target_level_dbfs`` plus the
    style's gain, so scene mixing (not the engine's own level) decides who is louder. Empty text gives an
    empty array.
    """
    opts = SynthesisOptions.from_config(options)
    pool = voice_pool(opts)
    if isinstance(voice, int):
        voice = pool[voice % len(pool)]
    elif isinstance(voice, Mapping):
        voice = type(pool[0]).model_validate(dict(voice))
    if style not in opts.styles:
        raise ValueError(f"unknown style {style!r}; valid: {sorted(opts.styles)}")
    sty = opts.styles[style]
    if isinstance(voice, NeuralVoiceOptions):
        x = _fastspeech_utterance(text, voice, sty, opts)
    elif isinstance(voice, VoiceOptions):
        x = _espeak_utterance(text, voice, sty, opts)
    else:
        raise TypeError(f"not a voice: {type(voice).__name__}")
    x = _trim(x, opts.sample_rate)
    if x.size == 0:
        return x.astype(np.float32)
    gain_db = opts.target_level_dbfs + sty.gain_db - _rms_db(x)
    return (x * 10 ** (gain_db / 20)).astype(np.float32)


def _espeak_utterance(
    text: str, voice: VoiceOptions, sty: StyleOptions, opts: SynthesisOptions
) -> np.ndarray:
    ssml = text_to_pinyin_ssml(text, options=opts)
    if ssml == "<speak></speak>":
        return np.zeros(0, dtype=np.float32)
    pitch = int(np.clip(voice.pitch + sty.pitch_offset, 0, 99))
    speed = int(np.clip(round(voice.speed * sty.speed_factor), 80, 450))
    cmd = [
        _espeak_path(opts.espeak_binary),
        "-m",
        "-v",
        f"{opts.espeak_voice}+{voice.variant}",
        "-p",
        str(pitch),
        "-s",
        str(speed),
        "--stdout",
        ssml,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=True, timeout=120)
    except subprocess.CalledProcessError as e:
        err = e.stderr.decode(errors="replace").strip().splitlines()
        raise SynthesisError(f"espeak-ng failed: {err[-1] if err else e.returncode}") from e
    except subprocess.TimeoutExpired as e:
        raise SynthesisError("espeak-ng timed out") from e
    x, rate = _parse_wav_bytes(proc.stdout)
    if rate != opts.sample_rate:
        g = np.gcd(rate, opts.sample_rate)
        x = signal.resample_poly(x, opts.sample_rate // g, rate // g).astype(np.float32)
    return x


def _fastspeech_utterance(
    text: str, voice: NeuralVoiceOptions, sty: StyleOptions, opts: SynthesisOptions
) -> np.ndarray:
    from .fastspeech import VoiceUnavailable, load_voice

    fs = opts.fastspeech2
    try:
        engine = load_voice(fs.cache_dir, fs.num_threads, opts.sample_rate)
    except VoiceUnavailable as e:
        raise SynthesisError(str(e)) from e
    parts: list[np.ndarray] = []
    for phrase, pause_ms in speakable_phrases(text, options=opts):
        x = engine.speak(
            phrase,
            speed=voice.speed * sty.speed_factor,
            timbre=voice.timbre * sty.pitch_factor,
        )
        if x.size:
            parts.append(_trim(x, opts.sample_rate))
            parts.append(np.zeros(int(pause_ms * opts.sample_rate / 1000), dtype=np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def voice_pool(
    options: SynthesisOptions,
) -> tuple[VoiceOptions, ...] | tuple[NeuralVoiceOptions, ...]:
    """The configured engine's speakers."""
    return options.fastspeech2.voices if options.engine == "fastspeech2" else options.voices


# ------------------------------------------------------------------------------------------- scenes


def assign_voices(
    speakers: Sequence[str], options: SynthesisOptions
) -> dict[str, VoiceOptions | NeuralVoiceOptions]:
    """Distinct voices per speaker label, deterministic in (seed, label).

    Each label hashes to a preferred voice; a collision takes the next free one, so speakers in one
    recording never share a voice while they are fewer than the configured voices.
    """
    pool = voice_pool(options)
    n = len(pool)
    taken: set[int] = set()
    out: dict[str, VoiceOptions | NeuralVoiceOptions] = {}
    for label in speakers:
        if label in out:
            continue
        idx = zlib.crc32(f"{options.seed}:{label}".encode()) % n
        for step in range(n):
            cand = (idx + step) % n
            if cand not in taken or len(taken) >= n:
                idx = cand
                break
        taken.add(idx)
        out[label] = pool[idx]
    return out


def _room(
    x: np.ndarray, sr: int, decay_s: float, mix: float, rng: np.random.Generator
) -> np.ndarray:
    """A small synthetic room: exponentially decaying noise impulse response, mixed with the dry path."""
    if decay_s <= 0 or mix <= 0 or x.size == 0:
        return x
    n = max(1, int(decay_s * sr))
    t = np.arange(n) / sr
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / decay_s)  # -60 dB at decay_s
    ir /= np.sqrt(np.sum(ir**2))
    wet = signal.fftconvolve(x, ir)[: x.size]
    return np.asarray((1 - mix) * x + mix * wet, dtype=np.float32)


def _band(x: np.ndarray, sr: int, low_hz: float | None, high_hz: float | None) -> np.ndarray:
    """Far-field / telephone colouring: optional high-pass and low-pass (4th-order Butterworth)."""
    nyq = sr / 2
    if high_hz is not None and high_hz < nyq:
        sos = signal.butter(4, high_hz, btype="highpass", fs=sr, output="sos")
        x = signal.sosfilt(sos, x)
    if low_hz is not None and low_hz < nyq:
        sos = signal.butter(4, low_hz, btype="lowpass", fs=sr, output="sos")
        x = signal.sosfilt(sos, x)
    return np.asarray(x, dtype=np.float32)


def synthesize_scenario(
    turns: Sequence[Mapping[str, Any]],
    source: str,
    *,
    options: SynthesisOptions | Mapping[str, Any] | None = None,
    seed: int | None = None,
) -> SyntheticRecording:
    """Render scripted turns (``speaker``, ``role``, ``text``, optional ``style``) as a ``source`` recording.

    The officer (role ``officer``; the first speaker when no role is given) is the near-field voice in
    mono scenes and is routed to its configured channel in multi-channel scenes. ``seed`` overrides the
    configured seed; the same inputs and seed give the same samples.
    """
    opts = SynthesisOptions.from_config(options)
    if seed is not None:
        opts = opts.model_copy(update={"seed": int(seed)})
    if source not in opts.scenes:
        raise ValueError(f"unknown source {source!r}; valid: {sorted(opts.scenes)}")
    scene = opts.scenes[source]
    sr = opts.sample_rate
    rng = np.random.default_rng([opts.seed, zlib.crc32(source.encode())])

    clean: list[dict[str, Any]] = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, Mapping) or "speaker" not in turn or "text" not in turn:
            raise ValueError(f"turn {i} needs 'speaker' and 'text'")
        style = turn.get("style") or "normal"
        if style not in opts.styles:
            raise ValueError(f"turn {i}: unknown style {style!r}; valid: {sorted(opts.styles)}")
        clean.append(
            {
                "speaker": str(turn["speaker"]),
                "role": turn.get("role"),
                "text": str(turn["text"]),
                "style": style,
            }
        )
    if not clean:
        raise ValueError("a scenario needs at least one turn")

    officers = {t["speaker"] for t in clean if t["role"] == "officer"} or {clean[0]["speaker"]}
    voices = assign_voices([t["speaker"] for t in clean], opts)
    roles = {t["speaker"]: t["role"] for t in clean}

    pieces: list[tuple[int, np.ndarray, dict[str, Any]]] = []
    cursor = int(opts.lead_s * sr)
    for t in clean:
        x = synthesize_utterance(t["text"], voices[t["speaker"]], t["style"], options=opts)
        if x.size == 0:
            logger.warning("synthesis: a turn of speaker %s has nothing to speak", t["speaker"])
            continue
        pieces.append((cursor, x, t))
        gap = opts.gap_s + float(rng.uniform(-1, 1)) * opts.gap_jitter_s
        cursor += x.size + int(max(0.05, gap) * sr)
    total = (pieces[-1][0] + pieces[-1][1].size if pieces else cursor) + int(opts.tail_s * sr)
    nch = scene.channels
    audio = np.zeros((nch, total), dtype=np.float32)
    xt_gain = 10 ** (scene.crosstalk_db / 20)
    xt_delay = int(scene.crosstalk_delay_ms * sr / 1000)

    reference: list[ReferenceTurn] = []
    for start, x, t in pieces:
        near = t["speaker"] in officers
        y = x * 10 ** ((scene.near_gain_db if near else scene.far_gain_db) / 20)
        if not near:
            y = _band(y, sr, scene.far_lowpass_hz, scene.far_highpass_hz)
            y = _room(y, sr, scene.far_reverb_s, scene.far_reverb_mix, rng)
        role = roles[t["speaker"]] or ("officer" if near else "party")
        if nch == 1:
            audio[0, start : start + y.size] += y
            channel: int | None = None
        else:
            channel = min(nch - 1, scene.role_channel.get(role, nch - 1))  # type: ignore[arg-type]
            audio[channel, start : start + y.size] += y
            for other in range(nch):
                if other != channel:
                    s = start + xt_delay
                    seg = y[: max(0, min(y.size, total - s))] * xt_gain
                    audio[other, s : s + seg.size] += seg
        reference.append(
            ReferenceTurn(
                start=start / sr,
                end=(start + x.size) / sr,
                speaker=t["speaker"],
                role=t["role"],
                text=t["text"],
                channel=channel,
                style=t["style"],
            )
        )

    audio += (rng.standard_normal(audio.shape) * 10 ** (opts.noise_dbfs / 20)).astype(np.float32)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > opts.peak_limit:
        audio *= opts.peak_limit / peak  # one gain for the whole mix keeps relative levels intact
    return SyntheticRecording(
        audio=audio.astype(np.float32),
        sample_rate=sr,
        reference=tuple(reference),
        source=source,
        voices=tuple((k, v.label) for k, v in voices.items()),
    )


# ---------------------------------------------------------------------------------------- writers


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> Path:
    """Write float audio (``(n,)`` or ``(channels, n)``) as PCM16 WAV; values are clipped to [-1, 1]."""
    arr = np.asarray(audio, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"audio must be (n,) or (channels, n); got shape {arr.shape}")
    pcm = (np.clip(arr, -1.0, 1.0) * 32767.0).round().astype("<i2")
    out = Path(path)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(arr.shape[0])
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(pcm.T.tobytes())
    return out


def _turns_of(ref: SyntheticRecording | Sequence[ReferenceTurn]) -> Sequence[ReferenceTurn]:
    return ref.reference if isinstance(ref, SyntheticRecording) else ref


def reference_rttm(
    ref: SyntheticRecording | Sequence[ReferenceTurn], uri: str = "synthetic"
) -> str:
    """The reference as RTTM text (one SPEAKER line per turn), for DER tools."""
    lines = [
        f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} <NA> <NA>"
        for t in _turns_of(ref)
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def reference_annotation(
    ref: SyntheticRecording | Sequence[ReferenceTurn], uri: str = "synthetic"
) -> Annotation:
    """The reference as a ``pyannote.core.Annotation`` (speaker labels), for pyannote.metrics DER."""
    from pyannote.core import Annotation
    from pyannote.core import Segment as PSegment

    ann = Annotation(uri=uri)
    for i, t in enumerate(_turns_of(ref)):
        ann[PSegment(t.start, t.end), i] = t.speaker
    return ann


__all__ = [
    "FastSpeechOptions",
    "NeuralVoiceOptions",
    "ReferenceTurn",
    "SceneOptions",
    "StyleOptions",
    "SyntheticRecording",
    "SynthesisError",
    "SynthesisOptions",
    "VoiceOptions",
    "assign_voices",
    "number_to_chinese",
    "reference_annotation",
    "reference_rttm",
    "speakable_phrases",
    "synthesize_scenario",
    "synthesize_utterance",
    "text_to_pinyin_ssml",
    "voice_pool",
    "write_wav",
]
