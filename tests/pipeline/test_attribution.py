"""Word-level attribution of ASR segments to diarization turns."""

from __future__ import annotations

import random

from detectors.types import Segment, SpeakerTurn, Word
from pipeline.attribution import AttributedUtterance, _make, attribute, in_time_order


def _seg(i: int, words: list[tuple[float, float, str]]) -> Segment:
    return Segment(
        id=i,
        start=words[0][0],
        end=words[-1][1],
        text="".join(w[2] for w in words),
        words=tuple(Word(s, e, t, 0.9) for s, e, t in words),
    )


def test_segment_spanning_a_speaker_change_is_split() -> None:
    seg = _seg(
        0, [(0.0, 0.5, "你好"), (0.5, 1.0, "请讲"), (1.2, 1.6, "我的"), (1.6, 2.0, "车丢了")]
    )
    turns = [SpeakerTurn(0.0, 1.1, "A", channel=0), SpeakerTurn(1.1, 2.5, "B", channel=1)]
    out = attribute([seg], turns)
    assert [a.utterance.speaker for a in out] == ["A", "B"]
    assert [a.utterance.text for a in out] == ["你好请讲", "我的车丢了"]
    assert [a.utterance.id for a in out] == ["seg-0001", "seg-0002"]
    assert out[1].utterance.channel == 1
    assert out[0].utterance.start == 0.0 and out[1].utterance.end == 2.0


def test_a_turn_whisper_skipped_splits_the_window_and_its_recovery_lands_in_time() -> None:
    """Whisper heard A, skipped B's quiet turn, heard A again and then B, all in one window; speech
    recovery transcribed B's turn on its own afterwards. A's two runs must not become one utterance
    spanning B's turn, and the recovered turn must sit between them, ids in time order."""
    window = _seg(
        0,
        [(0.1, 2.0, "您好请讲"), (6.0, 8.0, "我们先去现场"), (9.0, 10.0, "好的谢谢")],
    )
    recovered = _seg(1, [(3.0, 5.0, "我的车被偷了")])
    turns = [
        SpeakerTurn(0.0, 2.5, "A"),
        SpeakerTurn(2.8, 5.2, "B"),
        SpeakerTurn(5.8, 8.2, "A"),
        SpeakerTurn(8.8, 10.2, "B"),
    ]
    out = attribute([window, recovered], turns)
    assert [(a.utterance.speaker, a.utterance.text) for a in out] == [
        ("A", "您好请讲"),
        ("B", "我的车被偷了"),
        ("A", "我们先去现场"),
        ("B", "好的谢谢"),
    ]
    assert [a.utterance.id for a in out] == ["seg-0001", "seg-0002", "seg-0003", "seg-0004"]
    # one speaker's pause with nobody else speaking in it stays one utterance
    alone = attribute([_seg(0, [(0.1, 2.0, "您好"), (3.0, 4.0, "请讲")])], [SpeakerTurn(0, 4, "A")])
    assert [a.utterance.text for a in alone] == ["您好请讲"]


def test_word_in_a_gap_goes_to_the_nearest_turn() -> None:
    seg = _seg(0, [(3.0, 3.4, "好的")])
    turns = [SpeakerTurn(0.0, 1.0, "A"), SpeakerTurn(3.5, 5.0, "B")]
    assert attribute([seg], turns)[0].utterance.speaker == "B"


def test_no_turns_and_no_segments() -> None:
    assert attribute([], [SpeakerTurn(0, 1, "A")]) == []
    out = attribute([_seg(0, [(0.0, 1.0, "喂")])], [])
    assert len(out) == 1 and out[0].utterance.speaker == "spk0"


def test_asr_confidence_is_the_mean_word_probability() -> None:
    seg = Segment(
        id=0, start=0, end=1, text="ab", words=(Word(0, 0.5, "a", 0.4), Word(0.5, 1, "b", 0.8))
    )
    out = attribute([seg], [SpeakerTurn(0, 1, "A")])
    assert abs(out[0].utterance.asr_confidence - 0.6) < 1e-9


def test_channel_segments_use_their_own_turns_and_drop_crosstalk() -> None:
    turns = [SpeakerTurn(0.0, 2.0, "ch0", channel=0), SpeakerTurn(2.0, 4.0, "ch1", channel=1)]
    officer = Segment(
        id=0,
        start=0.0,
        end=3.5,
        text="请讲我的车",
        words=(Word(0.2, 1.0, "请讲", 0.9), Word(2.5, 3.5, "我的车", 0.4)),  # 2.5-3.5: leakage
        channel=0,
    )
    caller = Segment(
        id=0, start=2.2, end=3.8, text="我的车", words=(Word(2.2, 3.8, "我的车", 0.9),), channel=1
    )
    out = attribute([officer, caller], turns)
    assert [(a.utterance.speaker, a.utterance.text) for a in out] == [
        ("ch0", "请讲"),
        ("ch1", "我的车"),
    ]
    assert [a.utterance.channel for a in out] == [0, 1]


def test_channel_segment_words_in_silence_keep_their_channel_speaker() -> None:
    turns = [SpeakerTurn(0.0, 1.0, "ch0", channel=0), SpeakerTurn(5.0, 6.0, "ch1", channel=1)]
    seg = Segment(
        id=0, start=2.0, end=2.5, text="喂", words=(Word(2.0, 2.5, "喂", 0.8),), channel=1
    )
    out = attribute([seg], turns)
    assert [a.utterance.speaker for a in out] == ["ch1"]


# --- the scan attribution was before it bisected (kept to compare: the answers must not move) ---


def _reference_overlap(start: float, end: float, turns: list[SpeakerTurn]) -> float:
    return sum(max(0.0, min(end, t.end) - max(start, t.start)) for t in turns)


def _reference_best_turn(start: float, end: float, turns: list[SpeakerTurn]) -> SpeakerTurn | None:
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


def _reference_attribute(
    segments: list[Segment], turns: list[SpeakerTurn]
) -> list[AttributedUtterance]:
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
            if seg.channel is not None and (
                _reference_overlap(word.start, word.end, own) == 0.0
                and _reference_overlap(word.start, word.end, others) > 0.0
            ):
                continue
            turn = _reference_best_turn(word.start, word.end, own or ordered)
            if (
                run
                and turn is not None
                and run_speaker is not None
                and (
                    turn.speaker != run_speaker.speaker
                    or any(
                        t.speaker != run_speaker.speaker
                        and min(word.start, t.end) - max(run[-1].end, t.start) > 0.0
                        for t in ordered
                    )
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


def _random_case(rng: random.Random, channels: bool) -> tuple[list[Segment], list[SpeakerTurn]]:
    """Turns that overlap, nest, touch and repeat boundaries (times on a 0.25 s grid, so ties and
    equal distances happen), and words inside turns, across them, in gaps and beyond every turn."""
    grid = [i * 0.25 for i in range(241)]
    turns = []
    for _ in range(rng.randint(0, 40)):
        a, b = sorted(rng.sample(grid, 2))
        channel = rng.choice([0, 1]) if channels else None
        turns.append(SpeakerTurn(a, b if rng.random() > 0.05 else a, rng.choice("ABC"), channel))
    segments = []
    for i in range(rng.randint(1, 12)):
        words = []
        for _ in range(rng.randint(1, 8)):
            a = rng.choice(grid + [rng.uniform(0, 62)])
            words.append(Word(a, a + rng.choice([0.0, 0.125, 0.25, 0.5, 3.0]), "字", 0.9))
        words.sort(key=lambda w: w.start)
        channel = rng.choice([0, 1]) if channels else None
        segments.append(
            Segment(
                i, words[0].start, words[-1].end, "字" * len(words), tuple(words), channel=channel
            )
        )
    return segments, turns


def test_bisected_attribution_gives_the_scans_utterances_on_random_turns() -> None:
    rng = random.Random(15)
    checked = 0
    for case in range(600):
        segments, turns = _random_case(rng, channels=case % 2 == 1)
        got = attribute(segments, turns)
        assert got == _reference_attribute(segments, turns), f"case {case}"
        checked += len(got)
    assert checked > 1000  # the cases exercised attribution, not only empty inputs
