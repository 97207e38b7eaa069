"""Silero VAD over a long recording in flat memory, with faster-whisper's exact results.

Why not call :func:`faster_whisper.vad.get_speech_timestamps` directly: it pads a copy of the whole
recording and builds a second, context-prefixed copy before the first ONNX call, so on a three-hour
file one VAD pass holds about two extra copies of the audio (1.5 GB at 16 kHz float32), and ASR and
diarization each run one, and ONNX Runtime's working memory for one batch of 10,000 windows is about
100 MB more. Here the speech probabilities are computed in blocks of 1,000 windows (32 s): the model
runs the windows of a batch in sequence, so carrying the recurrent state and the 64-sample context
from block to block, as faster-whisper carries them between its batches, gives the same
probabilities, and with them the same timestamps, to the bit (``tests/detectors/test_vad.py``
compares the two on real speech).

The decision rules that turn probabilities into speech pieces (thresholds, minimum silence, maximum
piece length, padding) are faster-whisper 1.2.1's ``get_speech_timestamps`` (MIT licence, adapted
from silero-vad), kept line for line apart from taking the probabilities instead of the audio.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "SAMPLE_RATE",
    "WINDOW",
    "check_probabilities",
    "speech_probabilities",
    "speech_timestamps",
    "timestamps_from_probabilities",
]

SAMPLE_RATE = 16000  # the only rate Silero runs at here (the pipeline's audio rate)
WINDOW = 512  # samples per Silero VAD decision at 16 kHz, fixed by the model
_CONTEXT = 64  # samples of the previous window the model sees, fixed by the model
_BATCH = 1_000  # windows per ONNX call (faster-whisper: 10,000; the results are the same)


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Silero's speech probability for every 512-sample window of 16 kHz mono ``audio``.

    Only one block of windows (32 s of audio, 2.3 MB of model input) is materialised at a time;
    the last window is zero-padded as faster-whisper pads it.
    """
    from faster_whisper.vad import get_vad_model

    session = get_vad_model().session
    n = int(audio.shape[0])
    n_windows = n // WINDOW + 1  # faster-whisper always pads, even a whole number of windows
    h = np.zeros((1, 1, 128), dtype=np.float32)
    c = np.zeros((1, 1, 128), dtype=np.float32)
    previous = np.zeros(_CONTEXT, dtype=np.float32)  # the first window's context is silence
    outputs: list[np.ndarray] = []
    step = _BATCH * WINDOW
    for start in range(0, n_windows * WINDOW, step):
        block = np.zeros(min(step, n_windows * WINDOW - start), dtype=np.float32)
        piece = audio[start : start + block.shape[0]]
        block[: piece.shape[0]] = piece
        windows = block.reshape(-1, WINDOW)
        context = np.empty((windows.shape[0], _CONTEXT), dtype=np.float32)
        context[0] = previous
        context[1:] = windows[:-1, -_CONTEXT:]
        previous = windows[-1, -_CONTEXT:].copy()
        if start + step >= n_windows * WINDOW:
            # faster-whisper zeroes the last window's final 64 samples through a view (its
            # ``context[-1] = 0``); they are padding unless the audio ends within them
            windows[-1, -_CONTEXT:] = 0.0
        batch = np.concatenate([context, windows], axis=1)
        out, h, c = session.run(None, {"input": batch, "h": h, "c": c})
        outputs.append(np.asarray(out, dtype=np.float32).reshape(-1))
    return np.concatenate(outputs) if outputs else np.zeros(0, dtype=np.float32)


def check_probabilities(probabilities: np.ndarray, num_samples: int) -> np.ndarray:
    """``probabilities`` as 1-D float32 once checked to be Silero's windows of ``num_samples`` of audio.

    Why: ASR and diarization share one VAD pass over the same 16 kHz mono audio (the pipeline runs
    it once, not once per detector); probabilities of other audio would silently move every speech
    boundary, so a length that does not match is an error, not a guess.
    """
    probs = np.asarray(probabilities)
    expected = num_samples // WINDOW + 1
    if probs.ndim != 1 or probs.shape[0] != expected:
        raise ValueError(
            f"speech probabilities of shape {probs.shape} do not belong to {num_samples} samples"
            f" of 16 kHz audio ({expected} Silero windows)"
        )
    checked: np.ndarray = probs.astype(np.float32, copy=False)
    return checked


def speech_timestamps(
    audio: np.ndarray,
    options: Any,
    sampling_rate: int = 16000,
    probabilities: np.ndarray | None = None,
) -> list[dict[str, int]]:
    """Speech pieces ``{"start", "end"}`` in samples, as faster-whisper's function returns them.

    ``options`` is a :class:`faster_whisper.vad.VadOptions`. ``probabilities``: this audio's Silero
    probabilities when already computed (:func:`speech_probabilities`); checked, not recomputed.
    """
    n = int(audio.shape[0])
    probs = (
        speech_probabilities(audio)
        if probabilities is None
        else check_probabilities(probabilities, n)
    )
    return timestamps_from_probabilities(probs, n, options, sampling_rate)


def timestamps_from_probabilities(  # noqa: C901, PLR0912 - faster-whisper's rules, kept as written
    speech_probs: np.ndarray, audio_length_samples: int, options: Any, sampling_rate: int = 16000
) -> list[dict[str, int]]:
    """faster-whisper 1.2.1's decision rules over precomputed window probabilities."""
    threshold = options.threshold
    neg_threshold = options.neg_threshold
    min_speech_samples = sampling_rate * options.min_speech_duration_ms / 1000
    speech_pad_samples = sampling_rate * options.speech_pad_ms / 1000
    max_speech_samples = (
        sampling_rate * options.max_speech_duration_s - WINDOW - 2 * speech_pad_samples
    )
    min_silence_samples = sampling_rate * options.min_silence_duration_ms / 1000
    min_silence_samples_at_max_speech = sampling_rate * 98 / 1000

    triggered = False
    speeches: list[dict[str, Any]] = []
    current_speech: dict[str, Any] = {}
    if neg_threshold is None:
        neg_threshold = max(threshold - 0.15, 0.01)
    # NumPy 2 compares a float32 probability with a Python float in float32: so do these
    threshold = float(np.float32(threshold))
    neg_threshold = float(np.float32(neg_threshold))
    temp_end = 0
    prev_end = next_start = 0

    for i, speech_prob in enumerate(speech_probs.tolist()):
        if (speech_prob >= threshold) and temp_end:
            temp_end = 0
            if next_start < prev_end:
                next_start = WINDOW * i

        if (speech_prob >= threshold) and not triggered:
            triggered = True
            current_speech["start"] = WINDOW * i
            continue

        if triggered and (WINDOW * i) - current_speech["start"] > max_speech_samples:
            if prev_end:
                current_speech["end"] = prev_end
                speeches.append(current_speech)
                current_speech = {}
                if next_start < prev_end:
                    triggered = False
                else:
                    current_speech["start"] = next_start
                prev_end = next_start = temp_end = 0
            else:
                current_speech["end"] = WINDOW * i
                speeches.append(current_speech)
                current_speech = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue

        if (speech_prob < neg_threshold) and triggered:
            if not temp_end:
                temp_end = WINDOW * i
            if (WINDOW * i) - temp_end > min_silence_samples_at_max_speech:
                prev_end = temp_end
            if (WINDOW * i) - temp_end < min_silence_samples:
                continue
            current_speech["end"] = temp_end
            if (current_speech["end"] - current_speech["start"]) > min_speech_samples:
                speeches.append(current_speech)
            current_speech = {}
            prev_end = next_start = temp_end = 0
            triggered = False
            continue

    if current_speech and (audio_length_samples - current_speech["start"]) > min_speech_samples:
        current_speech["end"] = audio_length_samples
        speeches.append(current_speech)

    for i, speech in enumerate(speeches):
        if i == 0:
            speech["start"] = int(max(0, speech["start"] - speech_pad_samples))
        if i != len(speeches) - 1:
            silence_duration = speeches[i + 1]["start"] - speech["end"]
            if silence_duration < 2 * speech_pad_samples:
                speech["end"] += int(silence_duration // 2)
                speeches[i + 1]["start"] = int(
                    max(0, speeches[i + 1]["start"] - silence_duration // 2)
                )
            else:
                speech["end"] = int(min(audio_length_samples, speech["end"] + speech_pad_samples))
                speeches[i + 1]["start"] = int(
                    max(0, speeches[i + 1]["start"] - speech_pad_samples)
                )
        else:
            speech["end"] = int(min(audio_length_samples, speech["end"] + speech_pad_samples))

    return speeches
