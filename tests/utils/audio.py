"""Test factories for audio: pure tones, voice-like harmonic signals, scripted scenarios, utterances.

They build real signals (no fixtures on disk) so any test can make a few seconds of input on the fly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detectors.types import Utterance

SR = 16000
SHARED = Path(os.environ.get("VIGIL_SHARED", Path(__file__).resolve().parents[3] / "shared"))
DEV_DIR = SHARED / "eval" / "dev"


def tone(freq: float, seconds: float, level_dbfs: float = -20.0, sr: int = SR) -> np.ndarray:
    """A pure sine at ``freq`` Hz whose RMS is ``level_dbfs``."""
    t = np.arange(int(seconds * sr)) / sr
    amp = np.sqrt(2.0) * 10 ** (level_dbfs / 20)
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def voiced(
    f0: float, seconds: float, level_dbfs: float = -20.0, sr: int = SR, seed: int = 0
) -> np.ndarray:
    """A voice-like signal: a harmonic series at ``f0`` with falling amplitudes, slight jitter-free
    vibrato-free pitch and a little breath noise, RMS ``level_dbfs``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    x = np.zeros_like(t)
    k = 1
    while k * f0 < sr / 2 - 200 and k <= 30:
        x += np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi)) / k
        k += 1
    x += 0.02 * rng.standard_normal(t.size)
    x *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x**2))
    return x.astype(np.float32)


def with_silence(
    x: np.ndarray,
    lead_s: float,
    tail_s: float,
    sr: int = SR,
    noise_dbfs: float = -70.0,
    seed: int = 0,
) -> np.ndarray:
    """Pad ``x`` with low-level noise before and after (so there is an unvoiced floor)."""
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.zeros(int(lead_s * sr)), x, np.zeros(int(tail_s * sr))])
    y += rng.standard_normal(y.size) * 10 ** (noise_dbfs / 20)
    return y.astype(np.float32)


def load_dev_scenarios(directory: Path | None = None) -> list[dict[str, Any]]:
    """Every scenario JSON of the shared dev set, sorted by file name."""
    d = directory or DEV_DIR
    files = sorted(d.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no scenario files in {d}")
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


def utterances_from_turns(
    turns: Sequence[Mapping[str, Any]],
    *,
    reference: Sequence[Any] | None = None,
    keep_roles: bool = False,
    seconds_per_char: float = 0.25,
) -> tuple[Utterance, ...]:
    """Utterances from scripted turns, without roles unless ``keep_roles``.

    Times come from ``reference`` (``ReferenceTurn``s of a synthesised recording, with their channels)
    when given, else from a nominal speaking rate.
    """
    out: list[Utterance] = []
    cursor = 0.0
    for i, turn in enumerate(turns):
        if reference is not None:
            ref = reference[i]
            start, end, channel = ref.start, ref.end, ref.channel
        else:
            start = cursor
            end = cursor + max(0.5, len(turn["text"]) * seconds_per_char)
            channel = None
            cursor = end + 0.4
        out.append(
            Utterance(
                id=f"seg-{i:04d}",
                start=float(start),
                end=float(end),
                speaker=str(turn["speaker"]),
                role=turn.get("role") if keep_roles else None,
                text=str(turn["text"]),
                channel=channel,
                style=turn.get("style"),
            )
        )
    return tuple(out)
