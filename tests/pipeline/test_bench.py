"""`vigil bench`'s memory part runs each length in a child process: when a child dies (after hours, on a
3-hour file) the report must carry the child's own error, not only its exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.bench import REAL_MANDARIN, bench_memory
from pipeline.errors import VigilError


def test_a_failed_memory_run_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a config the child refuses at start-up: the same path as any failure inside the analysis
    monkeypatch.setenv("VIGIL__ASR__BEAM_SIZE", "-3")
    with pytest.raises(VigilError) as err:
        bench_memory(REAL_MANDARIN, [5.0], tmp_path)
    msg = str(err.value)
    assert msg.startswith("memory run of 5 s failed (exit ")
    assert "beam_size" in msg
    assert not list(tmp_path.glob("rss_*.wav")), "the looped recording is removed"


def test_a_truncated_recording_is_analysed_up_to_the_damage(tmp_path: Path) -> None:
    """``--truncate``: the file keeps its header's declared length but loses the end of its data; the
    child analyses what is readable and the report says the recording was truncated."""
    report = bench_memory(REAL_MANDARIN, [20.0], tmp_path, keep=0.5)
    (run,) = report["runs"]
    assert run["truncated"] is True
    assert run["declared_s"] == pytest.approx(20.0, abs=0.1)
    assert run["audio_s"] == pytest.approx(10.0, abs=0.2)
    assert run["segments"] > 0
