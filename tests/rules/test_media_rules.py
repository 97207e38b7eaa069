"""Video and media-integrity events become PHYSICAL_CONFRONTATION / RECORDING_INCOMPLETE flags."""

from __future__ import annotations

import pytest

from detectors.types import Transcript, Utterance, VideoEvent
from pipeline.config import load_config
from rules import RuleEngine


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine.from_config(load_config(environ={}).section("rules"))


def _transcript(events: list[VideoEvent], source: str = "bodycam") -> Transcript:
    utts = (
        Utterance("seg-0001", 0.0, 3.0, "A", "officer", "您好，我是民警，现在开始录音录像。"),
        Utterance("seg-0002", 10.0, 13.0, "B", "party", "别推我！放开我！"),
    )
    return Transcript("rec-x", source, 30.0, utts, video_events=tuple(events))  # type: ignore[arg-type]


def _codes(engine: RuleEngine, t: Transcript) -> list[str]:
    return [
        f.code
        for f in engine.run(t)
        if f.code in ("PHYSICAL_CONFRONTATION", "RECORDING_INCOMPLETE")
    ]


def test_confrontation_event_flags_with_time_range_and_overlapping_segments(
    engine: RuleEngine,
) -> None:
    flags = [
        f
        for f in engine.run(_transcript([VideoEvent("confrontation", 9.5, 14.0, 0.9)]))
        if f.code == "PHYSICAL_CONFRONTATION"
    ]
    assert len(flags) == 1
    f = flags[0]
    assert (f.start, f.end) == (9.5, 14.0)
    assert f.evidence["overlapping_segments"] == ["seg-0002"]
    assert f.severity == "high"
    assert f.evidence["event_kinds"] == ["confrontation"]
    assert f.explanation_zh and f.explanation_en


def test_near_integrity_events_merge_into_one_flag(engine: RuleEngine) -> None:
    events = [
        VideoEvent("black_frames", 20.0, 23.0, 0.95),
        VideoEvent("frozen_frames", 23.5, 27.0, 0.9),
        VideoEvent("audio_dropout", 40.0, 44.0, 0.9),
    ]
    flags = [f for f in engine.run(_transcript(events)) if f.code == "RECORDING_INCOMPLETE"]
    assert [(f.start, f.end) for f in flags] == [(20.0, 27.0), (40.0, 44.0)]
    assert flags[0].evidence["event_kinds"] == ["black_frames", "frozen_frames"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (VideoEvent("confrontation", 1.0, 1.4, 0.9), []),  # too short to be a struggle
        (VideoEvent("confrontation", 1.0, 5.0, 0.3), []),  # detector not confident enough
        (VideoEvent("black_frames", 1.0, 1.5, 0.99), []),  # a blink, not a covered lens
        (
            VideoEvent("clip_gap", 30.0, 30.0, 0.9),
            ["RECORDING_INCOMPLETE"],
        ),  # gaps count at any length
        (VideoEvent("visitor_left", 1.0, 5.0, 0.9), []),  # not a media problem
    ],
)
def test_thresholds_and_kinds(engine: RuleEngine, event: VideoEvent, expected: list[str]) -> None:
    assert _codes(engine, _transcript([event])) == expected


def test_confrontation_is_not_a_phone_flag(engine: RuleEngine) -> None:
    t = _transcript([VideoEvent("confrontation", 9.5, 14.0, 0.9)], source="phone")
    assert _codes(engine, t) == []
