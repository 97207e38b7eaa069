"""The ``field`` evaluation profile degrades real synthesised speech as configured, and reproducibly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.field import FieldProfile, degrade
from evaluation.harness import run_evaluation
from evaluation.synthesis import synthesize_scenario
from pipeline.errors import ConfigError

TURNS = [
    {"speaker": "S1", "role": "officer", "text": "您好，我是派出所民警，现在开始录音录像。"},
    {"speaker": "S2", "role": "party", "text": "你们凭什么管我，走开！", "style": "shout"},
    {"speaker": "S1", "role": "officer", "text": "请您冷静，有话慢慢说。"},
]


@pytest.fixture(scope="module")
def bodycam():  # type: ignore[no-untyped-def]
    return synthesize_scenario(TURNS, "bodycam", seed=1)


@pytest.fixture(scope="module")
def profile() -> FieldProfile:
    return FieldProfile.load()


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_same_scenario_same_audio_other_scenario_other_audio(bodycam, profile) -> None:  # type: ignore[no-untyped-def]
    a = degrade(bodycam, profile, "dev-bodycam-01")
    b = degrade(bodycam, profile, "dev-bodycam-01")
    c = degrade(bodycam, profile, "dev-bodycam-02")
    assert a.audio.shape == bodycam.audio.shape and a.audio.dtype == np.float32
    assert np.array_equal(a.audio, b.audio)
    assert not np.array_equal(a.audio, c.audio)
    assert a.reference == bodycam.reference
    assert float(np.max(np.abs(a.audio))) <= 0.99


def test_background_at_the_configured_snr(bodycam, profile) -> None:  # type: ignore[no-untyped-def]
    dry = profile.model_copy(update={"reverb_mix": 0.0, "shout_drive_db": 0.0, "clip_level": 1.0})
    clean = bodycam.audio[0].astype(np.float64)
    for key in ("a", "b", "c", "d"):
        noisy = degrade(bodycam, dry, key).audio[0].astype(np.float64)
        # undo the final peak normalisation: the clean part scales by the same factor
        scale = float(np.dot(noisy, clean) / np.dot(clean, clean))
        noise = noisy / scale - clean
        snr = 20 * np.log10(_rms(clean) / _rms(noise))
        assert dry.snr_db[0] - 0.5 <= snr <= dry.snr_db[1] + 0.5, (key, snr)


def test_shouts_are_clipped(bodycam, profile) -> None:  # type: ignore[no-untyped-def]
    quiet = profile.model_copy(update={"snr_db": (60.0, 60.0), "reverb_mix": 0.0})
    out = degrade(bodycam, quiet, "x").audio[0]
    shout = next(t for t in bodycam.reference if t.style == "shout")
    sr = bodycam.sample_rate
    span = np.abs(out[int(shout.start * sr) : int(shout.end * sr)])
    # a clipped stretch: many samples sit at the (rescaled) clip level
    top = float(span.max())
    assert np.mean(span >= 0.98 * top) > 0.01


def test_phone_line_is_narrowband(profile) -> None:  # type: ignore[no-untyped-def]
    call = synthesize_scenario(TURNS, "dispatch", seed=2)
    out = degrade(call, profile, "call").audio[0].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(out)) ** 2
    f = np.fft.rfftfreq(out.size, 1 / call.sample_rate)
    above = spectrum[f > 4200].sum() / spectrum.sum()
    assert above < 1e-3, above


def test_profile_is_refused_where_it_cannot_apply(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs --mode audio"):
        run_evaluation(tmp_path, "text", profile="field")
    with pytest.raises(ConfigError, match="unknown evaluation profile"):
        run_evaluation(tmp_path, "audio", profile="studio")
    with pytest.raises(ConfigError, match="invalid profiles.field config"):
        FieldProfile.from_config({"seed": 0})
