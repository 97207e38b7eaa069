"""The rule engine: load packs, run every rule in a fixed order, turn findings into evidenced Flags.

Order of work for one transcript: select the rules whose scope covers its source, run them in pack
order, tag each finding with its rule, lower its confidence for weak ASR, role and diarization
confidence, remove duplicates (same code on the same segments: the most confident wins), apply the
confidence threshold, then number the flags by time. Findings under the threshold are kept in
:class:`EngineResult.suppressed` and logged, so a low-confidence recording never passes silently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from detectors.options import SectionOptions
from detectors.resources import resource_dir
from detectors.types import Transcript
from rules.errors import RulePackError
from rules.findings import Flag, ReviewHint
from rules.matching import MatchingOptions
from rules.registry import Finding, Rule, RuleRegistry

logger = logging.getLogger("vigil.rules")

_CONFIG_DIR = resource_dir("configs")


class ConfidenceOptions(BaseModel):
    """How strongly weak upstream confidence lowers a flag: factor = 1 - weight * (1 - confidence)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    asr_weight: float = Field(ge=0.0, le=1.0)
    role_weight: float = Field(ge=0.0, le=1.0)
    diarization_weight: float = Field(ge=0.0, le=1.0)


class RuleEngineOptions(SectionOptions):
    """The ``rules`` section of the pipeline config.

    Attributes:
        packs: rule-pack files, loaded and run in this order (relative paths: against ``configs/``).
        min_confidence: flags below this confidence are suppressed (kept in the run result, not emitted).
        keep_evidence: strip the ``evidence`` dict from flags when false.
        confidence: weights of ASR, role and diarization confidence.
        matching: ASR-robust matching tolerance (see :class:`rules.matching.MatchingOptions`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "rules"
    error = RulePackError

    packs: list[str] = Field(min_length=1)
    min_confidence: float = Field(ge=0.0, le=1.0)
    keep_evidence: bool
    confidence: ConfidenceOptions
    matching: MatchingOptions


@dataclass(frozen=True, slots=True)
class EngineResult:
    flags: list[Flag]
    suppressed: list[Flag]
    hints: list[ReviewHint]


_Tagged = tuple[Rule, Finding, float, dict[str, float]]


@dataclass(frozen=True, slots=True)
class Screening:
    """What the rules that read only speech found in one transcript, before its video is analysed.

    ``flags`` is what those findings alone flag (the pipeline hands some of them to the video pass as
    audio cues); :meth:`RuleEngine.run_detailed` takes the screening back and adds the video rules'
    findings, so no rule runs twice on a recording.
    """

    recording_id: str
    tagged: tuple[_Tagged, ...]
    flags: list[Flag]


def _factor(weight: float, value: float) -> float:
    return 1.0 - weight * (1.0 - max(0.0, min(1.0, value)))


def _hint(rule: Rule, f: Finding, reason: str, score: float) -> ReviewHint:
    return ReviewHint(
        code=rule.code,  # type: ignore[arg-type]
        rule_id=rule.id,
        reason=reason,  # type: ignore[arg-type]
        score=round(max(0.0, min(1.0, score)), 4),
        start=max(0.0, f.start),
        end=max(0.0, f.end, f.start),
        segment_ids=[u.id for u in f.utterances],
        quote=f.quote,
        evidence=dict(f.evidence),
    )


class _SafeDict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class RuleEngine:
    """Runs the loaded rule packs over transcripts; build it once, run it on many recordings."""

    def __init__(self, registry: RuleRegistry, options: RuleEngineOptions) -> None:
        self.registry = registry
        self.options = options

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> RuleEngine:
        """Build from the ``rules`` config section (a dict); bad packs raise RulePackError."""
        options = RuleEngineOptions.from_config(section)
        registry = RuleRegistry(options.matching)
        for p in options.packs:
            path = Path(p).expanduser()
            if not path.is_absolute():
                path = _CONFIG_DIR / path
            registry.load_pack(path)
        logger.info("rule engine: %d rules from packs %s", len(registry), ", ".join(registry.packs))
        return cls(registry, options)

    @property
    def rule_packs(self) -> dict[str, str]:
        """pack_id -> version, for the analysis document."""
        return dict(self.registry.packs)

    def run(self, transcript: Transcript, *, screened: Screening | None = None) -> list[Flag]:
        """Flags at or above the confidence threshold, numbered ``flag-001``... in time order."""
        return self.run_detailed(transcript, screened=screened).flags

    def screen(self, transcript: Transcript) -> Screening:
        """Run every rule that does not read video events (see :class:`Screening`)."""
        tagged = self._collect(transcript, [r for r in self.registry.rules if not r.reads_video])
        return Screening(
            transcript.recording_id, tuple(tagged), self._finish(tagged, transcript).flags
        )

    def run_detailed(
        self, transcript: Transcript, *, screened: Screening | None = None
    ) -> EngineResult:
        """Every rule's findings as flags; with ``screened`` (from :meth:`screen` on the same
        recording) only the video rules run now and the screening's findings join theirs."""
        if screened is None:
            tagged = self._collect(transcript, self.registry.rules)
        else:
            if screened.recording_id != transcript.recording_id:
                raise ValueError(
                    f"screening of {screened.recording_id!r} used for {transcript.recording_id!r}"
                )
            video_rules = [r for r in self.registry.rules if r.reads_video]
            tagged = [*screened.tagged, *self._collect(transcript, video_rules)]
        return self._finish(tagged, transcript)

    def _collect(self, transcript: Transcript, rules: Sequence[Rule]) -> list[_Tagged]:
        tagged: list[_Tagged] = []
        for rule in rules:
            if not rule.applies(transcript):
                continue
            for f in rule.check(transcript):
                conf, adj = self._confidence(f, transcript)
                tagged.append((rule, f, conf, adj))
        return tagged

    def _finish(self, tagged: Sequence[_Tagged], transcript: Transcript) -> EngineResult:
        best: dict[tuple[str, tuple[str, ...]], _Tagged] = {}
        hints: list[ReviewHint] = []
        for item in tagged:
            rule, f, conf, _ = item
            if f.review_only:
                hints.append(_hint(rule, f, f.review_reason, f.score))
                continue
            # Same code on the same segments is one problem; findings without segments (video,
            # media integrity) are told apart by their time range instead.
            key = (rule.code, tuple(u.id for u in f.utterances) or (f"@{f.start:.2f}-{f.end:.2f}",))
            if key not in best or conf > best[key][2]:
                best[key] = item
        ordered = sorted(best.values(), key=lambda t: (t[1].start, t[0].code, t[0].id))
        flags: list[Flag] = []
        suppressed: list[Flag] = []
        for rule, f, conf, adj in ordered:
            keep = conf >= self.options.min_confidence
            target = flags if keep else suppressed
            prefix = "flag" if keep else "suppressed"
            target.append(
                self._flag(f"{prefix}-{len(target) + 1:03d}", rule, f, conf, adj, transcript)
            )
            if not keep:
                hints.append(_hint(rule, f, "low_confidence", conf))
                logger.info(
                    "%s: %s (%s) suppressed at confidence %.2f < %.2f",
                    transcript.recording_id,
                    rule.code,
                    rule.id,
                    conf,
                    self.options.min_confidence,
                )
        return EngineResult(flags, suppressed, hints)

    def _confidence(self, f: Finding, t: Transcript) -> tuple[float, dict[str, float]]:
        c = self.options.confidence
        us = f.utterances
        asr = fmean(u.asr_confidence for u in us) if us else 1.0
        role = fmean(u.role_confidence for u in us) if us else 1.0
        adj = {
            "rule_score": round(f.score, 4),
            "asr_factor": round(_factor(c.asr_weight, asr), 4),
            "role_factor": round(_factor(c.role_weight, role), 4),
            "diarization_factor": round(_factor(c.diarization_weight, t.diarization_confidence), 4),
        }
        conf = f.score * adj["asr_factor"] * adj["role_factor"] * adj["diarization_factor"]
        return max(0.0, min(1.0, conf)), adj

    def _flag(
        self,
        fid: str,
        rule: Rule,
        f: Finding,
        conf: float,
        adj: dict[str, float],
        t: Transcript,
    ) -> Flag:
        values = _SafeDict(
            quote=f.quote,
            speaker=f.speaker or "",
            role=f.role or "",
            source=t.source,
            start=f"{f.start:.1f}",
            end=f"{f.end:.1f}",
        )
        values.update(f.template)
        evidence: dict[str, Any] = {}
        if self.options.keep_evidence:
            evidence = dict(f.evidence)
            evidence["confidence_adjustments"] = adj
        return Flag(
            id=fid,
            code=rule.code,  # type: ignore[arg-type]
            rule_id=rule.id,
            rule_version=rule.version,
            severity=rule.severity,  # type: ignore[arg-type]
            confidence=round(conf, 4),
            start=max(0.0, f.start),
            end=max(0.0, f.end, f.start),
            segment_ids=[u.id for u in f.utterances],
            quote=f.quote,
            speaker=f.speaker,
            role=f.role,
            explanation_zh=rule.spec.explanation_zh.format_map(values),
            explanation_en=rule.spec.explanation_en.format_map(values),
            evidence=evidence,
        )
