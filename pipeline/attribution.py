"""Joining what was said (ASR words) with who said it (diarization turns) into utterances.

Whisper segments often span a change of speaker, so attribution works at word level: each word goes to
the turn it overlaps most (or the nearest turn when it falls in a gap), and an utterance is a maximal run of
one speaker's words inside one ASR segment that no other speaker's turn interrupts. Whisper sometimes skips a
quiet party's turn inside a window ("A ... A" with B's words missing); those two runs of A stay two utterances,
and the turn that speech recovery transcribes again lands between them. Utterances come out in time order, and
their ids (``seg-0001``...) follow it: they are what flags cite.

A segment transcribed from one channel (``Segment.channel``) only looks at that channel's turns. A word
heard on a channel while only another channel is active is crosstalk — the other side's voice leaking
into this microphone — and is dropped, since the other channel's own transcript carries it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate, islice

from detectors.types import Segment, SpeakerTurn, Utterance, Word


@dataclass(frozen=True, slots=True)
class AttributedUtterance:
    """An utterance before roles are known, keeping its words for the document."""

    utterance: Utterance
    words: tuple[Word, ...]


def attribute(
    segments: Sequence[Segment], turns: Sequence[SpeakerTurn]
) -> list[AttributedUtterance]:
    """Split ASR segments at speaker changes and label each piece with its diarized speaker."""
    ordered = sorted(turns, key=lambda t: t.start)
    everyone = _TurnIndex(ordered)
    by_channel: dict[int | None, list[SpeakerTurn]] = {}
    for t in ordered:
        by_channel.setdefault(t.channel, []).append(t)
    own_index = {c: _TurnIndex(ts) for c, ts in by_channel.items()}
    others_index: dict[int, _TurnIndex] = {}
    out: list[AttributedUtterance] = []
    for seg in segments:
        own, others = everyone, None
        if seg.channel is not None:
            own = own_index.get(seg.channel) or _TurnIndex([])
            if seg.channel not in others_index:
                others_index[seg.channel] = _TurnIndex(
                    [t for t in ordered if t.channel != seg.channel]
                )
            others = others_index[seg.channel]
        words = seg.words or (Word(seg.start, seg.end, seg.text, seg.confidence),)
        run: list[Word] = []
        run_speaker: SpeakerTurn | None = None
        for word in words:
            # crosstalk: heard on this channel while only another channel was speaking
            if (
                others is not None
                and not own.overlaps(word.start, word.end)
                and others.overlaps(word.start, word.end)
            ):
                continue
            turn = (own if own.turns else everyone).best(word.start, word.end)
            if (
                run
                and turn is not None
                and run_speaker is not None
                and (
                    turn.speaker != run_speaker.speaker
                    or everyone.overlaps(run[-1].end, word.start, besides=run_speaker.speaker)
                )
            ):
                out.append(_make(len(out), run, run_speaker, seg))
                run = []
            if turn is not None:
                run_speaker = turn
            run.append(word)
        if run:
            out.append(_make(len(out), run, run_speaker, seg))
    return in_time_order(out)


def in_time_order(utterances: Sequence[AttributedUtterance]) -> list[AttributedUtterance]:
    """The utterances with text, sorted by start (ties keep their order), numbered in that order.

    Segments are attributed one after another, and a recovered segment comes after the window it was
    missing from; a transcript, and the ids flags cite, must read in time order.
    """
    kept = sorted((a for a in utterances if a.utterance.text), key=lambda a: a.utterance.start)
    return [
        AttributedUtterance(replace(a.utterance, id=f"seg-{i + 1:04d}"), a.words)
        for i, a in enumerate(kept)
    ]


class _TurnIndex:
    """Turns sorted by start, with what finds a word's turn by bisection instead of a scan.

    Why: scanning every earlier turn for every word made attribution grow with words x turns
    (quadratic in the recording's length: 4.3 s on a 3-hour file). The answers are the scan's, to
    the bit: the same overlaps computed the same way, compared in the same order, ties to the
    earliest turn (``tests/pipeline/test_attribution.py`` compares both on random turns).
    """

    def __init__(self, turns: Sequence[SpeakerTurn]) -> None:
        self.turns = list(turns)  # sorted by start
        self.starts = [t.start for t in self.turns]
        # reach[i]: the latest end among turns[: i + 1]; no turn before the first reach > x
        # extends past x
        self.reach = list(accumulate((t.end for t in self.turns), max))
        self.by_end = sorted(range(len(self.turns)), key=lambda i: self.turns[i].end)
        self.ends = [self.turns[i].end for i in self.by_end]

    def overlaps(self, start: float, end: float, *, besides: str | None = None) -> bool:
        """Whether some turn (of a speaker other than ``besides``, when given) overlaps
        ``[start, end]`` by more than nothing."""
        for t in islice(self.turns, bisect_right(self.reach, start), None):
            if t.start > end:
                break
            if t.speaker != besides and min(end, t.end) - max(start, t.start) > 0.0:
                return True
        return False

    def best(self, start: float, end: float) -> SpeakerTurn | None:
        """The turn that overlaps ``[start, end]`` most (the first of equals), else the turn with
        a boundary nearest the middle."""
        if not self.turns:
            return None
        best: SpeakerTurn | None = None
        best_overlap = 0.0
        # turns before the first whose reach passes ``start`` end by ``start``: no overlap
        for t in islice(self.turns, bisect_right(self.reach, start), None):
            if t.start > end:
                break
            overlap = min(end, t.end) - max(start, t.start)
            if overlap > best_overlap:
                best, best_overlap = t, overlap
        if best is not None:
            return best
        return self.turns[self._nearest((start + end) / 2)]

    def _nearest(self, mid: float) -> int:
        """Index of the first turn by start whose start or end is nearest ``mid``.

        A boundary's distance ``abs(mid - x)`` never decreases as ``x`` moves away from ``mid`` in
        sorted order (rounding is monotonic), so the nearest boundaries, and all those as near, lie
        next to where ``mid`` would be inserted.
        """
        near: list[tuple[float, int]] = []  # (distance, turn index) of every boundary as near
        for values, index in ((self.starts, None), (self.ends, self.by_end)):
            p = bisect_left(values, mid)
            for q, step in ((p - 1, -1), (p, 1)):
                first = None
                while 0 <= q < len(values):
                    d = abs(mid - values[q])
                    if first is not None and d != first:
                        break
                    first = d
                    near.append((d, q if index is None else index[q]))
                    q += step
        closest = min(d for d, _ in near)
        return min(i for d, i in near if d == closest)


def _make(
    index: int, words: list[Word], turn: SpeakerTurn | None, seg: Segment
) -> AttributedUtterance:
    text = "".join(w.text for w in words).strip()
    conf = sum(w.probability for w in words) / len(words) if words else seg.confidence
    utt = Utterance(
        id=f"seg-{index + 1:04d}",
        start=words[0].start,
        end=max(words[-1].end, words[0].start),
        speaker=turn.speaker if turn is not None else "spk0",
        role=None,
        text=text,
        asr_confidence=float(min(1.0, max(0.0, conf))),
        role_confidence=1.0,
        channel=turn.channel if turn is not None else seg.channel,
    )
    return AttributedUtterance(utt, tuple(words))
