"""Builders shared by the rule-engine tests: the real engine from the real config, and transcripts
written as (role, text) turns the way scenario files and reviewers write them."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from detectors.types import Prosody, Transcript, Utterance
from pipeline.config import load_config
from rules.engine import RuleEngine
from rules.findings import Flag
from rules.matching import MatchingOptions

TURN_S = 3.0


@lru_cache(maxsize=1)
def engine() -> RuleEngine:
    return RuleEngine.from_config(load_config().section("rules"))


def matching_options() -> MatchingOptions:
    return MatchingOptions.model_validate(load_config().section("rules")["matching"])


def transcript(
    source: str,
    turns: list[tuple[str, str]] | list[tuple[str, str, dict[str, Any]]],
    **kw: Any,
) -> Transcript:
    """Turns are (role, text) or (role, text, extra Utterance fields); officer speaks as S1, party S2."""
    us = []
    for i, turn in enumerate(turns):
        role, text = turn[0], turn[1]
        extra = dict(turn[2]) if len(turn) > 2 else {}  # type: ignore[misc]
        speaker = extra.pop("speaker", {"officer": "S1", "party": "S2"}.get(role, "S3"))
        role = extra.pop("role", role)
        us.append(
            Utterance(
                id=f"seg-{i:04d}",
                start=TURN_S * i,
                end=TURN_S * i + 2.5,
                speaker=speaker,
                role=role,  # type: ignore[arg-type]
                text=text,
                **extra,
            )
        )
    return Transcript(
        recording_id="test",
        source=source,  # type: ignore[arg-type]
        duration=TURN_S * len(us),
        utterances=tuple(us),
        **kw,
    )


def codes(flags: list[Flag]) -> set[str]:
    return {f.code for f in flags}


def flags_of(code: str, t: Transcript) -> list[Flag]:
    return [f for f in engine().run(t) if f.code == code]


def prosody(loud: float, pitch: float | None, rate: float | None) -> Prosody:
    return Prosody(loudness_db=loud, pitch_hz=pitch, speech_rate=rate)
