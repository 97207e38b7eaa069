"""No lost speech: the far, quiet party of a body-cam recording keeps its turns, with the party role.

Real components: the neural test voice renders the bundled demo body-cam script (party 10 dB below the
wearer, low-passed and roomy), Whisper and the configured diarizer analyse it.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from detectors.types import Segment, SpeakerTurn, Word
from evaluation.synthesis import synthesize_scenario, write_wav
from pipeline.analyzer import Pipeline
from pipeline.recovery import RecoveryOptions, WordChars, recover_speech, word_coverage

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


def _reference_chars_in(turn: SpeakerTurn, words: list[Word]) -> int:
    """The scan the count was before it bisected (kept to compare)."""
    return sum(
        sum(1 for ch in w.text if ch.isalnum())
        for w in words
        if turn.start <= (w.start + w.end) / 2 < turn.end
    )


def test_bisected_word_count_is_the_scans_on_random_words() -> None:
    # times on a 0.25 s grid: word middles fall exactly on turn boundaries, both ends of the span;
    # texts with punctuation (not counted) and empty words; turns that are empty or reversed
    rng = random.Random(15)
    grid = [i * 0.25 for i in range(121)]
    texts = ["好", "你好", "，", "", "车丢了。", "110"]
    for case in range(300):
        words = [
            Word(a, a + rng.choice([0.0, 0.25, 0.5, 1.0]), rng.choice(texts), 0.9)
            for a in (rng.choice(grid) for _ in range(rng.randint(0, 60)))
        ]
        counter = WordChars(words)
        for _ in range(20):
            a, b = rng.choice(grid), rng.choice(grid)
            turn = SpeakerTurn(a, b, "spk0")
            assert counter.within(turn) == _reference_chars_in(turn, words), (case, turn)


def test_recovery_picks_the_turns_the_scan_picks() -> None:
    # max_regions 0: every turn with too few characters is reported, none decoded (no ASR needed)
    rng = random.Random(7)
    words = [Word(t, t + 0.3, "字" * rng.randint(0, 2), 0.9) for t in np.arange(0, 300, 0.4)]
    segments = [Segment(i, w.start, w.end, w.text, (w,)) for i, w in enumerate(words)]
    turns = [
        SpeakerTurn(float(a), float(a) + rng.uniform(0.5, 6), "spk0") for a in range(0, 300, 5)
    ]
    options = RecoveryOptions.model_validate(
        {
            "enabled": True,
            "min_region_s": 1.0,
            "min_chars_per_s": 3.0,
            "pad_s": 0.2,
            "level_dbfs": -20.0,
            "max_regions": 0,
            "pack": True,
        }
    )
    result = recover_speech(None, np.ones(16000 * 300, np.float32), 16000, segments, turns, options)
    expected = [
        (t.start, t.end)
        for t in turns
        if t.end - t.start >= 1.0 and _reference_chars_in(t, words) < 3.0 * (t.end - t.start)
    ]
    assert expected and len(expected) < len(turns)  # some turns pass, some do not
    assert result.unrecovered == expected and result.redecoded == []


@pytest.mark.slow
def test_packed_recovery_decodes_all_turns_in_one_pass(
    pipe: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The eight real Mandarin utterances at levels from 0 to -26 dB, 6 s of silence around each, no
    words from the first pass: packed recovery (``pack: true``) transcribes them in ONE call to the
    ASR (their clips share 30 s windows), puts each word on the original timeline inside its own
    turn, and reads them as well as decoding each clip alone does (CER against the references:
    49/184 packed, 50/184 alone when written; each clip alone took twice the time)."""
    import csv

    from rapidfuzz.distance import Levenshtein

    from detectors.asr import to_simplified
    from pipeline.config import load_config
    from pipeline.media import MediaOptions, load_audio

    real = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "mandarin"
    with open(real / "references.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    media = MediaOptions.from_config(load_config().section("media"))
    gap = np.zeros(6 * 16000, np.float32)
    parts, turns, at = [gap], [], gap.size
    assert len(rows) == 8, "the shared Mandarin samples are missing"
    for row, level in zip(rows, (1.0, 0.1, 0.5, 0.3, 1.0, 0.2, 0.7, 0.05), strict=True):
        clip = load_audio(real / row["file"], media).mono() * level
        turns.append(SpeakerTurn(at / 16000, (at + clip.size) / 16000, "spk0"))
        parts += [clip, gap]
        at += clip.size + gap.size
    mono = np.concatenate(parts).astype(np.float32)
    options = RecoveryOptions.model_validate(
        pipe.config.section("analysis")["recovery"]
    ).model_copy(update={"pack": True})
    calls: list[int] = []
    transcribe = pipe.asr.transcribe

    def counted(audio: np.ndarray, **kwargs: object) -> object:
        calls.append(audio.shape[0])
        return transcribe(audio, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipe.asr, "transcribe", counted)
    packed = recover_speech(pipe.asr, mono, 16000, [], turns, options)
    assert len(calls) == 1
    alone = recover_speech(
        pipe.asr, mono, 16000, [], turns, options.model_copy(update={"pack": False})
    )
    assert len(calls) == 1 + len(turns)
    assert packed.redecoded == alone.redecoded == [(t.start, t.end) for t in turns]
    assert packed.unrecovered == alone.unrecovered == []

    def cer(result: object) -> float:
        errors = total = 0
        for turn, row in zip(turns, rows, strict=True):
            inside = [
                s
                for s in result.segments  # type: ignore[attr-defined]
                if turn.start <= (s.start + s.end) / 2 < turn.end
            ]
            assert inside, (turn, row["reference"])
            text = re.sub(r"[\W_]+", "", to_simplified("".join(s.text for s in inside)))
            ref = re.sub(r"[\W_]+", "", to_simplified(row["reference"]))
            errors += Levenshtein.distance(text, ref)
            total += len(ref)
        return errors / total

    assert len({s.id for s in packed.segments}) == len(packed.segments)
    assert cer(packed) <= cer(alone) + 0.02 and cer(packed) < 0.3
