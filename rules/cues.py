"""Weighted cue lexicons: the scanner the rules layer's readings share (category and disposition
inference, risk, call triage, tags and the extractive summary).

A :class:`CueSet` matches groups of phrases and patterns through :class:`rules.matching.Matcher` (so ASR
homophones still count), weights each group, counts a group at most once per utterance, scales the vote
by the speaker's role and drops negated or quoted cues (:class:`rules.matching.ContextReader`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from detectors.options import validation_summary
from detectors.types import Role, Transcript, Utterance
from rules.errors import RulePackError
from rules.matching import ContextOptions, ContextReader, Match, Matcher, MatchingOptions, normalize
from rules.pack import StrictModel, read_yaml

logger = logging.getLogger("vigil.rules")


# ------------------------------------------------------------------------------------ cue lexicons


class CueSpec(StrictModel):
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


class ScanOptions(StrictModel):
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


class SemanticVotes(StrictModel):
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
                hit = CueHit.whole(u, key, f"semantic:{label}", self.weight * p * role_w)
                if key not in best or hit.weight > best[key].weight:
                    best[key] = hit
            out.extend(best.values())
        return out


DIALOGUE_CUE = "dialogue:"
"""The phrase prefix of a dialogue head's vote (what its hit quotes is the evidence turn, not a cue)."""


class DialogueVotes(StrictModel):
    """Votes from a dialogue head (``Transcript.semantics``): the whole exchange read at once.

    Attributes:
        labels: dialogue label -> the key it votes for (``"dialogue_disposition.referred": referred``).
        min_prob: a label below this probability does not vote.
        weight: the vote of a probability of 1 (no role scaling: the reading is of every turn).
        evidence_roles: whose utterance a vote cites as its evidence: the one to which the
            utterance head of the same reading (``disposition.referred`` for
            ``dialogue_disposition.referred``) gives the highest probability, the latest on a tie.

    Unlike an utterance's vote this one is not withheld where the lexicon already voted: the
    lexicon reads sentences, this reads how the encounter ended, so they are two witnesses.

    ``fallback``: when no value gathers enough votes, the reading's most probable value replaces the
    section's fixed default (a best guess beats a constant), at ``fallback_factor`` times its
    probability as confidence: low enough that a guess alone never contradicts a case record.
    """

    labels: dict[str, str] = Field(min_length=1)
    min_prob: float = Field(ge=0.0, le=1.0)
    weight: float = Field(ge=0.0)
    evidence_roles: list[Role] = Field(min_length=1)
    fallback: bool = False
    fallback_factor: float = Field(default=0.5, ge=0.0, le=1.0)

    def best(self, transcript: Transcript) -> tuple[str, float] | None:
        """The reading's most probable key and its probability, or ``None`` without a reading."""
        scored = [(key, transcript.semantic(label)) for label, key in self.labels.items()]
        key, p = max(scored, key=lambda kp: kp[1])
        return (key, p) if p > 0.0 else None

    def hits(self, transcript: Transcript) -> list[CueHit]:
        out: list[CueHit] = []
        cands = [
            (k, u)
            for k, u in enumerate(transcript.utterances)
            if u.role in self.evidence_roles and u.text.strip()
        ]
        if not cands:
            return out
        for label, key in self.labels.items():
            p = transcript.semantic(label)
            if p < self.min_prob:
                continue
            own = label.removeprefix("dialogue_")
            _, u = max(cands, key=lambda ku: (ku[1].semantic(own), ku[0]))
            out.append(CueHit.whole(u, key, f"{DIALOGUE_CUE}{label}", self.weight * p))
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

    @classmethod
    def whole(cls, u: Utterance, key: str, phrase: str, weight: float) -> CueHit:
        """A vote read from a whole utterance (a classifier's, not a matched phrase)."""
        return cls(
            key=key,
            utterance_id=u.id,
            speaker=u.speaker,
            role=u.role,
            phrase=phrase,
            matched_text=u.text,
            weight=weight,
            start=u.start,
            end=u.end,
            quality=max(0.0, min(1.0, u.asr_confidence * u.role_confidence)),
        )

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


def load_yaml_pack(path: str | Path, model: type[BaseModel]) -> Any:
    """Read and validate one of this layer's YAML files; errors name the file."""
    p = Path(path)
    raw = read_yaml(p)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise RulePackError(f"{p}: {validation_summary(e, limit=5)}") from e
