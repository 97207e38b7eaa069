"""``vigil analyze`` on an mp4: the document carries keyframes and video flags, all stored in the store.

The clip is a synthetic body-cam recording: Mandarin speech (synthetic voices) over a picture with a
covered-lens stretch and a violent camera shake, encoded with H.264 + AAC like a camera file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evaluation.synthesis import synthesize_scenario
from tests.utils.video import Script, Segment, write_video

TURNS = [
    {"speaker": "S1", "role": "officer", "text": "您好，我是派出所民警，现在开始录音录像。"},
    {"speaker": "S2", "role": "party", "text": "你们凭什么管我，走开！"},
    {"speaker": "S1", "role": "officer", "text": "请您配合，不要推人，把手放开。"},
    {"speaker": "S2", "role": "party", "text": "放开我！别推我！"},
    {"speaker": "S1", "role": "officer", "text": "请您冷静，有话慢慢说。"},
]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Script]:
    rec = synthesize_scenario(TURNS, "bodycam", seed=3)
    speech = rec.audio[0]
    duration = float(np.ceil(len(speech) / rec.sample_rate))
    speech = np.pad(speech, (0, int(duration * rec.sample_rate) - len(speech)))
    script = Script(
        duration=duration,
        seed=5,
        segments=(
            Segment(4.0, 8.0, "covered"),
            Segment(12.0, 17.0, "shake", 1.3),
        ),
    )
    path = write_video(tmp_path_factory.mktemp("video") / "bodycam.mp4", script, audio=speech)
    return path, script


@pytest.mark.slow
def test_mp4_document_has_keyframes_and_video_flags_in_the_store(
    clip: tuple[Path, Script], tmp_path: Path
) -> None:
    path, script = clip
    store = tmp_path / "store"
    out = tmp_path / "doc.json"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "analyze",
            str(path),
            "--source",
            "bodycam",
            "--store",
            str(store),
            "--json",
            str(out),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["recording"]["has_video"] is True
    video = doc["video"]
    assert video["frames_analyzed"] > 0
    kinds = {e["kind"] for e in video["events"]}
    assert "black_frames" in kinds and "confrontation" in kinds

    flags = {f["code"]: f for f in doc["assessment"]["flags"]}
    incomplete = flags["RECORDING_INCOMPLETE"]
    assert incomplete["start"] < 8.0 and incomplete["end"] > 4.0
    confront = flags["PHYSICAL_CONFRONTATION"]
    assert confront["start"] < 17.0 and confront["end"] > 12.0

    keyframes = video["keyframes"]
    assert keyframes, "no keyframes"
    flag_frames = [k for k in keyframes if k["reason"].startswith("flag:")]
    flag_ids = {f["id"] for f in doc["assessment"]["flags"]}
    assert {k["reason"][5:] for k in flag_frames} <= flag_ids
    assert {k["reason"][5:] for k in flag_frames} >= {incomplete["id"], confront["id"]}
    for k in keyframes:
        jpeg = (store / k["key"]).read_bytes()
        assert jpeg[:3] == b"\xff\xd8\xff", k["key"]  # a real JPEG in the store
        assert k["key"].startswith(f"derived/{doc['recording']['recording_id']}/keyframes/")
