"""No lost speech: decode again, on their own, the speech regions the first ASR pass left without words.

Why: on a body-cam the wearer is near and loud, the party far and 10-20 dB quieter. Whisper decodes
30 s windows; inside a window dominated by the loud voice it often skips the quiet one entirely, and
the party's turns vanish with no trace. Diarization still hears them (it looks at every frame, not at
what a language model found likely), so its turns are the list of places where speech must be.

For each diarized turn long enough to hold words and with too few words whose middle falls inside it,
the turn's audio (padded a little) is normalised to a fixed level and decoded alone; its words are
added on the original timeline. Turns that still get no words are reported so that the document says
that speech went untranscribed, instead of silently presenting a partial transcript as complete.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any

import numpy as np
from pydantic import ConfigDict, Field

from detectors.options import SectionOptions
from detectors.types import Segment, SpeakerTurn, Word

logger = logging.getLogger("vigil.pipeline")


class RecoveryOptions(SectionOptions):
    """The ``analysis.recovery`` config section.

    Attributes:
        enabled: run the re-decode step at all.
        min_region_s: turns shorter than this are not checked (a cough, a "嗯").
        min_chars_per_s: a turn with fewer recognised characters per second than this is re-decoded
            (Mandarin speech runs at 3-5 characters per second).
        pad_s: audio kept on each side of the turn, so the first and last syllables are whole.
        level_dbfs: the clip's RMS is normalised to this level before decoding (a far voice at -45
            dBFS decodes as well as a near one).
        max_regions: upper bound of re-decoded turns per recording (bounds the cost on long files).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "analysis.recovery"

    enabled: bool
    min_region_s: float = Field(ge=0.1, le=30)
    min_chars_per_s: float = Field(ge=0, le=10)
    pad_s: float = Field(ge=0, le=2)
    level_dbfs: float = Field(ge=-60, le=-3)
    max_regions: int = Field(ge=0, le=10000)


@dataclass(slots=True)
class Recovery:
    """What the step added and what it could not recover."""

    segments: list[Segment] = field(default_factory=list)
    redecoded: list[tuple[float, float]] = field(default_factory=list)
    unrecovered: list[tuple[float, float]] = field(default_factory=list)

    def warnings(self) -> list[str]:
        if not self.unrecovered:
            return []
        seconds = sum(e - s for s, e in self.unrecovered)
        spans = ", ".join(f"{s:.1f}-{e:.1f} s" for s, e in self.unrecovered[:5])
        more = f" and {len(self.unrecovered) - 5} more" if len(self.unrecovered) > 5 else ""
        return [
            f"speech without words: {len(self.unrecovered)} speech region(s), {seconds:.1f} s "
            f"({spans}{more}) have no transcribed words even after decoding them again"
        ]


def _chars(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


class WordChars:
    """Recognised characters of words whose middle falls inside a span, counted by bisection.

    Why: counting by a scan of every word for every diarized turn grew with words x turns
    (quadratic in the recording's length). Words are sorted by their middle once, with running sums
    of their characters; a turn's count is the same integer the scan gives
    (``tests/pipeline/test_recovery.py`` compares both).
    """

    def __init__(self, words: Sequence[Word]) -> None:
        pairs = sorted(((w.start + w.end) / 2, _chars(w.text)) for w in words)
        self.mids = [m for m, _ in pairs]
        self.running = [0, *accumulate(c for _, c in pairs)]

    def within(self, turn: SpeakerTurn) -> int:
        """Characters of the words with ``turn.start <= middle < turn.end``."""
        first = bisect_left(self.mids, turn.start)
        last = bisect_left(self.mids, turn.end)
        return max(0, self.running[last] - self.running[first])


def recover_speech(
    asr: Any,
    mono: np.ndarray,
    sample_rate: int,
    segments: Sequence[Segment],
    turns: Sequence[SpeakerTurn],
    options: RecoveryOptions,
) -> Recovery:
    """Re-decode the under-transcribed turns of ``mono`` with ``asr`` (an ``AsrDetector``)."""
    out = Recovery()
    if not options.enabled or mono.size == 0:
        return out
    words = WordChars([w for s in segments for w in s.words])
    next_id = max((s.id for s in segments), default=-1) + 1
    duration = mono.shape[0] / sample_rate
    for turn in turns:
        length = turn.end - turn.start
        if length < options.min_region_s:
            continue
        if words.within(turn) >= options.min_chars_per_s * length:
            continue
        if len(out.redecoded) >= options.max_regions:
            out.unrecovered.append((turn.start, turn.end))
            continue
        start = max(0.0, turn.start - options.pad_s)
        end = min(duration, turn.end + options.pad_s)
        clip = np.ascontiguousarray(mono[int(start * sample_rate) : int(end * sample_rate)])
        rms = float(np.sqrt(np.mean(np.square(clip, dtype=np.float64)))) if clip.size else 0.0
        if rms <= 0.0:
            out.unrecovered.append((turn.start, turn.end))
            continue
        gain = 10 ** (options.level_dbfs / 20) / rms
        clip = np.clip(clip * gain, -1.0, 1.0).astype(np.float32)
        seg_iter, _ = asr.transcribe(clip, sample_rate=sample_rate)
        found = 0
        for seg in seg_iter:
            kept = tuple(
                replace(w, start=w.start + start, end=w.end + start)
                for w in seg.words
                if turn.start <= start + (w.start + w.end) / 2 < turn.end
            )
            if not kept or not any(_chars(w.text) for w in kept):
                continue
            found += sum(_chars(w.text) for w in kept)
            out.segments.append(
                replace(
                    seg,
                    id=next_id,
                    start=kept[0].start,
                    end=kept[-1].end,
                    text="".join(w.text for w in kept),
                    words=kept,
                )
            )
            next_id += 1
        out.redecoded.append((turn.start, turn.end))
        if not found:
            out.unrecovered.append((turn.start, turn.end))
    logger.info(
        "speech recovery: %d turn(s) decoded again, %d segment(s) added, %d still without words",
        len(out.redecoded),
        len(out.segments),
        len(out.unrecovered),
    )
    return out


def word_coverage(turns: Sequence[SpeakerTurn], segments: Sequence[Segment]) -> float:
    """Share of diarized (or reference) speech time that lies inside some recognised word: the
    "speech covered by words" figure the benchmark reports."""
    spans = sorted((w.start, w.end) for s in segments for w in s.words if w.end > w.start)
    merged: list[list[float]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    total = covered = 0.0
    for t in turns:
        total += t.end - t.start
        for s, e in merged:
            covered += max(0.0, min(e, t.end) - max(s, t.start))
    return covered / total if total > 0 else 1.0
