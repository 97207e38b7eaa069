"""The ``synthesis`` section of ``configs/evaluation.yaml``: voices, delivery styles and how each source's
scene is mixed (see :mod:`evaluation.synthesis`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from detectors.errors import VigilError
from detectors.options import SectionOptions
from detectors.types import Source

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


class SynthesisOptions(SectionOptions):
    """The ``synthesis`` config section (see configs/default.yaml for the meaning of each key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "synthesis"

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
    scenes: dict[Source, SceneOptions]

    @model_validator(mode="after")
    def _every_style(self) -> SynthesisOptions:
        missing = [s for s in STYLES if s not in self.styles]
        if missing:
            raise ValueError(f"styles lacks {missing}; needs all of {list(STYLES)}")
        return self

    @classmethod
    def from_config(
        cls, data: Mapping[str, Any] | SynthesisOptions | None = None
    ) -> SynthesisOptions:
        """Validate a section dict; ``None`` reads the ``synthesis`` section of ``configs/evaluation.yaml``."""
        if data is None:
            from .config import load_evaluation_config

            data = load_evaluation_config().section("synthesis")
        return super().from_config(data)
