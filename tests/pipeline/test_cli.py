"""``vigil analyze`` end to end through the real models, and every bad-input case at the CLI boundary.

The body-cam clip is synthesised Mandarin (two synthetic voices, the wearer near-field); the CLI runs as a
user would run it, in a subprocess, and the document is read back from the store it wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evaluation.synthesis import synthesize_scenario, write_wav

VIGIL = [sys.executable, "-m", "pipeline.cli"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0"}

BODYCAM_TURNS = [
    {"speaker": "S1", "role": "officer", "text": "您好，我是派出所民警，现在开始录音录像。"},
    {"speaker": "S2", "role": "party", "text": "警察同志，我的自行车在楼下被人偷了。"},
    {"speaker": "S1", "role": "officer", "text": "好的，您别着急，我们先去现场看一下。"},
    {"speaker": "S2", "role": "party", "text": "好的，谢谢你们，就在前面那栋楼。"},
]


def _vigil(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VIGIL, *args], capture_output=True, text=True, timeout=timeout, env=ENV, check=False
    )


@pytest.fixture(scope="module")
def bodycam_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rec = synthesize_scenario(BODYCAM_TURNS, "bodycam", seed=7)
    return write_wav(tmp_path_factory.mktemp("clip") / "bodycam.wav", rec.audio, rec.sample_rate)


@pytest.mark.slow
def test_analyze_bodycam_finds_both_speakers_and_their_roles(
    bodycam_clip: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    incident = tmp_path / "incident.json"
    incident.write_text(
        json.dumps(
            {
                "incident_id": "T-0001",
                "unit": "测试派出所",
                "recorded_category": "theft",
                "recorded_disposition": "case_accepted",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out = tmp_path / "doc.json"
    r = _vigil(
        "analyze",
        str(bodycam_clip),
        "--source",
        "bodycam",
        "--incident",
        str(incident),
        "--store",
        str(store),
        "--json",
        str(out),
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    # a readable transcript: time, role, text
    transcript_lines = [line for line in r.stdout.splitlines() if line.startswith("[")]
    assert len(transcript_lines) >= 2
    assert any("officer" in line for line in transcript_lines)
    assert any("party" in line for line in transcript_lines)

    doc = json.loads(out.read_text(encoding="utf-8"))
    stored = list((store / "documents").glob("*.json"))
    assert [p.name for p in stored] == [f"{doc['recording']['recording_id']}.json"]
    assert (
        json.loads(stored[0].read_text(encoding="utf-8"))["recording"]["sha256"]
        == doc["recording"]["sha256"]
    )
    assert (store / doc["recording"]["media_key"]).is_file()

    speakers = doc["speakers"]
    assert len(speakers) == 2
    roles = {s["role"] for s in speakers}
    assert roles == {"officer", "party"}
    # the wearer (officer) is the near-field voice and speaks first
    first = doc["segments"][0]
    assert first["role"] == "officer"
    assert doc["incident"]["incident_id"] == "T-0001"
    assert doc["pipeline"]["config_hash"]
    assert set(doc["timings"]) >= {"decode", "asr", "diarization", "roles", "rules", "store"}
    # invariants: time increases, words inside their segment, nothing past the end
    duration = doc["recording"]["duration"]
    starts = [s["start"] for s in doc["segments"]]
    assert starts == sorted(starts)
    for seg in doc["segments"]:
        assert 0 <= seg["start"] <= seg["end"] <= duration + 0.05
        for w in seg["words"]:
            assert seg["start"] - 0.05 <= w["start"] <= w["end"] <= seg["end"] + 0.05
    assert doc["assessment"]["risk"]["level"] in ("low", "medium", "high")


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    good = tmp / "good.wav"
    rec = np.zeros((1, 16000), dtype=np.float32)
    write_wav(good, rec, 16000)
    empty = tmp / "empty.wav"
    empty.write_bytes(b"")
    corrupt = tmp / "corrupt.wav"
    corrupt.write_bytes(np.random.default_rng(0).bytes(50_000))
    text = tmp / "notes.mp4"
    text.write_text("this is not a video\n" * 100)
    truncated = tmp / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:2000])
    return {
        "missing": (tmp / "nope.wav", "not found"),
        "empty": (empty, "empty"),
        "corrupt": (corrupt, ""),
        "unsupported": (text, ""),
        "truncated": (truncated, "truncated"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "corrupt", "unsupported", "truncated"])
def test_bad_input_gives_one_line_error_and_exit_2(tmp_path: Path, case: str) -> None:
    path, expected = _bad_inputs(tmp_path)[case]
    r = _vigil("analyze", str(path), "--source", "bodycam", "--store", str(tmp_path / "s"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [line for line in r.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("vigil: error:")
    assert "Traceback" not in r.stderr
    assert expected.lower() in lines[0].lower()
    assert not (tmp_path / "s" / "documents").exists()


def test_unknown_source_and_bad_incident_are_refused(tmp_path: Path, bodycam_clip: Path) -> None:
    r = _vigil("analyze", str(bodycam_clip), "--source", "cctv", "--store", str(tmp_path))
    assert r.returncode == 2 and "unknown source" in r.stderr
    bad = tmp_path / "incident.json"
    bad.write_text("{not json", encoding="utf-8")
    r = _vigil(
        "analyze",
        str(bodycam_clip),
        "--source",
        "bodycam",
        "--incident",
        str(bad),
        "--store",
        str(tmp_path),
    )
    assert r.returncode == 2 and "not valid JSON" in r.stderr
    r = _vigil(
        "analyze",
        str(bodycam_clip),
        "--source",
        "bodycam",
        "--incident",
        str(tmp_path / "missing.json"),
        "--store",
        str(tmp_path),
    )
    assert r.returncode == 2 and "incident record not found" in r.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    r = _vigil("analyze", str(empty), "--source", "bodycam", "--store", str(tmp_path), "--debug")
    assert r.returncode != 0 and "Traceback" in r.stderr


@pytest.mark.parametrize(
    ("command", "env", "expected"),
    [
        (
            "eval",
            {"VIGIL__ROLES__LEXICON_FILE": "/nonexistent/roles.yaml"},
            "roles lexicon not found",
        ),
        ("eval", {"VIGIL__RULES__MIN_CONFIDENCE": "2"}, "rules.min_confidence"),
        ("eval", {"VIGIL__SUMMARY__METHOD": "magic"}, "summary.method"),
        ("analyze", {"VIGIL__ASR__MODEL_PATH": "/nonexistent/whisper"}, "not found"),
        ("analyze", {"VIGIL__ASR__BEAM_SIZEE": "2"}, "asr.beam_sizee"),
        (
            "analyze",
            {"VIGIL__DIARIZATION__EMBEDDED__WINDOW_S": "0"},
            "diarization.embedded.window_s",
        ),
    ],
)
def test_setup_errors_are_one_line_not_a_traceback(
    tmp_path: Path, command: str, env: dict[str, str], expected: str
) -> None:
    """A missing model or lexicon and a bad config section are the user's to fix: one line, exit 2."""
    if command == "eval":
        scenarios = Path(__file__).resolve().parents[1] / "data" / "scenarios"
        args = ["eval", str(scenarios)]
    else:
        clip = _bad_inputs(tmp_path)["truncated"][0].with_name("good.wav")
        args = ["analyze", str(clip), "--source", "bodycam", "--store", str(tmp_path / "s")]
    r = subprocess.run(
        [*VIGIL, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**ENV, **env},
        check=False,
    )
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [line for line in r.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("vigil: error:") and expected in lines[0], lines[0]
    assert "Traceback" not in r.stderr
