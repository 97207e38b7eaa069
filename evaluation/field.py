"""The ``field`` evaluation profile: synthetic speech made to sound like a body camera or a phone line.

The test voice is studio-clean; no police recording is. Audio-mode evaluation under ``--profile field``
degrades every synthesised scenario, seeded per scenario so two runs hear the same audio:

* room reverberation: an exponentially decaying noise impulse response (RT60 drawn from a range);
* clipping on shouts: turns in the ``shout`` style are driven into a hard clip, as a near microphone
  does when someone yells into it;
* background: steady coloured noise plus babble (several time-shifted, reversed copies of the scene's
  own speech: voices with speech's spectrum and rhythm that say nothing), at an SNR drawn from a range;
* phone line (``phone`` and ``dispatch``): band-limited to 300-3400 Hz, resampled to 8 kHz and
  G.711 mu-law coded, then brought back to the analysis rate.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
from pydantic import ConfigDict, Field
from scipy import signal

from detectors.options import SectionOptions

from .synthesis import SyntheticRecording

PHONE_SOURCES = ("phone", "dispatch")


class FieldProfile(SectionOptions):
    """The ``profiles.field`` section of ``configs/evaluation.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "profiles.field"

    seed: int = Field(ge=0)
    snr_db: tuple[float, float]
    babble_voices: int = Field(ge=0, le=16)
    babble_share: float = Field(ge=0, le=1)
    noise_color: float = Field(ge=0, le=2)
    rt60_s: tuple[float, float]
    reverb_mix: float = Field(ge=0, le=1)
    shout_drive_db: float = Field(ge=0, le=40)
    clip_level: float = Field(gt=0, le=1)
    phone_rate: int = Field(ge=4000, le=16000)
    phone_band_hz: tuple[float, float]
    mu: int = Field(ge=1, le=1023)

    @classmethod
    def load(cls) -> FieldProfile:
        """The ``profiles.field`` section of the evaluation config."""
        from .config import load_evaluation_config

        profiles = load_evaluation_config().section("profiles")
        return cls.from_config(profiles.get("field") or {})


def _rng(profile: FieldProfile, key: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{profile.seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def _colored_noise(n: int, color: float, rng: np.random.Generator) -> np.ndarray:
    """1/f^color noise (0 white, 1 pink, 2 brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1] if n > 1 else 1.0
    noise: np.ndarray = np.fft.irfft(spectrum / f ** (color / 2), n)
    return noise / max(_rms(noise), 1e-12)


def _reverb(
    x: np.ndarray, sr: int, rt60: float, mix: float, rng: np.random.Generator
) -> np.ndarray:
    n = max(1, int(rt60 * sr))
    t = np.arange(n) / sr
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)  # -60 dB at rt60
    ir /= max(np.sqrt(np.sum(ir**2)), 1e-12)
    wet = signal.fftconvolve(x, ir)[: x.size]
    out: np.ndarray = (1 - mix) * x + mix * wet * (_rms(x) / max(_rms(wet), 1e-12))
    return out


def _phone_line(x: np.ndarray, sr: int, p: FieldProfile) -> np.ndarray:
    lo, hi = p.phone_band_hz
    sos = signal.butter(4, [lo, hi], btype="bandpass", fs=sr, output="sos")
    y = signal.sosfilt(sos, x)
    narrow = signal.resample_poly(y, p.phone_rate, sr)
    peak = max(float(np.max(np.abs(narrow))), 1e-9)
    z = np.clip(narrow / peak, -1, 1)
    coded = np.sign(z) * np.log1p(p.mu * np.abs(z)) / np.log1p(p.mu)
    coded = np.round((coded + 1) * 127.5) / 127.5 - 1  # 8-bit code words
    decoded = np.sign(coded) * ((1 + p.mu) ** np.abs(coded) - 1) / p.mu * peak
    back: np.ndarray = signal.resample_poly(decoded, sr, p.phone_rate)[: x.size]
    return back


def degrade(rec: SyntheticRecording, profile: FieldProfile, key: str) -> SyntheticRecording:
    """``rec`` as the field would record it; ``key`` (e.g. the scenario id) seeds the randomness."""
    rng = _rng(profile, key)
    sr = rec.sample_rate
    audio = rec.audio.astype(np.float64)
    drive = 10 ** (profile.shout_drive_db / 20)
    for turn in rec.reference:
        if turn.style == "shout":
            a, b = int(turn.start * sr), int(turn.end * sr)
            audio[:, a:b] = np.clip(audio[:, a:b] * drive, -profile.clip_level, profile.clip_level)
    rt60 = float(rng.uniform(*profile.rt60_s))
    snr = float(rng.uniform(*profile.snr_db))
    out = np.empty_like(audio)
    for ch in range(audio.shape[0]):
        x = _reverb(audio[ch], sr, rt60, profile.reverb_mix, rng)
        speech_rms = max(_rms(x), 1e-9)
        noise = (1 - profile.babble_share) * _colored_noise(x.size, profile.noise_color, rng)
        if profile.babble_voices and x.size:
            babble = np.zeros_like(x)
            for _ in range(profile.babble_voices):
                babble += np.roll(x[::-1], int(rng.integers(0, x.size)))
            noise = noise + profile.babble_share * babble / max(_rms(babble), 1e-12)
        noise *= speech_rms / max(_rms(noise), 1e-12) * 10 ** (-snr / 20)
        y = x + noise
        if rec.source in PHONE_SOURCES:
            y = _phone_line(y, sr, profile)
        out[ch] = y
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > 0.99:
        out *= 0.99 / peak
    return replace(rec, audio=out.astype(np.float32))
