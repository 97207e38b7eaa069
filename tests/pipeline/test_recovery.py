"""No lost speech: the far, quiet party of a body-cam recording keeps its turns, with the party role.

Real components: the neural test voice renders the bundled demo body-cam script (party 10 dB below the
wearer, low-passed and roomy), Whisper and the configured diarizer analyse it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detectors.types import SpeakerTurn
from evaluation.synthesis import synthesize_scenario, write_wav
from pipeline.analyzer import Pipeline
from pipeline.recovery import RecoveryOptions, recover_speech, word_coverage

DEMO = Path(__file__).resolve().parents[2] / "samples" / "bodycam-parking-dispute.json"


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline.from_config()


@pytest.mark.slow
def test_demo_bodycam_keeps_every_party_turn(pipe: Pipeline, tmp_path: Path) -> None:
    scenario = json.loads(DEMO.read_text(encoding="utf-8"))
    rec = synthesize_scenario(scenario["turns"], "bodycam")
    doc = pipe.run(write_wav(tmp_path / "demo.wav", rec.audio, rec.sample_rate), source="bodycam")
    party_turns = [t for t in rec.reference if t.role == "party"]
    assert party_turns
    for turn in party_turns:
        overlapping = [
            s for s in doc.segments if s.start < turn.end and s.end > turn.start and s.text.strip()
        ]
        assert any(s.role == "party" for s in overlapping), (turn.text, overlapping)
    assert not any(w.startswith("speech without words") for w in doc.warnings)


@pytest.mark.slow
def test_region_without_words_is_reported(pipe: Pipeline) -> None:
    rng = np.random.default_rng(3)
    hiss = (rng.standard_normal(16000 * 4) * 1e-3).astype(np.float32)
    turn = SpeakerTurn(0.5, 3.5, "spk0")
    options = RecoveryOptions.model_validate(pipe.config.section("analysis")["recovery"])
    result = recover_speech(pipe.asr, hiss, 16000, [], [turn], options)
    assert result.redecoded == [(0.5, 3.5)]
    assert result.unrecovered == [(0.5, 3.5)] and result.segments == []
    (warning,) = result.warnings()
    assert warning.startswith("speech without words: 1 speech region(s), 3.0 s")
    off = recover_speech(
        pipe.asr, hiss, 16000, [], [turn], options.model_copy(update={"enabled": False})
    )
    assert off.redecoded == [] and off.warnings() == []


def test_word_coverage_counts_time_inside_words() -> None:
    from detectors.types import Segment, Word

    seg = Segment(0, 0.0, 2.0, "ab", words=(Word(0.0, 1.0, "a", 0.9), Word(0.5, 1.5, "b", 0.9)))
    turns = [SpeakerTurn(0.0, 2.0, "s"), SpeakerTurn(3.0, 4.0, "s")]
    assert word_coverage(turns, [seg]) == pytest.approx(1.5 / 3.0)
    assert word_coverage([], [seg]) == 1.0
