"""What the pipeline must NOT claim: an officer nobody heard, a category nobody said, a recording
analysed as complete when its camera recorded no sound.

Real media throughout: Mandarin read by one person (AISHELL / THCHS samples, no police content), a
silent wav, and a real mp4 without an audio track.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.synthesis import write_wav
from pipeline.analyzer import Pipeline

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
MANDARIN = REAL / "mandarin"
BEDROOM = REAL / "video" / "bedroom.mp4"
# Codes that say an officer failed to do something: they need an officer to exist.
OFFICER_ABSENCE = {"MISSING_SELF_ID", "MISSING_RECORDING_NOTICE", "REPORT_NOT_ACCEPTED"}


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline.from_config()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["BAC009S0002W0122.wav", "A2_34.wav"])
def test_single_reader_without_police_content_is_no_officer(pipe: Pipeline, name: str) -> None:
    doc = pipe.run(MANDARIN / name, source="bodycam")
    assert doc.segments, "the reader's speech must be transcribed"
    assert all(s.role != "officer" for s in doc.speakers)
    assert doc.assessment is not None
    codes = {f.code for f in doc.assessment.flags}
    assert not codes & OFFICER_ABSENCE, codes
    notes = {n.code: n for n in doc.assessment.notes}
    assert set(notes) == {"no_officer_identified"}
    assert notes["no_officer_identified"].text == "no officer identified"
    assert notes["no_officer_identified"].reason


@pytest.mark.slow
def test_no_speech_gives_a_note_and_no_category(pipe: Pipeline, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    hiss = (rng.standard_normal(16000 * 6) * 1e-4).astype(np.float32)
    doc = pipe.run(write_wav(tmp_path / "hiss.wav", hiss[np.newaxis], 16000), source="bodycam")
    assert doc.segments == []
    assert doc.assessment is not None
    assert doc.assessment.category is None and doc.assessment.disposition is None
    assert [n.code for n in doc.assessment.notes] == ["no_speech"]
    assert "category" in doc.assessment.notes[0].reason
    assert doc.assessment.flags == []


@pytest.mark.slow
def test_video_without_audio_is_analysed_and_flagged_incomplete(pipe: Pipeline) -> None:
    doc = pipe.run(BEDROOM, source="bodycam")
    assert doc.recording.has_video and doc.recording.audio_codec is None
    assert doc.video is not None and doc.video.frames_analyzed > 0
    assert any(e.kind == "no_audio_track" for e in doc.video.events)
    incomplete = [f for f in doc.assessment.flags if f.code == "RECORDING_INCOMPLETE"]
    assert len(incomplete) == 1
    assert incomplete[0].evidence["reasons"] == ["no audio track"]
    assert "no audio track" in incomplete[0].explanation_en
    assert incomplete[0].end == pytest.approx(doc.recording.duration, abs=0.5)
    assert any("no audio track" in w for w in doc.warnings)
    assert [n.code for n in doc.assessment.notes] == ["no_speech"]
