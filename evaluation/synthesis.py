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
import re
import shutil
import subprocess
import wave
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import signal

from detectors.errors import ConfigError, VigilError

logger = logging.getLogger("vigil.evaluation")

Style = Literal["normal", "shout", "calm"]
STYLES: tuple[Style, ...] = ("normal", "shout", "calm")


class SynthesisError(VigilError):
    """Speech could not be synthesised (espeak-ng missing or failing, unusable script)."""


# --------------------------------------------------------------------------------------------- options


class VoiceOptions(BaseModel):
    """One espeak-ng voice: a variant (``m3``, ``f2``...), base pitch 0-99 and speed in words/minute."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    variant: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    pitch: int = Field(ge=0, le=99)
    speed: int = Field(ge=80, le=450)

    @property
    def label(self) -> str:
        return self.variant


class NeuralVoiceOptions(BaseModel):
    """One FastSpeech2 speaker: a speed factor and a timbre factor (pitch and vocal-tract length).

    The shipped model's own pitch control barely moves its pitch (x1.3 asked, +1% measured), so speakers
    and styles change pitch by resampling, which moves the formants with it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    speed: float = Field(gt=0.3, le=3.0)
    timbre: float = Field(ge=0.6, le=1.6)

    @property
    def label(self) -> str:
        return self.name


class FastSpeechOptions(BaseModel):
    """The ``synthesis.fastspeech2`` section: where the patched model is cached, threads, speakers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cache_dir: str
    num_threads: int = Field(ge=1)
    voices: tuple[NeuralVoiceOptions, ...] = Field(min_length=2)


class StyleOptions(BaseModel):
    """Delivery: gain on top of the scene level, pitch (espeak units / FastSpeech2 factor), speed factor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gain_db: float = Field(ge=-30, le=30)
    pitch_offset: int = Field(ge=-60, le=60)
    pitch_factor: float = Field(ge=0.6, le=1.6)
    speed_factor: float = Field(gt=0.3, le=3.0)


class SceneOptions(BaseModel):
    """How one source is mixed.

    Attributes:
        channels: 1 for a mono mix, 2 for a stereo mix.
        role_channel: channel per role in a multi-channel mix (ignored for mono).
        near_gain_db: gain of the officer (the body-cam wearer / call-taker).
        far_gain_db: gain of everyone else, relative to the normalised utterance level.
        far_lowpass_hz / far_highpass_hz: band limits applied to far voices (``null`` = none).
        far_reverb_s / far_reverb_mix: decay time and wet share of a synthetic room on far voices.
        crosstalk_db / crosstalk_delay_ms: leakage of each channel into the others (multi-channel only).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: int = Field(ge=1, le=8)
    role_channel: dict[Literal["officer", "party", "third_party"], int]
    near_gain_db: float = Field(ge=-40, le=20)
    far_gain_db: float = Field(ge=-40, le=20)
    far_lowpass_hz: float | None = Field(gt=0)
    far_highpass_hz: float | None = Field(gt=0)
    far_reverb_s: float = Field(ge=0, le=2)
    far_reverb_mix: float = Field(ge=0, le=1)
    crosstalk_db: float = Field(le=0)
    crosstalk_delay_ms: float = Field(ge=0, le=50)


class SynthesisOptions(BaseModel):
    """The ``synthesis`` config section (see configs/default.yaml for the meaning of each key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: Literal["fastspeech2", "espeak"]
    fastspeech2: FastSpeechOptions
    espeak_binary: str
    espeak_voice: str
    sample_rate: int = Field(ge=8000, le=48000)
    seed: int
    target_level_dbfs: float = Field(ge=-60, le=-3)
    comma_pause_ms: int = Field(ge=0, le=3000)
    stop_pause_ms: int = Field(ge=0, le=3000)
    lead_s: float = Field(ge=0, le=10)
    tail_s: float = Field(ge=0, le=10)
    gap_s: float = Field(ge=0, le=10)
    gap_jitter_s: float = Field(ge=0, le=5)
    noise_dbfs: float = Field(ge=-120, le=-20)
    peak_limit: float = Field(gt=0, le=1)
    cardinal_units: str
    voices: tuple[VoiceOptions, ...] = Field(min_length=2)
    styles: dict[Style, StyleOptions]
    scenes: dict[Literal["bodycam", "counter", "phone", "dispatch"], SceneOptions]

    @classmethod
    def from_config(
        cls, data: Mapping[str, Any] | SynthesisOptions | None = None
    ) -> SynthesisOptions:
        """Validate a section dict; ``None`` reads the ``synthesis`` section of ``configs/evaluation.yaml``."""
        if isinstance(data, SynthesisOptions):
            return data
        if data is None:
            from .config import load_evaluation_config

            data = load_evaluation_config().section("synthesis")
        try:
            opts = cls.model_validate(dict(data))
        except ValidationError as e:
            raise ConfigError(f"invalid synthesis config: {e}") from e
        missing = [s for s in STYLES if s not in opts.styles]
        if missing:
            raise ConfigError(f"synthesis.styles lacks {missing}; needs all of {list(STYLES)}")
        return opts


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
        return self.audio.shape[-1] / self.sample_rate

    @property
    def channels(self) -> int:
        return int(self.audio.shape[0])

    def mono(self) -> np.ndarray:
        """The channel average, what a mono consumer would hear."""
        return self.audio.mean(axis=0).astype(np.float32)


# ------------------------------------------------------------------------------------ text to pinyin

_DIGITS = "零一二三四五六七八九"
_UNITS = ((10**8, "亿"), (10**4, "万"), (1000, "千"), (100, "百"), (10, "十"))
# Latin letters as Chinese speakers say them, in TONE3 pinyin, so "卡拉OK" or "KTV" are spoken.
_LETTERS = {
    "a": "ei1", "b": "bi4", "c": "xi1", "d": "di4", "e": "yi4", "f": "ai4 fu5", "g": "ji4",
    "h": "ai4 qi1", "i": "ai4", "j": "jie4", "k": "kei4", "l": "ai4 lou5", "m": "ai4 mu5",
    "n": "en1", "o": "ou1", "p": "pi4", "q": "kiu4", "r": "a4", "s": "ai4 si5", "t": "ti4",
    "u": "you1", "v": "wei4", "w": "da2 bu5 liu5", "x": "ai4 ke4 si5", "y": "wai4", "z": "zei4",
}  # fmt: skip
# The same letters as characters, for the neural voice's front end (it reads Chinese characters only).
_LETTER_HANZI = {
    "a": "诶", "b": "必", "c": "西", "d": "迪", "e": "伊", "f": "艾弗", "g": "吉", "h": "艾尺", "i": "爱",
    "j": "杰", "k": "开", "l": "艾勒", "m": "艾姆", "n": "恩", "o": "欧", "p": "屁", "q": "丘", "r": "阿",
    "s": "艾斯", "t": "踢", "u": "优", "v": "维", "w": "达不溜", "x": "艾克斯", "y": "歪", "z": "贼",
}  # fmt: skip
_COMMA = set("，,、；;：:—-～~（）()《》“”\"'‘’「」『』")
_STOP = set("。.！!？?…")
_TOKEN = re.compile(r"(\d+(?:\.\d+)?)|([A-Za-z]+)|(\s+)|(.)", re.S)


def _cardinal(n: int) -> str:
    """Chinese cardinal reading of a non-negative integer (12 -> 十二, 105 -> 一百零五)."""
    if n < 10:
        return _DIGITS[n]
    for base, name in _UNITS:
        if n >= base:
            high, low = divmod(n, base)
            head = "" if (base == 10 and high == 1) else _cardinal(high)
            if low == 0:
                return head + name
            zero = "零" if low < base // 10 else ""
            return head + name + zero + _cardinal(low)
    return _DIGITS[n]  # pragma: no cover - unreachable


def number_to_chinese(number: str, next_char: str = "", units: str = "") -> str:
    """Read a digit string as Chinese the way it would be spoken.

    Short quantities (up to two digits, or up to four digits followed by a unit such as 块/号/米) are read
    as cardinals; codes, badge and phone numbers (leading zero, long, or no unit: 031245, 12315, 110) are
    read digit by digit. Decimals use 点.
    """
    whole, _, frac = number.partition(".")
    leading_zero = len(whole) > 1 and whole.startswith("0")
    as_cardinal = not leading_zero and (
        len(whole) <= 2 or (len(whole) <= 4 and bool(next_char) and next_char in units)
    )
    head = _cardinal(int(whole)) if as_cardinal else "".join(_DIGITS[int(d)] for d in whole)
    if frac:
        head += "点" + "".join(_DIGITS[int(d)] for d in frac)
    return head


def _spoken_tokens(text: str, options: SynthesisOptions) -> Iterator[tuple[str, str, int]]:
    """What both voices say, in order: ``("han", chars, 0)`` for Chinese (digits already read as Chinese),
    ``("latin", letters, 0)`` for Latin letters (lower case), ``("pause", "", ms)`` for punctuation."""
    for m in _TOKEN.finditer(text):
        num, latin, space, char = m.groups()
        if num:
            nxt = text[m.end() : m.end() + 1]
            yield "han", number_to_chinese(num, nxt, options.cardinal_units), 0
        elif latin:
            yield "latin", latin.lower(), 0
        elif space:
            continue
        elif char in _STOP:
            yield "pause", "", options.stop_pause_ms
        elif char in _COMMA:
            yield "pause", "", options.comma_pause_ms
        elif "\u3400" <= char <= "\u9fff":
            yield "han", char, 0


def text_to_pinyin_ssml(text: str, *, options: SynthesisOptions) -> str:
    """Mandarin text -> SSML for the ``cmn-latn-pinyin`` voice: TONE3 syllables, pauses as breaks."""
    from pypinyin import Style as PinyinStyle
    from pypinyin import lazy_pinyin

    parts: list[str] = []
    pending_han: list[str] = []

    def flush() -> None:
        if pending_han:
            syl = lazy_pinyin(
                "".join(pending_han),
                style=PinyinStyle.TONE3,
                neutral_tone_with_five=True,
                tone_sandhi=True,
                errors="ignore",
            )
            parts.extend(s for s in syl if re.fullmatch(r"[a-z]+[1-5]", s))
            pending_han.clear()

    def pause(ms: int) -> None:
        flush()
        if ms > 0 and parts and not parts[-1].startswith("<break"):
            parts.append(f'<break time="{ms}ms"/>')

    for kind, chars, pause_ms in _spoken_tokens(text, options):
        if kind == "han":
            pending_han.append(chars)
        elif kind == "latin":
            flush()
            parts.extend(_LETTERS[c] for c in chars)
        else:
            pause(pause_ms)
    flush()
    while parts and parts[-1].startswith("<break"):
        parts.pop()
    return "<speak>" + " ".join(parts) + "</speak>"


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
    sty = opts.styles[style]  # type: ignore[index]
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


def speakable_phrases(text: str, *, options: SynthesisOptions) -> list[tuple[str, int]]:
    """Text -> (Chinese phrase, pause after it in ms): digits and Latin letters spelled in characters.

    The neural front end drops what is not a Chinese character, so numbers are read here the way the
    espeak path reads them and letters the way Chinese speakers say them ("卡拉OK", "KTV").
    """
    phrases: list[tuple[str, int]] = []
    current: list[str] = []

    def cut(pause_ms: int) -> None:
        if current:
            phrases.append(("".join(current), pause_ms))
            current.clear()
        elif phrases:
            phrases[-1] = (phrases[-1][0], max(phrases[-1][1], pause_ms))

    for kind, chars, pause_ms in _spoken_tokens(text, options):
        if kind == "han":
            current.append(chars)
        elif kind == "latin":
            current.extend(_LETTER_HANZI[c] for c in chars)
        else:
            cut(pause_ms)
    cut(0)
    return phrases


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
    return ((1 - mix) * x + mix * wet).astype(np.float32)


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
    scene = opts.scenes[source]  # type: ignore[index]
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
            channel = min(nch - 1, scene.role_channel.get(role, nch - 1))
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


def reference_annotation(ref: SyntheticRecording | Sequence[ReferenceTurn], uri: str = "synthetic"):
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
