"""The flat-memory Silero VAD gives faster-whisper's speech pieces to the bit, on real Mandarin.

Why bit-exact and not "close": ASR windows and diarization regions are cut from these pieces, so any
difference would change transcripts; a 3-hour file must get what a 3-minute file would have got.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

from detectors import vad
from detectors.blocks import BLOCK, all_finite, downmix, has_signal
from pipeline.config import load_config
from pipeline.media import MediaOptions, load_audio
from tests.utils.audio import SHARED

REAL = SHARED / "data" / "real" / "mandarin"


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """The real samples joined (about 66 s), twice: long enough to span several VAD blocks."""
    media = MediaOptions.from_config(load_config().section("media"))
    with open(REAL / "references.tsv", encoding="utf-8") as fh:
        names = [row["file"] for row in csv.DictReader(fh, delimiter="\t")]
    assert len(names) == 8, "the shared Mandarin samples are missing"
    joined = np.concatenate([load_audio(REAL / n, media).mono() for n in names])
    return np.concatenate([joined, joined])


def _options() -> list[VadOptions]:
    """ASR's and embedded diarization's settings from the shipped config."""
    cfg = load_config()
    asr, dia = cfg.section("asr"), cfg.section("diarization")["embedded"]
    return [
        VadOptions(
            threshold=asr["vad_threshold"],
            min_silence_duration_ms=asr["vad_min_silence_ms"],
            speech_pad_ms=asr["vad_speech_pad_ms"],
            max_speech_duration_s=30.0,
        ),
        VadOptions(
            threshold=dia["vad_threshold"],
            min_speech_duration_ms=dia["vad_min_speech_ms"],
            min_silence_duration_ms=dia["vad_min_silence_ms"],
            speech_pad_ms=dia["vad_speech_pad_ms"],
        ),
    ]


def test_probabilities_equal_faster_whispers_whole_file_call(speech: np.ndarray) -> None:
    # ends inside the last 64 samples of a window, on a window boundary, and just after one
    for n in (speech.shape[0], 512 * 2500 + 470, 512 * 2500, 512 * 2500 + 3):
        x = speech[:n]
        whole = get_vad_model()(np.pad(x, (0, 512 - n % 512))).reshape(-1)
        ours = vad.speech_probabilities(x)
        assert n > vad.WINDOW * 1000 * 2  # several blocks, so the carried state is exercised
        assert np.array_equal(whole, ours), n


@pytest.mark.parametrize("which", [0, 1])
def test_timestamps_equal_faster_whispers(speech: np.ndarray, which: int) -> None:
    options = _options()[which]
    for n in (speech.shape[0], speech.shape[0] // 3 + 101):
        expected = get_speech_timestamps(speech[:n], options)
        assert len(expected) > 5
        assert vad.speech_timestamps(speech[:n], options) == expected


def test_precomputed_probabilities_give_the_same_pieces_and_are_checked(
    speech: np.ndarray,
) -> None:
    """ASR and diarization share one Silero pass: pieces cut from given probabilities equal those of
    a fresh pass; probabilities of another length are refused."""
    options = _options()[0]
    x = speech[: speech.shape[0] // 2 + 77]
    probabilities = vad.speech_probabilities(x)
    assert probabilities.shape == (x.shape[0] // vad.WINDOW + 1,)
    assert vad.speech_timestamps(x, options, probabilities=probabilities) == (
        vad.speech_timestamps(x, options)
    )
    for wrong in (probabilities[:-1], probabilities[None, :]):
        with pytest.raises(ValueError, match="do not belong"):
            vad.speech_timestamps(x, options, probabilities=wrong)


def test_short_and_silent_audio() -> None:
    options = _options()[0]
    for x in (np.zeros(300, np.float32), np.zeros(16000, np.float32)):
        assert vad.speech_timestamps(x, options) == get_speech_timestamps(x, options) == []


def test_block_helpers_match_whole_array_operations(speech: np.ndarray) -> None:
    n = BLOCK * 2 + 77
    looped = np.resize(speech, 2 * n)
    stereo = np.stack([looped[:n], looped[n:] * np.float32(0.5)])
    assert np.array_equal(downmix(stereo), stereo.mean(axis=0))
    assert downmix(stereo[:1]) is not None and np.shares_memory(downmix(stereo[:1]), stereo)
    silent = np.zeros((2, n), np.float32)
    assert not has_signal(silent)
    silent[1, -1] = 1e-6
    assert has_signal(silent)
    assert all_finite(stereo)
    broken = stereo.copy()
    broken[0, BLOCK + 5] = np.nan
    assert not all_finite(broken)
