"""Whole-recording array operations done block by block, so a long file costs no extra copies.

Why: ``audio.mean(axis=0)``, ``np.abs(audio).max()`` or ``np.isfinite(audio).all()`` on a
three-hour recording each allocate a temporary as large as the audio (690 MB per float32 channel
at 16 kHz). The results here are the same element for element (a mean over channels is computed
per sample, so cutting the time axis into blocks changes nothing), with temporaries of one block.
"""

from __future__ import annotations

import mmap
import weakref

import numpy as np

__all__ = ["BLOCK", "all_finite", "downmix", "has_signal", "register_releasable", "release_mapped"]

# Read-only shared file mappings whose pages may be dropped (a spooled recording, see
# pipeline.media): only these, since MADV_DONTNEED on private or anonymous memory discards data.
_RELEASABLE: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()


def register_releasable(spool: mmap.mmap) -> None:
    """Mark a read-only ``MAP_SHARED`` file mapping as safe for :func:`release_mapped`."""
    _RELEASABLE.add(spool)


def release_mapped(audio: np.ndarray) -> None:
    """Drop the pages of the spooled recording ``audio`` is a view of from this process.

    Why: a fast block-wise pass (a finite check, a sum) reads a whole three-hour file in well under
    a second, and every page it reads stays in the process's resident set; releasing after each
    block keeps only the current block resident. The data stays in the page cache and on disk.
    Arrays in RAM, and mappings not registered, are left alone.
    """
    base: object = audio
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    if isinstance(base, mmap.mmap) and base in _RELEASABLE and not base.closed:
        base.madvise(mmap.MADV_DONTNEED)


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
        release_mapped(audio)
    return out


def has_signal(audio: np.ndarray) -> bool:
    """True when any sample is not zero (digital silence is skipped without analysis)."""
    for start in range(0, audio.shape[-1], BLOCK):
        block = audio[..., start : start + BLOCK]
        found = bool(np.any(block))
        release_mapped(audio)
        if found:
            return True
    return False


def all_finite(audio: np.ndarray) -> bool:
    """True when no sample is NaN or infinite."""
    for start in range(0, audio.shape[-1], BLOCK):
        finite = bool(np.isfinite(audio[..., start : start + BLOCK]).all())
        release_mapped(audio)
        if not finite:
            return False
    return True
