"""Word-level attribution of ASR segments to diarization turns."""

from __future__ import annotations

from detectors.types import Segment, SpeakerTurn, Word
from pipeline.attribution import attribute


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
