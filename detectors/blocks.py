"""Whole-recording array operations done block by block, so a long file costs no extra copies.

Why: ``audio.mean(axis=0)``, ``np.abs(audio).max()`` or ``np.isfinite(audio).all()`` on a
three-hour recording each allocate a temporary as large as the audio (690 MB per float32 channel
at 16 kHz). The results here are the same element for element (a mean over channels is computed
per sample, so cutting the time axis into blocks changes nothing), with temporaries of one block.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BLOCK", "all_finite", "downmix", "has_signal"]

BLOCK = 1 << 20  # samples per block: 65 s at 16 kHz, 4 MB of float32


def downmix(audio: np.ndarray) -> np.ndarray:
    """The mean of the channels of ``(channels, n)`` audio as mono float32 (a view for one channel)."""
    if audio.ndim == 1:
        return audio
    if audio.shape[0] == 1:
        row: np.ndarray = audio[0]
        return row
    out = np.empty(audio.shape[1], dtype=np.float32)
    for start in range(0, audio.shape[1], BLOCK):
        out[start : start + BLOCK] = audio[:, start : start + BLOCK].mean(axis=0)
    return out


def has_signal(audio: np.ndarray) -> bool:
    """True when any sample is not zero (digital silence is skipped without analysis)."""
    flat = audio.reshape(-1) if audio.flags.c_contiguous else audio.ravel()
    return any(bool(np.any(flat[s : s + BLOCK])) for s in range(0, flat.shape[0], BLOCK))


def all_finite(audio: np.ndarray) -> bool:
    """True when no sample is NaN or infinite."""
    flat = audio.reshape(-1) if audio.flags.c_contiguous else audio.ravel()
    return all(bool(np.isfinite(flat[s : s + BLOCK]).all()) for s in range(0, flat.shape[0], BLOCK))
