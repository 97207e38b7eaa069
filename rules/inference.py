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

The module also hosts :class:`CueSet`, the weighted-lexicon scanner that risk, triage, tags and the
extractive summary share.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detectors.types import Role, Source, Transcript, Utterance
from rules.errors import RulePackError
from rules.findings import Category, Disposition, Flag, FlagCode, Inference, Severity
from rules.matching import ContextOptions, ContextReader, Match, Matcher, MatchingOptions, normalize
from rules.pack import read_yaml, validation_summary

logger = logging.getLogger("vigil.rules")

CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
DISPOSITIONS: tuple[str, ...] = Disposition.__args__  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ------------------------------------------------------------------------------------ cue lexicons


class CueSpec(_Strict):
    """One weighted group of phrases/regexes voting for a key (a category, a risk factor, a tag...).

    Attributes:
        phrases: lexicon phrases (ASR-robust matching).
        patterns: named regexes on normalised text (digits spelled 一二三, no punctuation).
        with_any: when given, one of these phrases must also occur in the same utterance
            ("老公" + "打我" is domestic violence, either alone is not).
        weight: the vote of one hit before role and context scaling.
        roles: only these speakers' utterances count (all roles when omitted).
        negatable: false for phrases that are negative in themselves ("明天再来").
        keep_in_question: true for cues that are questions by nature (a consultation).
    """

    phrases: list[str] = Field(default_factory=list)
    patterns: dict[str, str] = Field(default_factory=dict)
    with_any: list[str] = Field(default_factory=list)
    weight: float = Field(gt=0.0)
    roles: list[Role] | None = None
    negatable: bool = True
    keep_in_question: bool = False

    @model_validator(mode="after")
    def _non_empty(self) -> CueSpec:
        if not self.phrases and not self.patterns:
            raise ValueError("a cue needs at least one phrase or pattern")
        return self


class ScanOptions(_Strict):
    """How role and context scale a cue's vote.

    Attributes:
        role_weights: multiplier per role; ``unknown`` for utterances without a role.
        past_markers: a cue in a clause with one of these describes an earlier event.
        past_weight: multiplier for such cues (0 drops them).
        question_weight: multiplier for cues in a question ("是不是被偷了？").
        skip_quoted: drop cues inside quotation marks or reported speech ("他说…").
        advisory_markers: a clause with one of these phrases words the cue as optional advice...
        advisory_from: ...and cues for these keys are then counted for ``advisory_to`` instead.
        advisory_to: the key advice-worded cues are moved to.
        advisory_weight: multiplier for advice-worded cues (a suggestion weighs less than an act).
    """

    role_weights: dict[str, float]
    past_markers: list[str]
    past_weight: float = Field(ge=0.0, le=1.0)
    question_weight: float = Field(ge=0.0, le=1.0)
    skip_quoted: bool
    advisory_markers: list[str]
    advisory_from: list[str]
    advisory_to: str | None
    advisory_weight: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _roles(self) -> ScanOptions:
        missing = {"officer", "party", "third_party", "unknown"} - set(self.role_weights)
        if missing:
            raise ValueError(f"role_weights needs weights for {sorted(missing)}")
        return self


class SemanticVotes(_Strict):
    """Votes from the semantic heads (``Utterance.semantics``) next to a lexicon's.

    Attributes:
        labels: head label -> the key it votes for (``"category.theft": theft``,
            ``"urgency.urgent": __urgent__``).
        min_prob: a label below this probability does not vote.
        weight: the vote of a probability of 1 before role scaling (a lexicon group's ``weight``).

    An utterance votes through the semantic layer only for keys its lexicon cues did not already
    vote for: the classifier adds what the lexicon missed, it does not count the same words twice.
    """

    labels: dict[str, str] = Field(min_length=1)
    min_prob: float = Field(ge=0.0, le=1.0)
    weight: float = Field(ge=0.0)

    def hits(
        self, utterances: Sequence[Utterance], options: ScanOptions, lexical: Sequence[CueHit]
    ) -> list[CueHit]:
        have = {(h.utterance_id, h.key) for h in lexical}
        out: list[CueHit] = []
        for u in utterances:
            if not u.semantics:
                continue
            role_w = options.role_weights.get(u.role or "unknown", 0.0)
            if role_w <= 0.0:
                continue
            best: dict[str, CueHit] = {}
            for label, key in self.labels.items():
                p = u.semantic(label)
                if p < self.min_prob or (u.id, key) in have:
                    continue
                hit = CueHit(
                    key=key,
                    utterance_id=u.id,
                    speaker=u.speaker,
                    role=u.role,
                    phrase=f"semantic:{label}",
                    matched_text=u.text,
                    weight=self.weight * p * role_w,
                    start=u.start,
                    end=u.end,
                    quality=max(0.0, min(1.0, u.asr_confidence * u.role_confidence)),
                )
                if key not in best or hit.weight > best[key].weight:
                    best[key] = hit
            out.extend(best.values())
        return out


@dataclass(frozen=True, slots=True)
class _Markers:
    """Clause markers (past events, advice): normalised exact forms plus a matcher for the long ones."""

    exact: tuple[str, ...]
    long: Matcher | None

    def found_in(self, clause: str) -> bool:
        if CueSet.has_marker(clause, self.exact):
            return True
        return self.long is not None and bool(self.long.find(clause))


@dataclass(frozen=True, slots=True)
class CueHit:
    """One counted cue: which key it votes for, where, and with what weight after scaling."""

    key: str
    utterance_id: str
    speaker: str
    role: Role | None
    phrase: str
    matched_text: str
    weight: float
    start: float
    end: float
    quality: float  # asr_confidence x role_confidence of the utterance

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "segment_id": self.utterance_id,
            "phrase": self.phrase,
            "matched_text": self.matched_text,
            "weight": round(self.weight, 3),
        }


def _clause_bounds(text: str, start: int, end: int, breaks: str) -> tuple[int, int]:
    a = start
    while a > 0 and text[a - 1] not in breaks:
        a -= 1
    b = end
    while b < len(text) and text[b] not in breaks:
        b += 1
    return a, b


class CueSet:
    """Weighted lexicons for several keys, compiled once, scanned over a transcript's utterances."""

    def __init__(
        self,
        cues: Mapping[str, Sequence[CueSpec]],
        *,
        matching: MatchingOptions,
        context: ContextOptions,
    ) -> None:
        self.context = context
        self._reader = ContextReader(context)
        self._groups: list[tuple[str, CueSpec, Matcher, tuple[str, ...]]] = []
        for key, specs in cues.items():
            for spec in specs:
                m = Matcher(spec.phrases, spec.patterns, options=matching)
                w = tuple(normalize(x) for x in spec.with_any)
                self._groups.append((key, spec, m, w))
        self.keys: tuple[str, ...] = tuple(cues)
        self._matching = matching
        self._marker_cache: dict[tuple[str, ...], _Markers] = {}

    @staticmethod
    def has_marker(text: str, markers: Sequence[str]) -> bool:
        """Exact containment of normalised markers: short function words, where homophones are
        everywhere (晚上会 sounds like 上回), never match on pinyin."""
        norm = normalize(text)
        return any(m and m in norm for m in markers)

    def _markers(self, markers: Sequence[str]) -> _Markers:
        """Short markers match exactly; markers long enough for the matcher's pinyin rules also match
        through it, so an ASR homophone of a multi-syllable marker (写商不成 for 协商不成) still counts."""
        key = tuple(markers)
        found = self._marker_cache.get(key)
        if found is None:
            exact = tuple(normalize(x) for x in markers)
            long = [x for x in markers if len(normalize(x)) >= self._matching.pinyin_min_chars]
            found = _Markers(exact, Matcher(long, options=self._matching) if long else None)
            self._marker_cache[key] = found
        return found

    def scan(self, utterances: Sequence[Utterance], options: ScanOptions) -> list[CueHit]:
        """Every counted cue, in utterance order; each group counts at most once per utterance."""
        past = self._markers(options.past_markers)
        advisory = self._markers(options.advisory_markers)
        hits: list[CueHit] = []
        for u in utterances:
            if not u.text.strip():
                continue
            role_key = u.role or "unknown"
            role_w = options.role_weights.get(role_key, 0.0)
            if role_w <= 0.0:
                continue
            for key, spec, matcher, with_m in self._groups:
                if spec.roles is not None and u.role is not None and u.role not in spec.roles:
                    continue
                best: CueHit | None = None
                for m in matcher.find(u.text):
                    w = self._weigh(u.text, m, spec, options, past, advisory)
                    if w is None:
                        continue
                    weight, advised = w
                    target = key
                    if advised and key in options.advisory_from and options.advisory_to:
                        target = options.advisory_to
                        weight *= options.advisory_weight
                    if with_m and not self.has_marker(u.text, with_m):
                        continue
                    weight *= role_w * m.score
                    if best is None or weight > best.weight:
                        best = CueHit(
                            key=target,
                            utterance_id=u.id,
                            speaker=u.speaker,
                            role=u.role,
                            phrase=m.phrase,
                            matched_text=m.matched_text,
                            weight=weight,
                            start=u.start,
                            end=u.end,
                            quality=max(0.0, min(1.0, u.asr_confidence * u.role_confidence)),
                        )
                if best is not None and best.weight > 0.0:
                    hits.append(best)
        return hits

    def _weigh(
        self,
        text: str,
        m: Match,
        spec: CueSpec,
        options: ScanOptions,
        past: _Markers,
        advisory: _Markers,
    ) -> tuple[float, bool] | None:
        if spec.negatable and self._reader.negated(text, m) is not None:
            return None
        if options.skip_quoted and self._reader.quoted(text, m) is not None:
            return None
        weight = spec.weight
        a, b = _clause_bounds(text, m.char_start, m.char_end, self.context.clause_breaks)
        clause = text[a:b]
        if past.found_in(clause):
            weight *= options.past_weight
        asked = text[b : b + 1] in ("?", "？") or normalize(clause).endswith(("吗", "么"))
        if asked and not spec.keep_in_question:
            weight *= options.question_weight
        return weight, advisory.found_in(clause)

    @staticmethod
    def scores(hits: Iterable[CueHit]) -> dict[str, float]:
        """Total vote per key."""
        out: dict[str, float] = defaultdict(float)
        for h in hits:
            out[h.key] += h.weight
        return dict(out)


# ------------------------------------------------------------------------------------ inference


class InferenceSection(_Strict):
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


class MismatchOptions(_Strict):
    """How a difference between the recording and the case record becomes a flag."""

    enabled: bool
    rule_id: str
    code: FlagCode
    severity: Severity
    min_confidence: float = Field(ge=0.0, le=1.0)
    equivalent: list[list[str]]
    explanation_zh: str
    explanation_en: str


class ReportNotAcceptedOptions(_Strict):
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


class InferencePack(_Strict):
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
            if sec.semantic is not None:
                used |= set(sec.semantic.labels.values())
            bad = used - set(allowed)
            if bad:
                raise ValueError(f"{name}: unknown values {sorted(bad)}; valid: {list(allowed)}")
        rna = self.report_not_accepted
        if set(rna.offence_categories) - set(CATEGORIES):
            raise ValueError("report_not_accepted.offence_categories: unknown category")
        if set(rna.refusal_dispositions) - set(DISPOSITIONS):
            raise ValueError("report_not_accepted.refusal_dispositions: unknown disposition")
        return self


def load_yaml_pack(path: str | Path, model: type[BaseModel]) -> Any:
    """Read and validate one of this layer's YAML files; errors name the file."""
    p = Path(path)
    raw = read_yaml(p)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise RulePackError(f"{p}: {validation_summary(e, limit=5)}") from e


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

    def flags(
        self, transcript: Transcript, cat: InferenceResult, disp: InferenceResult
    ) -> list[Flag]:
        """Mismatch flags (needs an incident record) and the derived report-not-accepted flag."""
        out: list[Flag] = []
        pairs = (
            (cat, self.pack.category_mismatch, self.pack.category),
            (disp, self.pack.disposition_mismatch, self.pack.disposition),
        )
        for res, opts, sec in pairs:
            f = self._mismatch(transcript, res, opts, sec)
            if f is not None:
                out.append(f)
        f = self._not_accepted(transcript, cat, disp)
        if f is not None:
            out.append(f)
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
