"""A recording cut short (camera lost power, upload interrupted) still gives a document for what was
readable: real Mandarin speech through the real pipeline, cut in half in three containers.

Why: refusing the whole file would lose the part that is evidence. The document must say that the
file is incomplete (RECORDING_INCOMPLETE over the unreadable part, ``recording.truncated``, the
declared length) so a reviewer never mistakes the readable part for the whole recording.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from pypinyin import lazy_pinyin

from pipeline.analyzer import Pipeline
from pipeline.config import load_config
from pipeline.errors import MediaError
from pipeline.media import MediaOptions, load_audio
from tests.utils.audio import SHARED

REAL = SHARED / "data" / "real" / "mandarin"
SR = 16000


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline.from_config()


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """Two real utterances with a second of silence between: about 23 s, speech in both halves."""
    media = MediaOptions.from_config(load_config().section("media"))
    parts = [load_audio(REAL / n, media).mono() for n in ("A2_33.wav", "A2_34.wav")]
    return np.concatenate([parts[0], np.zeros(SR, np.float32), parts[1]])


def _write(path: Path, audio: np.ndarray, codec: str, options: dict[str, str] | None) -> Path:
    """Mono 16 kHz ``audio`` in ``path``'s container, written with PyAV."""
    with av.open(str(path), "w", options=options or {}) as out:
        stream = out.add_stream(codec, rate=SR, layout="mono")
        for i in range(0, audio.shape[0], 1024):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(audio[None, i : i + 1024]), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts, frame.time_base = SR, i, Fraction(1, SR)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _cut(full: Path, fraction: float) -> Path:
    data = full.read_bytes()
    cut = full.with_name("cut-" + full.name)
    cut.write_bytes(data[: int(len(data) * fraction)])
    return cut


@pytest.fixture(scope="module")
def whole(pipe: Pipeline, speech: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The document of the uncut recording: no truncation, nothing flagged incomplete."""
    path = _write(tmp_path_factory.mktemp("whole") / "whole.wav", speech, "pcm_s16le", None)
    doc = pipe.run(path, source="bodycam")
    assert not doc.recording.truncated
    assert "RECORDING_INCOMPLETE" not in {f.code for f in doc.assessment.flags}
    return doc


@pytest.mark.parametrize(
    ("name", "codec", "options"),
    [
        ("call.wav", "pcm_s16le", None),
        ("bodycam.m4a", "aac", {"movflags": "+faststart"}),
        ("bodycam.mp4", "aac", {"movflags": "+faststart"}),
    ],
)
def test_truncated_recording_gives_a_document_for_the_readable_part(
    pipe: Pipeline,
    speech: np.ndarray,
    whole: Any,
    tmp_path: Path,
    name: str,
    codec: str,
    options: dict[str, str] | None,
) -> None:
    full = _write(tmp_path / name, speech, codec, options)
    media = MediaOptions.from_config(load_config().section("media"))
    assert not load_audio(full, media).truncated  # the uncut file is whole in this container

    doc = pipe.run(_cut(full, 0.5), source="bodycam")
    rec = doc.recording
    assert rec.truncated
    assert rec.declared_duration is not None
    assert abs(rec.declared_duration - speech.shape[0] / SR) < 0.3
    assert 0.4 * rec.declared_duration < rec.duration < 0.6 * rec.declared_duration
    # the readable half was analysed: its speech is in the document, nothing after the cut is
    assert doc.segments and all(s.end <= rec.duration + 1e-6 for s in doc.segments)
    # the same opening words: punctuation may differ, and so may a homophone, because Whisper decodes a
    # shorter window after the cut (one CI machine heard 语王伟 in the whole file and 与王伟 in the cut)
    words = [lazy_pinyin(re.sub(r"\W", "", d.segments[0].text)[:3]) for d in (whole, doc)]
    assert len(words[0]) == 3 and words[0] == words[1]
    (flag,) = [f for f in doc.assessment.flags if f.code == "RECORDING_INCOMPLETE"]
    assert abs(flag.start - rec.duration) < 0.05 and abs(flag.end - rec.declared_duration) < 0.05
    assert any("truncated" in w and f"{rec.duration:.1f} s" in w for w in doc.warnings)


def test_truncated_recording_is_refused_when_configured(speech: np.ndarray, tmp_path: Path) -> None:
    full = _write(tmp_path / "bodycam.m4a", speech, "aac", {"movflags": "+faststart"})
    strict = Pipeline.from_config(overrides={"media.truncated": "refuse"})
    with pytest.raises(MediaError, match="truncated.*cut-bodycam.m4a"):
        strict.run(_cut(full, 0.5), source="bodycam")


def test_truncated_file_with_nothing_readable_is_refused(
    pipe: Pipeline, speech: np.ndarray, tmp_path: Path
) -> None:
    """An MP4 whose index (moov) was at the end and is lost: nothing can be read, a clear error."""
    full = _write(tmp_path / "bodycam.mp4", speech, "aac", None)
    with pytest.raises(MediaError, match="corrupt, truncated or unsupported.*cut-bodycam.mp4"):
        pipe.run(_cut(full, 0.5), source="bodycam")
