"""Category and disposition read from the whole transcript, and the mismatch flags against the case record.

This is the core "如实受立案" check: a reported theft written down as a mediated dispute or as no action.
Both readings are weighted lexicon votes, not single keywords, so one garbled or quoted phrase cannot
decide a case:

* every cue group (phrases and regexes, matched through :class:`rules.matching.Matcher`, so ASR homophones
  still count) carries a weight; a group counts at most once per utterance;
* the speaker's role scales the vote: the party's account decides the category, the officer's own words
  decide the disposition (what a party *asks for* is not what the officer *did*);
* negated and quoted cues are dropped (:class:`rules.matching.ContextReader`); cues in a clause about the
  past ("上次已经调解过了") or in a question are discounted, because they describe other events;
* a referral phrased as optional advice ("协商不成可以打12315") counts as advice, not as a referral.

The weighted-lexicon scanner itself (:class:`~rules.cues.CueSet`) lives in :mod:`rules.cues`, shared
with risk, triage, tags and the extractive summary.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from detectors.types import Source, Transcript
from rules.cues import (
    DIALOGUE_CUE,
    CueHit,
    CueSet,
    CueSpec,
    DialogueVotes,
    ScanOptions,
    SemanticVotes,
    load_yaml_pack,
)
from rules.findings import (
    Category,
    Disposition,
    Flag,
    FlagCode,
    Inference,
    ReviewHint,
    Severity,
)
from rules.matching import ContextOptions, MatchingOptions
from rules.pack import StrictModel

logger = logging.getLogger("vigil.rules")

CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
DISPOSITIONS: tuple[str, ...] = Disposition.__args__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------ inference


class InferenceSection(StrictModel):
    """One inferred field (category or disposition).

    Attributes:
        labels: Chinese label of every value (used in explanations).
        scan: role and context scaling.
        cues: value -> weighted cue groups.
        default: the value when no cue reaches ``min_score``.
        default_confidence: the confidence of that default.
        min_score: the least total vote for a value to be chosen.
        decisive: value -> vote at which the value wins whatever else was said (the officer's
            acceptance of a case is a legal act; a dispatched unit means the case is pending).
        order: tie-break order (earlier wins).
    """

    labels: dict[str, str]
    scan: ScanOptions
    cues: dict[str, list[CueSpec]]
    default: str
    default_confidence: float = Field(ge=0.0, le=1.0)
    min_score: float = Field(gt=0.0)
    decisive: dict[str, float]
    order: list[str]
    semantic: SemanticVotes | None = None
    dialogue: DialogueVotes | None = None


class MismatchOptions(StrictModel):
    """How a difference between the recording and the case record becomes a flag."""

    enabled: bool
    rule_id: str
    code: FlagCode
    severity: Severity
    min_confidence: float = Field(ge=0.0, le=1.0)
    equivalent: list[list[str]]
    explanation_zh: str
    explanation_en: str
    max_recorded_share: float = Field(default=1.0, gt=0.0, le=1.0)
    """The recording contradicts the record only when the recorded value's own vote is under this
    share of the winner's; when the recording also supports what was recorded (a referral *and*
    advice), the difference goes to a reviewer as a hint, not as a finding."""
    max_recorded_prob: float = Field(default=1.0, gt=0.0, le=1.0)
    """Likewise when the dialogue head (``dialogue`` votes of the section) gives the recorded value
    at least this probability: a reading that keeps the record plausible is not a contradiction."""
    plausible_head: str | None = None
    """A ``multilabel`` dialogue head (``dialogue_disposition_plausible``) giving, per code, the
    probability that a reviewer could record it for this exchange: reviewers settle borderline
    cases differently (a refusal worded as advice, "come back tomorrow"), and a record that is only
    another convention is not a contradiction."""
    max_plausible_prob: float = Field(default=1.0, gt=0.0, le=1.0)
    """The record is contested (a hint, not a flag) when ``plausible_head`` gives it at least this."""
    plausible_unless_refused: bool = False
    """No such leniency where the report was improperly not accepted (REPORT_NOT_ACCEPTED): a soft
    record (advice) over a refused report is the cover-up the mismatch rule exists to find."""
    plausible_unless_downgraded: list[str] = Field(default_factory=list)
    """Readings (offence categories) over which the plausible-record head does not soften a record
    outside this list: a beating recorded as a 纠纷 is the downgrading (降格处理) that case
    supervision exists to find, however often reviewers write it that way."""
    residual: list[str] = Field(default_factory=list)
    """Readings that only say nothing more specific was heard (``other``, ``consultation``): such a
    reading never contradicts a record on its own, so the difference is a review hint, not a flag.
    A call that sounds like a question, or like nothing in particular, is no evidence that the
    theft or the dispute on the record did not happen."""
    dialogue_alone_contests: bool = False
    """A reading that only the dialogue head votes for (no sentence of the lexicon or of the
    utterance head says it) is a review hint, not a contradiction: the head reads an exchange
    well enough to name it, not well enough to overrule a record on its own."""
    record_stands: bool = False
    """The document's field carries the record's code wherever no mismatch flag is raised (the
    recording's own reading kept beside it), so that the field and the flag never disagree. A
    review hint does not keep the recording's reading: hints are frequent and mostly settle for
    the record (bl4-bl6: disposition 0.83-0.90 this way, 0.62-0.73 if hints kept it)."""


class ReportNotAcceptedOptions(StrictModel):
    """An offence clearly reported (category) and the officer's disposition a refusal."""

    enabled: bool
    rule_id: str
    severity: Severity
    sources: list[Source]
    offence_categories: list[str]
    refusal_dispositions: list[str]
    min_confidence: float = Field(ge=0.0, le=1.0)
    explanation_zh: str
    explanation_en: str


class InferencePack(StrictModel):
    pack_id: str
    version: str
    description: str = ""
    context: ContextOptions
    category: InferenceSection
    disposition: InferenceSection
    category_mismatch: MismatchOptions
    disposition_mismatch: MismatchOptions
    report_not_accepted: ReportNotAcceptedOptions

    @model_validator(mode="after")
    def _values(self) -> InferencePack:
        for name, allowed in (("category", CATEGORIES), ("disposition", DISPOSITIONS)):
            sec: InferenceSection = getattr(self, name)
            used = set(sec.cues) | set(sec.labels) | set(sec.decisive) | set(sec.order)
            used |= {sec.default}
            if sec.scan.advisory_to:
                used |= {sec.scan.advisory_to, *sec.scan.advisory_from}
            for votes in (sec.semantic, sec.dialogue):
                if votes is not None:
                    used |= set(votes.labels.values())
            mismatch: MismatchOptions = getattr(self, f"{name}_mismatch")
            used |= set(mismatch.plausible_unless_downgraded) | set(mismatch.residual)
            bad = used - set(allowed)
            if bad:
                raise ValueError(f"{name}: unknown values {sorted(bad)}; valid: {list(allowed)}")
        rna = self.report_not_accepted
        if set(rna.offence_categories) - set(CATEGORIES):
            raise ValueError("report_not_accepted.offence_categories: unknown category")
        if set(rna.refusal_dispositions) - set(DISPOSITIONS):
            raise ValueError("report_not_accepted.refusal_dispositions: unknown disposition")
        return self


@dataclass(frozen=True, slots=True)
class InferenceResult:
    """An inference plus the hits that support it (the flags quote them)."""

    inference: Inference
    hits: tuple[CueHit, ...]
    scores: dict[str, float]


class _FieldInferrer:
    def __init__(
        self, section: InferenceSection, *, matching: MatchingOptions, context: ContextOptions
    ) -> None:
        self.section = section
        self.cues = CueSet(section.cues, matching=matching, context=context)

    def infer(self, transcript: Transcript, recorded: str | None) -> InferenceResult:
        sec = self.section
        hits = self.cues.scan(transcript.utterances, sec.scan)
        if sec.semantic is not None:
            hits += sec.semantic.hits(transcript.utterances, sec.scan, hits)
        if sec.dialogue is not None:
            hits += sec.dialogue.hits(transcript)
        scores: dict[str, float] = defaultdict(float, CueSet.scores(hits))
        order = {v: i for i, v in enumerate(sec.order)}
        value: str | None = None
        for v in sec.order:
            t = sec.decisive.get(v)
            if t is not None and scores.get(v, 0.0) >= t:
                value = v
                break
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))
        if value is None and ranked and ranked[0][1] >= sec.min_score:
            value = ranked[0][0]
        if value is None:
            votes = sec.dialogue if sec.dialogue is not None and sec.dialogue.fallback else None
            guess = votes.best(transcript) if votes is not None else None
            if votes is not None and guess is not None:
                key, p = guess
                inf = Inference(
                    value=key,
                    confidence=round(p * votes.fallback_factor, 3),
                    recorded=recorded,
                    segment_ids=[],
                    cues=[f"dialogue-best:{key}"],
                )
                return InferenceResult(inf, (), dict(scores))
            inf = Inference(
                value=sec.default,
                confidence=sec.default_confidence,
                recorded=recorded,
                segment_ids=[],
                cues=[],
            )
            return InferenceResult(inf, (), dict(scores))
        mine = [h for h in hits if h.key == value]
        total = sum(scores.values())
        share = scores[value] / total if total > 0 else 0.0
        strength = min(1.0, scores[value] / (2.0 * sec.min_score))
        quality = sum(h.quality for h in mine) / len(mine) if mine else 1.0
        decisive = sec.decisive.get(value)
        conf = share * (0.5 + 0.5 * strength)
        if decisive is not None and scores[value] >= decisive:
            conf = max(conf, 0.85)
        conf = round(max(0.0, min(1.0, conf * quality)), 3)
        seg_ids = list(dict.fromkeys(h.utterance_id for h in mine))
        cue_txt = list(dict.fromkeys(f"{h.phrase}@{h.utterance_id}" for h in mine))
        inf = Inference(
            value=value, confidence=conf, recorded=recorded, segment_ids=seg_ids, cues=cue_txt
        )
        return InferenceResult(inf, tuple(mine), dict(scores))


class Inferrer:
    """Category, disposition, and the flags that compare them with the incident record."""

    def __init__(self, pack: InferencePack, *, matching: MatchingOptions) -> None:
        self.pack = pack
        self.category = _FieldInferrer(pack.category, matching=matching, context=pack.context)
        self.disposition = _FieldInferrer(pack.disposition, matching=matching, context=pack.context)

    @classmethod
    def from_file(cls, path: str | Path, *, matching: MatchingOptions) -> Inferrer:
        return cls(load_yaml_pack(path, InferencePack), matching=matching)

    def infer(self, transcript: Transcript) -> tuple[InferenceResult, InferenceResult]:
        inc = transcript.incident
        cat = self.category.infer(transcript, inc.recorded_category if inc else None)
        disp = self.disposition.infer(transcript, inc.recorded_disposition if inc else None)
        return cat, disp

    def findings(
        self, transcript: Transcript, cat: InferenceResult, disp: InferenceResult
    ) -> tuple[list[Flag], list[ReviewHint]]:
        """Mismatch flags (needs an incident record) and the derived report-not-accepted flag; and,
        as review hints, the mismatches whose recorded value the recording also partly supports."""
        flags: list[Flag] = []
        hints: list[ReviewHint] = []
        refused = self._not_accepted(transcript, cat, disp)
        for f, contested in self._mismatches(transcript, cat, disp, refused=refused is not None):
            if not contested:
                flags.append(f)
                continue
            hints.append(
                ReviewHint(
                    code=f.code,
                    rule_id=f.rule_id,
                    reason="record_partly_supported",
                    score=f.confidence,
                    start=f.start,
                    end=f.end,
                    segment_ids=f.segment_ids,
                    quote=f.quote,
                    evidence=f.evidence,
                )
            )
        if refused is not None:
            flags.append(refused)
        return flags, hints

    def settle(
        self,
        cat: InferenceResult,
        disp: InferenceResult,
        flags: Sequence[Flag],
    ) -> tuple[Inference, Inference]:
        """The category and disposition the document carries, after the flags are final: the
        record's code where the recording does not contradict it (``record_stands``), with the
        recording's own reading kept beside it."""
        return (
            _settle(cat.inference, self.pack.category, self.pack.category_mismatch, flags),
            _settle(disp.inference, self.pack.disposition, self.pack.disposition_mismatch, flags),
        )

    def _mismatches(
        self,
        transcript: Transcript,
        cat: InferenceResult,
        disp: InferenceResult,
        *,
        refused: bool,
    ) -> list[tuple[Flag, bool]]:
        """Each mismatch candidate, and whether the recording also supports the recorded value: its
        vote is near the winner's (``max_recorded_share``), the dialogue head still gives it
        ``max_recorded_prob`` (the exchange read as a whole does not rule the record out), or the
        plausible-record head finds it a code a reviewer could record (``max_plausible_prob``; not
        over an improperly refused report where ``plausible_unless_refused``)."""
        out: list[tuple[Flag, bool]] = []
        pairs = (
            (cat, self.pack.category_mismatch, self.pack.category),
            (disp, self.pack.disposition_mismatch, self.pack.disposition),
        )
        for res, opts, sec in pairs:
            f = self._mismatch(transcript, res, opts, sec)
            if f is None:
                continue
            recorded = str(res.inference.recorded)
            own = res.scores.get(recorded, 0.0)
            win = res.scores.get(res.inference.value, 0.0)
            contested = win > 0 and own >= opts.max_recorded_share * win
            if res.inference.value in opts.residual:
                contested = True
            if opts.dialogue_alone_contests and all(
                h.phrase.startswith(DIALOGUE_CUE) for h in res.hits
            ):
                contested = True
            if sec.dialogue is not None:
                p = max(
                    (
                        transcript.semantic(lab)
                        for lab, k in sec.dialogue.labels.items()
                        if k == recorded
                    ),
                    default=0.0,
                )
                contested = contested or p >= opts.max_recorded_prob
            if opts.plausible_head is not None:
                # the reviewer sees how plausible the record is, whether or not it decided anything
                plausible = transcript.semantic(f"{opts.plausible_head}.{recorded}")
                f = f.model_copy(
                    update={"evidence": {**f.evidence, "record_plausible": round(plausible, 3)}}
                )
                downgraded = (
                    res.inference.value in opts.plausible_unless_downgraded
                    and recorded not in opts.plausible_unless_downgraded
                )
                if not (refused and opts.plausible_unless_refused) and not downgraded:
                    contested = contested or plausible >= opts.max_plausible_prob
            out.append((f, contested))
        return out

    def _mismatch(
        self,
        transcript: Transcript,
        res: InferenceResult,
        opts: MismatchOptions,
        sec: InferenceSection,
    ) -> Flag | None:
        inf = res.inference
        recorded = inf.recorded
        if not opts.enabled or recorded is None or recorded == inf.value:
            return None
        if any(recorded in grp and inf.value in grp for grp in opts.equivalent):
            return None
        if inf.confidence < opts.min_confidence or not res.hits:
            return None
        labels = {
            "recorded": sec.labels.get(recorded, recorded),
            "inferred": sec.labels.get(inf.value, inf.value),
            "recorded_code": recorded,
            "inferred_code": inf.value,
        }
        return _flag(
            res.hits,
            code=opts.code,
            rule_id=opts.rule_id,
            version=self.pack.version,
            severity=opts.severity,
            confidence=inf.confidence,
            zh=opts.explanation_zh.format(**labels),
            en=opts.explanation_en.format(**labels),
            evidence={
                "recorded": recorded,
                "inferred": inf.value,
                "scores": {k: round(v, 3) for k, v in sorted(res.scores.items())},
                "cues": [h.to_dict() for h in res.hits[:8]],
            },
        )

    def _not_accepted(
        self, transcript: Transcript, cat: InferenceResult, disp: InferenceResult
    ) -> Flag | None:
        o = self.pack.report_not_accepted
        if not o.enabled or transcript.source not in o.sources:
            return None
        c, d = cat.inference, disp.inference
        if c.value not in o.offence_categories or d.value not in o.refusal_dispositions:
            return None
        party_hits = [h for h in cat.hits if h.role != "officer"]
        if not party_hits or not disp.hits:
            return None
        conf = round(min(c.confidence, d.confidence), 3)
        if conf < o.min_confidence:
            return None
        labels = {
            "category": self.pack.category.labels.get(c.value, c.value),
            "disposition": self.pack.disposition.labels.get(d.value, d.value),
            "category_code": c.value,
            "disposition_code": d.value,
        }
        return _flag(
            (*party_hits[:3], *disp.hits),
            code="REPORT_NOT_ACCEPTED",
            rule_id=o.rule_id,
            version=self.pack.version,
            severity=o.severity,
            confidence=conf,
            zh=o.explanation_zh.format(**labels),
            en=o.explanation_en.format(**labels),
            evidence={
                "category": c.value,
                "disposition": d.value,
                "report_cues": [h.to_dict() for h in party_hits[:4]],
                "refusal_cues": [h.to_dict() for h in disp.hits[:4]],
            },
        )


def _settle(
    inf: Inference, sec: InferenceSection, opts: MismatchOptions, flags: Sequence[Flag]
) -> Inference:
    if not opts.record_stands or inf.recorded == inf.value:
        return inf
    if inf.recorded is None or inf.recorded not in sec.labels:
        return inf  # no record, or a code outside the vocabulary: nothing to stand
    if any(f.code == opts.code for f in flags):
        return inf
    return inf.model_copy(
        update={
            "value": inf.recorded,
            "basis": "record",
            "inferred": inf.value,
            "confidence": round(1.0 - inf.confidence, 3),
            "segment_ids": [],
            "cues": [],
        }
    )


def _flag(
    hits: Sequence[CueHit],
    *,
    code: FlagCode,
    rule_id: str,
    version: str,
    severity: Severity,
    confidence: float,
    zh: str,
    en: str,
    evidence: dict[str, Any],
) -> Flag:
    ordered = sorted(hits, key=lambda h: (h.start, h.utterance_id))
    strongest = max(hits, key=lambda h: h.weight)
    return Flag(
        id="flag-000",
        code=code,
        rule_id=rule_id,
        rule_version=version,
        severity=severity,
        confidence=max(0.0, min(1.0, confidence)),
        start=max(0.0, ordered[0].start),
        end=max(ordered[0].start, max(h.end for h in ordered)),
        segment_ids=list(dict.fromkeys(h.utterance_id for h in ordered)),
        quote=strongest.matched_text,
        speaker=strongest.speaker,
        role=strongest.role,
        explanation_zh=zh,
        explanation_en=en,
        evidence=evidence,
    )
