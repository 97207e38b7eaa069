"""Channel diarization: each speaker has a microphone of their own (counter array, stereo phone line).

Per-channel short-time energy decides who speaks when. A voice also leaks into the other microphones
(crosstalk), but always quieter than at its own, so a channel is active only when it is above an
absolute level AND above its own noise floor AND louder than every other channel by a margin.
Hysteresis keeps a turn alive through syllable dips; min gap / min turn clean up the rest.
No model, no torch: this backend costs a few milliseconds per minute of audio.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from ..types import SpeakerTurn
from .base import (
    ChannelOptions,
    Diarization,
    Diarizer,
    turns_from_mask,
)

logger = logging.getLogger("vigil.detectors")

_EPS = 1e-10
_BLOCK_S = 60.0  # seconds of audio squared at a time (bounds memory, not a tunable)


class ChannelDiarizer(Diarizer):
    """Speaker ``ch<i>`` is whoever talks into channel ``i``; the role map belongs to the roles stage."""

    name = "channel"

    def __init__(self, options: ChannelOptions) -> None:
        self.options = options

    def levels_db(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """Short-time RMS level per channel and hop, shape ``(channels, hops)``, in dBFS.

        Energy is summed per hop in blocks (a two-hour file never gets a frame-by-sample copy), then
        each frame is the centred mean of ``round(frame_s / hop_s)`` hops, smoothed over ``smooth_s``.
        """
        o = self.options
        hop = max(1, round(o.hop_s * sample_rate))
        channels, n = audio.shape
        n_hops = n // hop
        if n_hops == 0:
            return np.zeros((channels, 0), dtype=np.float64)
        energy = np.empty((channels, n_hops))
        block = max(1, round(_BLOCK_S / o.hop_s))
        for b0 in range(0, n_hops, block):
            b1 = min(n_hops, b0 + block)
            chunk = audio[:, b0 * hop : b1 * hop].astype(np.float64).reshape(channels, b1 - b0, hop)
            energy[:, b0:b1] = np.mean(chunk * chunk, axis=2)
        for length in (max(1, round(o.frame_s / o.hop_s)), max(1, round(o.smooth_s / o.hop_s))):
            if length > 1:
                kernel = np.ones(length) / length
                energy = np.stack([np.convolve(e, kernel, mode="same") for e in energy])
        return 10.0 * np.log10(energy + _EPS)

    def _diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        num_speakers: int | None,
        speech: np.ndarray | None,
        cores_free: threading.Event | None,
    ) -> Diarization:
        """``num_speakers`` is accepted for the common interface; channels fix the speakers here."""
        o = self.options
        levels = self.levels_db(audio, sample_rate)
        channels, n_frames = levels.shape
        info: dict[str, object] = {
            "channels": channels,
            "hop_s": o.hop_s,
            "warnings": [],
        }
        if n_frames == 0:
            return Diarization.from_turns((), self.name, info)

        floors = np.percentile(levels, o.noise_floor_percentile, axis=1)
        thresholds = np.maximum(o.abs_threshold_db, floors + o.noise_margin_db)
        if channels > 1:
            others = np.stack(
                [np.max(np.delete(levels, c, axis=0), axis=0) for c in range(channels)]
            )
        else:
            others = np.full_like(levels, -np.inf)
        # How far each channel is past both conditions; > 0 means "clearly this channel's speaker".
        score = np.minimum(levels - thresholds[:, None], levels - others - o.dominance_margin_db)
        active = _hysteresis(score, o.hysteresis_db)

        turns: list[SpeakerTurn] = []
        duration = audio.shape[1] / sample_rate
        for c in range(channels):
            for start, end in turns_from_mask(
                active[c], o.hop_s, min_gap_s=o.min_gap_s, min_turn_s=o.min_turn_s
            ):
                end = min(end, duration)
                a, b = round(start / o.hop_s), max(round(end / o.hop_s), round(start / o.hop_s) + 1)
                # Confidence: the share of the turn's frames where the channel clearly dominated.
                confidence = float(np.mean(score[c, a:b] > 0))
                turns.append(SpeakerTurn(start, end, f"ch{c}", c, round(confidence, 3)))
        info["noise_floor_db"] = [round(float(f), 1) for f in floors]
        info["threshold_db"] = [round(float(t), 1) for t in thresholds]
        result = Diarization.from_turns(turns, self.name, info)
        logger.debug("channel diarization: %d turns on %d channels", len(turns), channels)
        return result


def _hysteresis(score: np.ndarray, hysteresis_db: float) -> np.ndarray:
    """On when ``score > 0``, off only when ``score < -hysteresis_db`` (per channel, in time).

    Vectorised: a frame is active when it lies in a run of ``score >= -hysteresis_db`` frames and
    some frame of that run at or before it had ``score > 0``.
    """
    on = score > 0
    keep = score >= -hysteresis_db
    idx = np.arange(score.shape[1])
    last_on = np.maximum.accumulate(np.where(on, idx, -1), axis=1)
    last_break = np.maximum.accumulate(np.where(keep, -1, idx), axis=1)
    return keep & (last_on > last_break)
