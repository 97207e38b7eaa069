"""OFFICER_AGITATION from prosody against the officer's own baseline, and the text-mode style fallback."""

from __future__ import annotations

import pytest

from tests.rules.support_engine import flags_of, prosody, transcript

CALM = prosody(-30.0, 140.0, 4.0)


def _officer_turns(shouted: list[object]) -> list[tuple[str, str, dict[str, object]]]:
    turns: list[tuple[str, str, dict[str, object]]] = []
    for p in [CALM, prosody(-31.0, 135.0, 4.2), prosody(-29.5, 145.0, 3.8), *shouted, CALM]:
        turns.append(("officer", "请您配合一下。", {"prosody": p}))
        turns.append(("party", "好的。", {"prosody": prosody(-20.0, 220.0, 5.0)}))
    return turns


@pytest.mark.parametrize(
    ("shout", "n"),
    [
        (prosody(-21.0, 190.0, 5.5), 1),  # louder, higher, faster
        (prosody(-23.0, 180.0, 4.0), 1),  # louder and higher (2 of 3)
        (prosody(-18.0, 140.0, 4.0), 1),  # much louder alone (strong loudness)
        (prosody(-26.0, 140.0, 4.0), 0),  # a little louder only
        (prosody(-30.0, 150.0, 4.4), 0),  # ordinary variation
        (prosody(-30.0, None, None), 0),  # unvoiced, no rate: loudness only, not enough
    ],
)
def test_against_own_baseline(shout: object, n: int) -> None:
    t = transcript("phone", _officer_turns([shout]))
    found = flags_of("OFFICER_AGITATION", t)
    assert len(found) == n
    for f in found:
        assert f.segment_ids == ["seg-0006"] and f.role == "officer"
        assert f.evidence["turns"][0]["observed"] == "prosody"


def test_a_loud_party_is_not_agitation_and_a_loud_voice_is_its_own_baseline() -> None:
    loud_officer = [("officer", "请配合。", {"prosody": prosody(-12.0, 250.0, 6.0)})] * 4
    assert flags_of("OFFICER_AGITATION", transcript("bodycam", loud_officer)) == []


def test_consecutive_agitated_turns_make_one_flag() -> None:
    shout = prosody(-20.0, 200.0, 6.0)
    t = transcript("bodycam", _officer_turns([shout, shout]))
    (f,) = flags_of("OFFICER_AGITATION", t)
    assert f.segment_ids == ["seg-0006", "seg-0008"]


def test_multichannel_speakers_have_separate_baselines() -> None:
    turns = [
        ("officer", "你好。", {"speaker": "A", "channel": 0, "prosody": CALM}),
        (
            "officer",
            "你好。",
            {"speaker": "B", "channel": 1, "prosody": prosody(-15.0, 200.0, 5.0)},
        ),
    ] * 3
    turns.append(
        ("officer", "别动！", {"speaker": "A", "channel": 0, "prosody": prosody(-18.0, 200.0, 6.0)})
    )
    (f,) = flags_of("OFFICER_AGITATION", transcript("counter", turns))
    assert f.speaker == "A" and f.segment_ids == ["seg-0006"]


@pytest.mark.parametrize(
    ("role", "style", "n"), [("officer", "shout", 1), ("officer", "calm", 0), ("party", "shout", 0)]
)
def test_style_fallback_without_prosody(role: str, style: str, n: int) -> None:
    t = transcript(
        "dispatch", [("officer", "110报警服务台。"), (role, "你听明白没有！", {"style": style})]
    )
    found = flags_of("OFFICER_AGITATION", t)
    assert len(found) == n
    for f in found:
        assert f.evidence["turns"][0]["observed"] == "style"
        assert f.confidence < 0.75


def test_style_ignored_when_prosody_exists() -> None:
    turns = _officer_turns([CALM])
    turns[6] = ("officer", "请配合。", {"prosody": CALM, "style": "shout"})
    assert flags_of("OFFICER_AGITATION", transcript("phone", turns)) == []


def test_half_the_turns_shouted_still_flags_both() -> None:
    shout = prosody(-20.0, 200.0, 6.0)
    turns = []
    for p in [CALM, shout, prosody(-31.0, 138.0, 4.1), shout]:
        turns.append(("officer", "请配合。", {"prosody": p}))
        turns.append(("party", "凭什么！", {"prosody": prosody(-18.0, 230.0, 6.0)}))
    found = flags_of("OFFICER_AGITATION", transcript("phone", turns))
    assert [f.segment_ids for f in found] == [["seg-0002"], ["seg-0006"]]
