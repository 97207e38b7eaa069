"""Required statements (body-cam): self-identification and recording notice in the opening window."""

from __future__ import annotations

import pytest

from tests.rules.support_engine import codes, engine, flags_of, transcript

SELF_ID = "您好，我是天平路派出所民警，警号031245。"
NOTICE = "现场执法记录仪正在录音录像，请您知悉。"


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        (SELF_ID + NOTICE, set()),
        ("我是交警，这是我的警官证。执法记录仪已经开启，全程录像。", set()),
        (SELF_ID, {"MISSING_RECORDING_NOTICE"}),
        (NOTICE, {"MISSING_SELF_ID"}),
        ("怎么回事，谁报的警？", {"MISSING_SELF_ID", "MISSING_RECORDING_NOTICE"}),
        # negated statements do not count
        ("我们没有录音录像，您放心说。我是派出所民警。", {"MISSING_RECORDING_NOTICE"}),
        # garbled ASR (Traditional, homophones) still counts
        ("我是天平路派出所民警。執法記錄儀正在錄音錄象。", set()),
    ],
)
def test_opening_window(opening: str, expected: set[str]) -> None:
    t = transcript(
        "bodycam",
        [("officer", opening), ("party", "我报的警。"), ("officer", "好的，您慢慢说。")],
    )
    got = codes(engine().run(t)) & {"MISSING_SELF_ID", "MISSING_RECORDING_NOTICE"}
    assert got == expected


def test_party_cannot_make_the_statement_for_the_officer() -> None:
    t = transcript(
        "bodycam",
        [("officer", "怎么回事？"), ("party", "我是派出所民警的家属，执法记录仪正在录音录像吗？")],
    )
    assert {"MISSING_SELF_ID", "MISSING_RECORDING_NOTICE"} <= codes(engine().run(t))


@pytest.mark.parametrize("source", ["counter", "phone", "dispatch"])
def test_only_bodycam(source: str) -> None:
    t = transcript(source, [("officer", "怎么回事？"), ("party", "我报警。")])
    assert codes(engine().run(t)) & {"MISSING_SELF_ID", "MISSING_RECORDING_NOTICE"} == set()


def test_late_statement_still_flags_with_lower_confidence_and_cites_window() -> None:
    turns = [("officer", "怎么回事？"), ("party", "他打人。"), ("officer", "都别动！")]
    turns += [("party", "好。")] * 8 + [("officer", "我是派出所民警，警号031245。")]
    (late,) = flags_of("MISSING_SELF_ID", transcript("bodycam", turns))
    (never,) = flags_of("MISSING_SELF_ID", transcript("bodycam", turns[:-1]))
    assert late.evidence["said_late"]["segment_id"] == "seg-0011"
    assert late.confidence < never.confidence
    assert late.segment_ids == never.segment_ids == ["seg-0000", "seg-0002"]


def test_no_officer_turn_no_flag() -> None:
    t = transcript("bodycam", [("party", "有人吗？")])
    assert codes(engine().run(t)) == set()


def test_low_asr_confidence_lowers_missing_statement() -> None:
    turns = [("officer", "怎么回事？", {"asr_confidence": 0.3}), ("party", "我报的。")]
    (weak,) = flags_of("MISSING_SELF_ID", transcript("bodycam", turns))
    (strong,) = flags_of("MISSING_SELF_ID", transcript("bodycam", [("officer", "怎么回事？")]))
    assert weak.confidence < strong.confidence
