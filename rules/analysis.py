"""The rules layer's entry point: one :class:`RuleAnalyzer` per process, one ``assess`` per recording.

It composes the conduct/statement/procedure/agitation flags of the rule engine (``rules:`` config
section) with the readings built here from the ``summary:`` section: category and disposition (with the
如实受立案 mismatch flags), risk, call triage, tags and the structured summary. Everything is pure and
model-free, so scripted text (the evaluation command) and real recordings take the same path.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ConfigDict

from detectors.options import SectionOptions
from detectors.types import IncidentRecord, Transcript
from rules.adjudicator import AdjudicatorOptions, LlmAdjudicator
from rules.engine import RuleEngine, Screening
from rules.errors import RulePackError
from rules.findings import Assessment, AssessmentNote, Flag, Inference, ReviewHint
from rules.inference import Inferrer
from rules.llm import LlmOptions, LlmSummarizer
from rules.matching import MatchingOptions
from rules.risk import RiskScorer
from rules.summary import ExtractiveSummarizer
from rules.tags import Tagger
from rules.triage import CallTriager

logger = logging.getLogger("vigil.rules")


class AnalysisOptions(SectionOptions):
    """The ``summary`` config section: this layer's pack files and the summary method.

    Attributes:
        inference_file: category / disposition pack (configs/rules/inference.yaml).
        risk_file: risk factor pack.
        triage_file: phone / dispatch triage pack.
        taxonomy_file: tag taxonomy (dimensions x tags).
        extractive_file: extractive summary cues.
        method: ``extractive`` (offline default) or ``llm`` (falls back to extractive on any failure).
        llm: the OpenAI-compatible endpoint settings (summary and adjudicator share them).
        adjudicator: whether the LLM judges the candidate flags (off by default).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "summary"
    error = RulePackError

    inference_file: str
    risk_file: str
    triage_file: str
    taxonomy_file: str
    extractive_file: str
    method: str
    llm: LlmOptions
    adjudicator: AdjudicatorOptions


class RuleAnalyzer:
    """Builds every rule component once; ``assess`` is then a pure function of the transcript."""

    def __init__(
        self,
        engine: RuleEngine,
        options: AnalysisOptions,
        *,
        matching: MatchingOptions,
    ) -> None:
        if options.method not in ("extractive", "llm"):
            raise RulePackError(
                f"summary.method {options.method!r} is unknown; choose extractive or llm"
            )
        self.engine = engine
        self.options = options
        self.inferrer = Inferrer.from_file(options.inference_file, matching=matching)
        self.risk = RiskScorer.from_file(options.risk_file, matching=matching)
        self.triager = CallTriager.from_file(options.triage_file, matching=matching)
        self.tagger = Tagger.from_file(options.taxonomy_file, matching=matching)
        self.summarizer = ExtractiveSummarizer.from_file(options.extractive_file, matching=matching)
        self.llm = LlmSummarizer(options.llm) if options.method == "llm" else None
        if options.adjudicator.enabled and not (options.llm.url and options.llm.model):
            raise RulePackError(
                "summary.adjudicator.enabled needs the endpoint: set summary.llm.url and model"
            )
        self.adjudicator = LlmAdjudicator(options.llm) if options.adjudicator.enabled else None

    @classmethod
    def from_config(cls, cfg: Any) -> RuleAnalyzer:
        """From a :class:`pipeline.config.VigilConfig` (or a mapping of sections)."""
        rules_sec = _section(cfg, "rules")
        summary_sec = _section(cfg, "summary")
        options = AnalysisOptions.from_config(summary_sec)
        engine = RuleEngine.from_config(rules_sec)
        return cls(engine, options, matching=engine.options.matching)

    @property
    def rule_packs(self) -> dict[str, str]:
        packs = dict(self.engine.rule_packs)
        for p in (self.inferrer.pack, self.risk.pack, self.triager.pack, self.summarizer.options):
            packs[p.pack_id] = p.version
        packs[self.tagger.taxonomy.taxonomy_id] = self.tagger.taxonomy.version
        return packs

    def screen(self, transcript: Transcript) -> Screening:
        """The speech rules' findings before the video is analysed (see :class:`Screening`)."""
        return self.engine.screen(transcript)

    def assess(
        self,
        transcript: Transcript,
        *,
        prior_incidents: Sequence[IncidentRecord] = (),
        screened: Screening | None = None,
    ) -> Assessment:
        """The whole reading of one recording; with ``screened`` (from :meth:`screen` on the same
        transcript before its video events were added) the speech rules are not run again."""
        notes = _notes(transcript)
        result = self.engine.run_detailed(transcript, screened=screened)
        engine_flags = result.flags
        cat, disp = self.inferrer.infer(transcript)
        mine, contested = self.inferrer.findings(transcript, cat, disp)
        category: Inference | None = cat.inference
        disposition: Inference | None = disp.inference
        if any(n.code == "no_speech" for n in notes):
            # with nothing said, the inferrer's answer is its configured default: not a reading
            category = disposition = None
        have = {f.code for f in engine_flags}
        # the engine's own report-not-accepted rule wins when both see it: one finding, one flag
        mine = [f for f in mine if f.code not in have]
        flags = _renumber([*engine_flags, *mine])
        hints: list[ReviewHint] = []
        if self.adjudicator is not None:
            # before tags, which read the flags: a dropped flag tags nothing
            flags, hints = self.adjudicator.adjudicate(transcript, flags)
        if category is not None and disposition is not None:
            # after the adjudicator: a mismatch it dropped no longer contradicts the record
            category, disposition = self.inferrer.settle(cat, disp, flags)
        risk = self.risk.assess(transcript)
        call = self.triager.triage(
            transcript,
            category=cat.inference,
            risk=risk,
            category_scores=cat.scores,
            prior_incidents=prior_incidents,
        )
        tags = self.tagger.tag(
            transcript,
            category=category,
            disposition=disposition,
            risk=risk,
            flags=flags,
        )
        summary = self.summarizer.summarize(
            transcript, category_hits=cat.hits, disposition_hits=disp.hits
        )
        if self.llm is not None:
            summary = self.llm.summarize(transcript, summary)
        return Assessment(
            flags=flags,
            review_hints=[*result.hints, *contested, *hints],
            category=category,
            disposition=disposition,
            risk=risk,
            call=call,
            tags=tags,
            summary=summary,
            rule_packs=self.rule_packs,
            notes=notes,
        )


def _notes(transcript: Transcript) -> list[AssessmentNote]:
    """What the assessment cannot establish, from the transcript alone (the rules stay pure: the
    roles decided upstream are the only evidence of an officer)."""
    if not any(u.text.strip() for u in transcript.utterances):
        return [
            AssessmentNote(
                code="no_speech",
                text="no speech",
                reason="no words were recognised in the recording, so category and disposition"
                " are not inferred and no statement rule can apply",
            )
        ]
    if not any(u.role == "officer" for u in transcript.utterances):
        return [
            AssessmentNote(
                code="no_officer_identified",
                text="no officer identified",
                reason="no speaker carries officer evidence (officer wording, the officer's"
                " channel or the body-cam wearer's near-field voice), so no rule about what an"
                " officer did or failed to say applies",
            )
        ]
    return []


def _section(cfg: Any, name: str) -> dict[str, Any]:
    if hasattr(cfg, "section"):
        return dict(cfg.section(name))
    if isinstance(cfg, Mapping) and isinstance(cfg.get(name), Mapping):
        return dict(cfg[name])
    raise RulePackError(f"config has no section {name!r}")


def _renumber(flags: Sequence[Flag]) -> list[Flag]:
    """Stable ids flag-001... in time order (then code), whoever produced the flag."""
    ordered = sorted(flags, key=lambda f: (f.start, f.code, f.rule_id))
    return [f.model_copy(update={"id": f"flag-{i:03d}"}) for i, f in enumerate(ordered, 1)]
