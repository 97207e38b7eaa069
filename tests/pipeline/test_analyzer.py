"""Pipeline.run on real synthesised recordings: the source routes diarization, roles follow the channel
map on stereo, a mono file configured for channel diarization falls back and says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.synthesis import synthesize_scenario, write_wav
from pipeline.analyzer import Pipeline

TURNS = [
    {"speaker": "S1", "role": "officer", "text": "您好，派出所，请讲。"},
    {"speaker": "S2", "role": "party", "text": "你好，我家楼上晚上一直很吵。"},
    {"speaker": "S1", "role": "officer", "text": "好的，我们马上派民警过去看看。"},
]


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline.from_config()


@pytest.mark.slow
def test_stereo_phone_call_uses_channels_for_speakers_and_roles(
    pipe: Pipeline, tmp_path: Path
) -> None:
    rec = synthesize_scenario(TURNS, "phone", seed=11)
    assert rec.channels == 2
    doc = pipe.run(write_wav(tmp_path / "call.wav", rec.audio, rec.sample_rate), source="phone")
    assert doc.pipeline.backends["diarization"] == "channel"
    by_id = {s.id: s for s in doc.speakers}
    assert set(by_id) == {"ch0", "ch1"}
    assert by_id["ch0"].role == "officer" and by_id["ch0"].channel == 0
    assert by_id["ch1"].role == "party" and by_id["ch1"].channel == 1
    assert doc.recording.channels == 2
    assert doc.assessment is not None and doc.assessment.call is not None


@pytest.mark.slow
def test_mono_phone_call_falls_back_to_embedded_diarization(pipe: Pipeline, tmp_path: Path) -> None:
    rec = synthesize_scenario(TURNS, "phone", seed=11)
    mono = rec.audio.mean(axis=0, keepdims=True)
    doc = pipe.run(write_wav(tmp_path / "mono.wav", mono, rec.sample_rate), source="phone")
    assert doc.pipeline.backends["diarization"] == "embedded"
    assert any("fell back to embedded" in w for w in doc.warnings)
    assert {s.role for s in doc.speakers} >= {"officer"}


def test_unknown_source_is_refused_before_any_work(pipe: Pipeline, tmp_path: Path) -> None:
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown source"):
        pipe.run(tmp_path / "whatever.wav", source="cctv")  # type: ignore[arg-type]


@pytest.mark.slow
def test_one_silero_pass_serves_asr_and_diarization(
    pipe: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mono body-cam recording (batched ASR on the mix, spectral diarization gated by VAD): Silero
    runs over the whole recording once, not once per detector (issue 15), and the pass is timed."""
    import detectors.diarization.spectral as spectral
    import detectors.vad as vad
    import pipeline.analyzer as analyzer

    real = vad.speech_probabilities
    lengths: list[int] = []

    def counted(audio: np.ndarray) -> np.ndarray:
        lengths.append(int(audio.shape[0]))
        return real(audio)

    for module in (vad, spectral, analyzer):
        monkeypatch.setattr(module, "speech_probabilities", counted)
    rec = synthesize_scenario(TURNS, "bodycam", seed=11)
    assert rec.channels == 1 and rec.sample_rate == 16000
    doc = pipe.run(
        write_wav(tmp_path / "bodycam.wav", rec.audio, rec.sample_rate), source="bodycam"
    )
    assert doc.pipeline.backends["diarization"] == "spectral"
    whole = rec.audio.shape[-1]
    assert lengths.count(whole) == 1, lengths  # recovery may still run VAD on its short clips
    assert all(n < whole for n in lengths if n != whole)
    assert "vad" in dict(doc.timings)
    assert doc.speakers


@pytest.mark.slow
def test_diarizer_beside_asr_learns_when_asr_is_done(
    pipe: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Diarization runs beside ASR with an event that is still clear while ASR runs and set once it
    is done (the spectral backend then spreads its remaining batches over both cores, issue 15)."""
    import threading

    calls: list[tuple[threading.Event | None, bool]] = []
    real = pipe.diarization.diarize

    def spy(*args: object, **kwargs: object) -> object:
        event = kwargs["cores_free"]
        assert event is None or isinstance(event, threading.Event)
        calls.append((event, event is not None and event.is_set()))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipe.diarization, "diarize", spy)
    rec = synthesize_scenario(TURNS, "bodycam", seed=11)
    path = write_wav(tmp_path / "bodycam.wav", rec.audio, rec.sample_rate)
    doc = pipe.run(path, source="bodycam")
    assert doc.pipeline.backends["diarization"] == "spectral" and doc.speakers
    [(event, set_at_start)] = calls
    assert event is not None and not set_at_start and event.is_set()
