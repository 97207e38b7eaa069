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
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any

import numpy as np
from pydantic import ConfigDict, Field

from detectors.options import SectionOptions
from detectors.types import Segment, SpeakerTurn, Word

logger = logging.getLogger("vigil.pipeline")

# silence between packed clips: longer than the ASR's VAD padding on both sides plus its minimum
# silence (configs/default.yaml asr: 2 x 0.4 + 0.5 s), so no speech piece spans two clips
PACK_GAP_S = 2.0


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
        pack: decode all the turns' clips in one transcription, joined with silence between them,
            so that several share one 30 s Whisper window (issue 15); false: each clip alone.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "analysis.recovery"

    enabled: bool
    min_region_s: float = Field(ge=0.1, le=30)
    min_chars_per_s: float = Field(ge=0, le=10)
    pad_s: float = Field(ge=0, le=2)
    level_dbfs: float = Field(ge=-60, le=-3)
    max_regions: int = Field(ge=0, le=10000)
    pack: bool


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
    duration = mono.shape[0] / sample_rate
    clips: list[tuple[SpeakerTurn, float, np.ndarray]] = []
    # turns left without words, in turn order: None marks where a decoded clip's turn goes
    left: list[tuple[float, float] | None] = []
    for turn in turns:
        length = turn.end - turn.start
        if length < options.min_region_s:
            continue
        if words.within(turn) >= options.min_chars_per_s * length:
            continue
        if len(out.redecoded) >= options.max_regions:
            left.append((turn.start, turn.end))
            continue
        start = max(0.0, turn.start - options.pad_s)
        end = min(duration, turn.end + options.pad_s)
        clip = np.ascontiguousarray(mono[int(start * sample_rate) : int(end * sample_rate)])
        rms = float(np.sqrt(np.mean(np.square(clip, dtype=np.float64)))) if clip.size else 0.0
        if rms <= 0.0:
            left.append((turn.start, turn.end))
            continue
        gain = 10 ** (options.level_dbfs / 20) / rms
        clips.append((turn, start, np.clip(clip * gain, -1.0, 1.0).astype(np.float32)))
        out.redecoded.append((turn.start, turn.end))
        left.append(None)
    decoded = (
        _decode_packed(asr, [c for _, _, c in clips], sample_rate)
        if options.pack
        else [list(asr.transcribe(c, sample_rate=sample_rate)[0]) for _, _, c in clips]
    )
    next_id = max((s.id for s in segments), default=-1) + 1
    heard: list[bool] = []
    for (turn, start, _), segs in zip(clips, decoded, strict=True):
        heard.append(False)
        for seg in segs:
            kept = tuple(
                replace(w, start=w.start + start, end=w.end + start)
                for w in seg.words
                if turn.start <= start + (w.start + w.end) / 2 < turn.end
            )
            if not kept or not any(_chars(w.text) for w in kept):
                continue
            heard[-1] = True
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
    decoded_heard = iter(zip(out.redecoded, heard, strict=True))
    for span in left:
        if span is not None:
            out.unrecovered.append(span)
        elif not (pair := next(decoded_heard))[1]:
            out.unrecovered.append(pair[0])
    logger.info(
        "speech recovery: %d turn(s) decoded again%s, %d segment(s) added, %d still without words",
        len(out.redecoded),
        f" in one pass ({len(clips)} clips)" if options.pack and clips else "",
        len(out.segments),
        len(out.unrecovered),
    )
    return out


def _decode_packed(asr: Any, clips: list[np.ndarray], sample_rate: int) -> list[list[Segment]]:
    """Each clip's segments (times on the clip's own timeline) from ONE transcription of all the
    clips joined with :data:`PACK_GAP_S` of silence between them.

    Why: decoded one by one, every clip costs a whole Whisper window (the encoder reads 30 s
    whatever the clip's length; ~1.25 s CPU for a 3 s clip); joined, the ASR's own VAD cuts them
    apart again (the gap is longer than its padding and minimum silence) and packs them into
    shared 30 s windows, decoded in batches. A segment whose words come from two clips (Whisper
    may write one across the gap) is split between them."""
    if not clips:
        return []
    gap = np.zeros(int(PACK_GAP_S * sample_rate), dtype=np.float32)
    offsets = [0]
    for clip in clips[:-1]:
        offsets.append(offsets[-1] + clip.shape[0] + gap.shape[0])
    joined = np.concatenate([x for clip in clips for x in (clip, gap)][:-1])
    starts = [o / sample_rate for o in offsets]
    out: list[list[Segment]] = [[] for _ in clips]
    for seg in asr.transcribe(joined, sample_rate=sample_rate)[0]:
        by_clip: dict[int, list[Word]] = {}
        for w in seg.words:
            k = max(0, bisect_right(starts, (w.start + w.end) / 2) - 1)
            by_clip.setdefault(k, []).append(
                replace(w, start=w.start - starts[k], end=w.end - starts[k])
            )
        for k, ws in by_clip.items():
            out[k].append(
                replace(
                    seg,
                    start=ws[0].start,
                    end=ws[-1].end,
                    text="".join(w.text for w in ws),
                    words=tuple(ws),
                )
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
