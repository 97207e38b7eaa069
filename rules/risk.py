"""Risk: factor lexicons -> factors present -> weighted score -> low / medium / high.

A factor is present only when its cues add up to its own threshold, so a passing mention ("家里有没有
刀具？") does not raise a weapon factor while a wielded knife ("把刀放下") does. Escalators (an emergency
in progress: "救命", "正在转账") add to the score without being a factor of their own.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field, model_validator

from detectors.types import Transcript
from rules.cues import CueSet, CueSpec, ScanOptions, SemanticVotes, load_yaml_pack
from rules.findings import RiskAssessment, RiskFactor
from rules.matching import ContextOptions, MatchingOptions
from rules.pack import StrictModel

logger = logging.getLogger("vigil.rules")

RISK_FACTORS: tuple[str, ...] = RiskFactor.__args__  # type: ignore[attr-defined]


class FactorSpec(StrictModel):
    """Attributes: weight (added to the score when present), threshold (cue votes needed), cues."""

    weight: float = Field(gt=0.0)
    threshold: float = Field(gt=0.0)
    cues: list[CueSpec] = Field(min_length=1)


class LevelThresholds(StrictModel):
    medium: float = Field(gt=0.0)
    high: float = Field(gt=0.0)

    @model_validator(mode="after")
    def _ordered(self) -> LevelThresholds:
        if self.high <= self.medium:
            raise ValueError("levels.high must be above levels.medium")
        return self


class EscalatorSpec(StrictModel):
    """Cues of danger in progress; ``weight`` is added once when their votes reach ``threshold``."""

    weight: float = Field(ge=0.0)
    threshold: float = Field(gt=0.0)
    cues: list[CueSpec]


class RiskPack(StrictModel):
    pack_id: str
    version: str
    description: str = ""
    context: ContextOptions
    scan: ScanOptions
    semantic: SemanticVotes | None = None
    levels: LevelThresholds
    factors: dict[str, FactorSpec]
    escalators: EscalatorSpec

    @model_validator(mode="after")
    def _known(self) -> RiskPack:
        bad = set(self.factors) - set(RISK_FACTORS)
        if bad:
            raise ValueError(f"unknown risk factors {sorted(bad)}; valid: {list(RISK_FACTORS)}")
        return self


class RiskScorer:
    """Scores one transcript; built once from the pack (lexicons compiled here)."""

    def __init__(self, pack: RiskPack, *, matching: MatchingOptions) -> None:
        self.pack = pack
        cues = {name: spec.cues for name, spec in pack.factors.items()}
        if pack.escalators.cues:
            cues["__escalator__"] = pack.escalators.cues
        self.cues = CueSet(cues, matching=matching, context=pack.context)

    @classmethod
    def from_file(cls, path: str | Path, *, matching: MatchingOptions) -> RiskScorer:
        return cls(load_yaml_pack(path, RiskPack), matching=matching)

    def assess(self, transcript: Transcript) -> RiskAssessment:
        hits = self.cues.scan(transcript.utterances, self.pack.scan)
        if self.pack.semantic is not None:
            hits += self.pack.semantic.hits(transcript.utterances, self.pack.scan, hits)
        votes = CueSet.scores(hits)
        factors: list[str] = []
        score = 0.0
        for name in RISK_FACTORS:  # vocabulary order keeps output stable
            spec = self.pack.factors.get(name)
            if spec is not None and votes.get(name, 0.0) >= spec.threshold:
                factors.append(name)
                score += spec.weight
        esc = self.pack.escalators
        escalated = votes.get("__escalator__", 0.0) >= esc.threshold
        if escalated:
            score += esc.weight
        lv = self.pack.levels
        level = "high" if score >= lv.high else "medium" if score >= lv.medium else "low"
        evidence: dict[str, list[str]] = {}
        for name in factors:
            evidence[name] = list(dict.fromkeys(h.utterance_id for h in hits if h.key == name))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("risk votes %s escalated=%s score=%.2f", votes, escalated, score)
        return RiskAssessment(
            level=level,  # type: ignore[arg-type]
            score=round(score, 3),
            factors=factors,  # type: ignore[arg-type]
            evidence=evidence,
        )
