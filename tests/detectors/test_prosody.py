"""Prosody measured on real signals: tones of known frequency, synthesised speech of known delivery."""

from __future__ import annotations

import time

import numpy as np
import pytest

from detectors.errors import ConfigError
from detectors.prosody import ProsodyDetector, ProsodyOptions, count_units
from detectors.types import Utterance
from evaluation.synthesis import SynthesisOptions, synthesize_scenario, synthesize_utterance
from pipeline.config import load_config
from tests.utils.audio import SR, tone, voiced, with_silence


@pytest.fixture(scope="module")
def det() -> ProsodyDetector:
    return ProsodyDetector(load_config().section("prosody"))


@pytest.fixture(scope="module")
def syn() -> SynthesisOptions:
    return SynthesisOptions.from_config(None)


@pytest.mark.parametrize("freq", [65.0, 110.0, 180.0, 247.0, 330.0, 480.0])
def test_pure_tone_pitch_within_3_percent(det: ProsodyDetector, freq: float) -> None:
    x = with_silence(tone(freq, 1.0, -20.0), 0.3, 0.3)
    (p,) = det.measure(x, SR, [(0.0, len(x) / SR)])
    assert p.pitch_hz is not None
    assert abs(p.pitch_hz - freq) / freq < 0.03, p.pitch_hz
    assert abs(p.loudness_db - (-20.0)) < 1.0  # silence around the tone is not averaged in


@pytest.mark.parametrize("f0", [95.0, 140.0, 220.0])
def test_harmonic_voice_pitch_is_the_fundamental(det: ProsodyDetector, f0: float) -> None:
    (p,) = det.measure(voiced(f0, 1.0), SR, [(0.0, 1.0)])
    assert p.pitch_hz is not None and abs(p.pitch_hz - f0) / f0 < 0.03, p.pitch_hz


def test_noise_has_no_pitch(det: ProsodyDetector) -> None:
    noise = (np.random.default_rng(1).standard_normal(SR) * 0.05).astype(np.float32)
    x = with_silence(noise, 0.5, 0.5)
    (p,) = det.measure(x, SR, [(0.5, 1.5, None, "你好")])
    assert p.pitch_hz is None


def test_silence_and_empty_spans(det: ProsodyDetector) -> None:
    x = np.zeros(SR, dtype=np.float32)
    p, q = det.measure(x, SR, [(0.1, 0.9, None, "你好"), (0.5, 0.5)])
    assert p.pitch_hz is None and p.speech_rate is None and p.loudness_db <= -100
    assert q.pitch_hz is None
    assert det.measure(x, SR, []) == []


def test_louder_higher_utterance_measures_louder_and_higher(
    det: ProsodyDetector, syn: SynthesisOptions
) -> None:
    text = "你已经打了五遍了，我都跟你说了民警在路上。"
    normal = synthesize_utterance(text, 0, "normal", options=syn)
    shout = synthesize_utterance(text, 0, "shout", options=syn)
    gap = np.zeros(SR // 2, dtype=np.float32)
    x = np.concatenate([gap, normal, gap, shout, gap])
    n0, n1 = len(gap) / SR, (len(gap) + normal.size) / SR
    s0 = n1 + len(gap) / SR
    s1 = s0 + shout.size / SR
    pn, ps = det.measure(x, SR, [(n0, n1, None, text), (s0, s1, None, text)])
    assert ps.loudness_db > pn.loudness_db + 6
    assert pn.pitch_hz and ps.pitch_hz and ps.pitch_hz > pn.pitch_hz * 1.1
    assert pn.speech_rate and ps.speech_rate and ps.speech_rate > pn.speech_rate
    assert 2.0 < pn.speech_rate < 9.0  # plausible Mandarin syllables per second


def test_uses_the_utterances_channel(det: ProsodyDetector, syn: SynthesisOptions) -> None:
    turns = [
        {"speaker": "A", "role": "officer", "text": "您好，请问有什么事？"},
        {"speaker": "B", "role": "party", "text": "我的手机被偷了。"},
    ]
    rec = synthesize_scenario(turns, "counter", options=syn)
    utts = [
        Utterance(f"seg-{i}", r.start, r.end, r.speaker, None, r.text, channel=r.channel)
        for i, r in enumerate(rec.reference)
    ]
    own = det.measure(rec.audio, SR, utts)
    other = det.measure(
        rec.audio, SR, [(r.start, r.end, 1 - (r.channel or 0), r.text) for r in rec.reference]
    )
    for a, b in zip(own, other, strict=True):
        assert a.loudness_db > b.loudness_db + 15  # crosstalk is ~25 dB down


def test_speech_rate_units() -> None:
    assert count_units("警号031245，唱卡拉OK。") == 2 + 6 + 3 + 1


def test_fast_enough(det: ProsodyDetector) -> None:
    x = with_silence(voiced(150.0, 30.0), 0.5, 0.5)
    spans = [(t, t + 2.8, None, "你好" * 5) for t in np.arange(0.5, 30.0, 3.0)]
    det.measure(x, SR, spans[:1])  # warm-up
    t0 = time.perf_counter()
    det.measure(x, SR, spans)
    elapsed = time.perf_counter() - t0
    assert 30.0 / elapsed > 100, f"only {30.0 / elapsed:.0f}x real time"


def test_bad_config_and_input_are_rejected() -> None:
    cfg = load_config().section("prosody")
    with pytest.raises(ConfigError, match="prosody"):
        ProsodyDetector({**cfg, "fmin_hz": 600.0})
    with pytest.raises(ConfigError, match="prosody.surprise"):
        ProsodyDetector({**cfg, "surprise": 1})
    det = ProsodyDetector(ProsodyOptions.model_validate(cfg))
    with pytest.raises(TypeError):
        det.measure(np.zeros(SR), SR, ["not a span"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        det.measure(np.zeros((1, 2, 3)), SR, [(0, 1)])


def test_long_recording_is_measured_without_whole_array_copies_and_identically() -> None:
    """The span analysis keeps only checkpoints of the running sum of squares (flat memory in
    recording length); its frame levels and YIN inputs must equal the whole-array formulas."""
    from detectors.prosody import _Channel, _pairwise_sum

    o = ProsodyOptions.from_config(load_config().section("prosody"))
    rng = np.random.default_rng(7)
    # over two BLOCKs and not a multiple of anything, with a DC offset to remove
    x = (rng.standard_normal(2_300_017) * 0.1 + 0.01).astype(np.float32)
    win, hop, pad = 512, 160, 512 + 300
    assert _pairwise_sum(x) == np.add.reduce(x)
    # a channel of an interleaved (spooled stereo) recording is a strided view: same sum
    interleaved = np.stack([x, -x], axis=1).reshape(-1)
    assert _pairwise_sum(interleaved[::2]) == np.add.reduce(x)
    ch = _Channel(x, win, hop, pad, o)
    sig = x - np.float32(x.mean())
    padded = np.concatenate([sig, np.zeros(pad, np.float32)])
    csum = np.concatenate([[0.0], np.cumsum(np.square(padded, dtype=np.float64))])
    starts = np.arange(0, sig.size - win + 1, hop)
    pdb = 10 * np.log10(np.maximum((csum[starts + win] - csum[starts]) / win, 0) + 1e-20)
    assert np.array_equal(ch.pdb, pdb)
    for lo, hi in ((0, 5000), (16383, 16390), (1_000_003, 1_200_000), (x.size - 100, x.size + pad)):
        s, c = ch.window(lo, hi)
        assert np.array_equal(s, padded[lo:hi])
        assert np.array_equal(c, csum[lo : hi + 1])
