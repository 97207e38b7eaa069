"""Joining what was said (ASR words) with who said it (diarization turns) into utterances.

Whisper segments often span a change of speaker, so attribution works at word level: each word goes to
the turn it overlaps most (or the nearest turn when it falls in a gap), and an utterance is a maximal run of
one speaker's words inside one ASR segment. Utterance ids (``seg-0001``...) are what flags cite.

A segment transcribed from one channel (``Segment.channel``) only looks at that channel's turns. A word
heard on a channel while only another channel is active is crosstalk — the other side's voice leaking
into this microphone — and is dropped, since the other channel's own transcript carries it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    by_channel: dict[int | None, list[SpeakerTurn]] = {}
    for t in ordered:
        by_channel.setdefault(t.channel, []).append(t)
    out: list[AttributedUtterance] = []
    for seg in segments:
        own = by_channel.get(seg.channel, []) if seg.channel is not None else ordered
        others = [t for t in ordered if t.channel != seg.channel] if seg.channel is not None else []
        words = seg.words or (Word(seg.start, seg.end, seg.text, seg.confidence),)
        run: list[Word] = []
        run_speaker: SpeakerTurn | None = None
        for word in words:
            if seg.channel is not None and _is_crosstalk(word, own, others):
                continue
            turn = _best_turn(word.start, word.end, own or ordered)
            if (
                run
                and turn is not None
                and run_speaker is not None
                and (turn.speaker != run_speaker.speaker)
            ):
                out.append(_make(len(out), run, run_speaker, seg))
                run = []
            if turn is not None:
                run_speaker = turn
            run.append(word)
        if run:
            out.append(_make(len(out), run, run_speaker, seg))
    return [a for a in out if a.utterance.text]


def _overlap(start: float, end: float, turns: Sequence[SpeakerTurn]) -> float:
    return sum(max(0.0, min(end, t.end) - max(start, t.start)) for t in turns)


def _is_crosstalk(word: Word, own: Sequence[SpeakerTurn], others: Sequence[SpeakerTurn]) -> bool:
    """Heard on this channel while only another channel was speaking."""
    return (
        _overlap(word.start, word.end, own) == 0.0 and _overlap(word.start, word.end, others) > 0.0
    )


def _best_turn(start: float, end: float, turns: Sequence[SpeakerTurn]) -> SpeakerTurn | None:
    if not turns:
        return None
    best: SpeakerTurn | None = None
    best_overlap = 0.0
    for t in turns:
        if t.start > end:
            break
        overlap = min(end, t.end) - max(start, t.start)
        if overlap > best_overlap:
            best, best_overlap = t, overlap
    if best is not None:
        return best
    mid = (start + end) / 2
    return min(turns, key=lambda t: min(abs(mid - t.start), abs(mid - t.end)))


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
