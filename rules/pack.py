"""Rule-pack YAML: schema and loader.

A pack is one YAML file with ``pack_id``, ``version``, optional ``context`` (negation and quotation
settings shared by its rules) and ``rules[]``. Every rule names its ``kind``; the kind's class (see
:mod:`rules.registry`) owns the schema of the kind-specific fields. All models forbid unknown keys, check
scores are in [0, 1], compile regexes and reject contradictory settings at load time; every error names
the file and the rule id.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detectors.options import validation_summary
from detectors.types import Role, Source
from rules.errors import RulePackError
from rules.findings import FlagCode, Severity
from rules.matching import ContextOptions, NegationOptions, normalize

TEMPLATE_FIELDS = frozenset(
    {"quote", "phrase", "speaker", "role", "source", "detail", "count", "start", "end"}
)


class StrictModel(BaseModel):
    """The base of every rules-layer config model: an unknown key is an error (a typo in a pack must
    not pass silently) and a loaded pack cannot be changed under a running engine."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(StrictModel):
    """An early part of the recording: the first N officer turns and/or the first S seconds."""

    max_officer_turns: int | None = Field(default=None, ge=1)
    max_start_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> TimeWindow:
        if self.max_officer_turns is None and self.max_start_s is None:
            raise ValueError("window needs max_officer_turns and/or max_start_s")
        return self


class Scope(StrictModel):
    """Which recordings (source) and whose turns (role) a rule reads."""

    sources: list[Source] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)


class Lexicon(StrictModel):
    """Phrases (ASR-robust matching) and named regexes (exact, on normalised text)."""

    phrases: list[str] = Field(default_factory=list)
    patterns: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _non_empty(self) -> Lexicon:
        if not self.phrases and not self.patterns:
            raise ValueError("a lexicon needs at least one phrase or pattern")
        import re

        for name, rx in self.patterns.items():
            try:
                re.compile(rx)
            except re.error as e:
                raise ValueError(f"pattern {name!r} is not a valid regex: {e}") from e
        return self


class SemanticCue(StrictModel):
    """Meaning-level evidence: semantic-head probabilities on an utterance (``Utterance.semantics``).

    Attributes:
        labels: head labels that count (``conduct.SPEECH_THREAT``, ``statement.self_id``...).
        threshold: a probability at or above this is evidence, as a lexicon hit is.
        review_threshold: between this and ``threshold`` the evidence is too weak to decide alone:
            the document carries a review hint with the score instead (``None``: no hints).
        score: the finding's score factor when only the semantic layer saw it (times the probability).
        min_chars: utterances with fewer characters (normalised: no punctuation or spaces) are too
            short for a sentence embedding to tell tone ("您好，什么事？" and a curt "什么事？" read
            alike): they can only ask for review, never decide alone.
        rivals: labels of the same head that compete for one utterance (the other conduct codes):
            where one of them is more probable than ``labels``, the head reads the utterance as that
            other thing first (a brush-off read as shirking at 0.95 and as impatience at 0.63), so
            the weaker reading can only ask for review, never decide alone.
        veto_below: where a wording the lexicon matched sits in an utterance the head read as
            acceptable speech (``labels`` and every rival under this), the two layers disagree
            outright (the polite "麻烦你了" is one letter of pinyin from a listed "麻烦死了"): the
            hit can only ask for review (``semantic_disagrees``), never decide alone. A turn the
            head reads as another conduct code is misconduct all the same, so a strong rival keeps
            the hit. ``None``: a lexicon hit always decides.
    """

    labels: list[str] = Field(min_length=1)
    threshold: float = Field(ge=0.0, le=1.0)
    review_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    score: float = Field(default=1.0, ge=0.0, le=1.0)
    min_chars: int = Field(default=0, ge=0)
    rivals: list[str] = Field(default_factory=list)
    veto_below: float | None = Field(default=None, gt=0.0, le=1.0)
    clause_threshold: float | None = Field(default=None, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> SemanticCue:
        if self.review_threshold is not None and self.review_threshold > self.threshold:
            raise ValueError("review_threshold must not exceed threshold")
        if self.clause_threshold is not None and self.clause_threshold < self.threshold:
            raise ValueError("clause_threshold must not be under threshold")
        if self.veto_below is not None and self.veto_below > self.threshold:
            raise ValueError("veto_below must not exceed threshold")
        return self

    def best(self, u: Any) -> tuple[str, float]:
        """The strongest of ``labels`` on utterance ``u`` and its probability."""
        scored = [(lab, float(u.semantic(lab))) for lab in self.labels]
        return max(scored, key=lambda kv: kv[1])

    def hit(self, u: Any) -> dict[str, Any] | None:
        """Evidence when the utterance reaches ``threshold`` (or one of its clauses
        ``clause_threshold``, named in the evidence), else ``None``."""
        label, p = self.best(u)
        if p >= self.threshold and len(normalize(u.text)) >= self.min_chars:
            return {"layer": "semantic", "label": label, "probability": round(p, 4)}
        if self.clause_threshold is None:
            return None
        readings = [(*u.clause(lab), lab) for lab in self.labels]
        cp, text, label = max(readings, key=lambda r: r[0])
        if cp >= self.clause_threshold:
            return {
                "layer": "semantic",
                "label": label,
                "probability": round(cp, 4),
                "clause": text,
            }
        return None

    def vetoes(self, u: Any) -> dict[str, Any] | None:
        """The disagreement's evidence (the strongest of ``labels`` and ``rivals``, its probability,
        ``veto_below``) where the head read ``u`` and gave all of them under ``veto_below``.

        An utterance the semantic layer never read (no probabilities at all: the layer off, a text
        over its length limit) is no evidence either way, so it vetoes nothing.
        """
        if self.veto_below is None or not u.semantics:
            return None
        scored = [(lab, float(u.semantic(lab))) for lab in (*self.labels, *self.rivals)]
        label, p = max(scored, key=lambda kv: kv[1])
        if p >= self.veto_below:
            return None
        return {"label": label, "probability": round(p, 4), "veto_below": self.veto_below}

    def outranked(self, u: Any, p: float | None = None) -> tuple[str, float] | None:
        """The strongest rival label and its probability where it beats ``labels`` on ``u`` (or
        ``p``, the reading that decided: a clause's)."""
        if p is None:
            _, p = self.best(u)
        scored = [(lab, float(u.semantic(lab))) for lab in self.rivals if lab not in self.labels]
        top = max(scored, key=lambda kv: kv[1], default=None)
        return top if top is not None and top[1] > p else None

    def near(self, u: Any) -> tuple[str, float] | None:
        """(label, probability) when in the review band [review_threshold, threshold)."""
        if self.review_threshold is None:
            return None
        label, p = self.best(u)
        short = len(normalize(u.text)) < self.min_chars
        return (label, p) if self.review_threshold <= p and (p < self.threshold or short) else None


class RuleSpec(StrictModel):
    """Fields every rule has; rule kinds subclass this with their own fields."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    kind: str
    code: FlagCode
    severity: Severity
    enabled: bool
    description: str = ""
    scope: Scope
    base_confidence: float = Field(ge=0.0, le=1.0)
    explanation_zh: str = Field(min_length=1)
    explanation_en: str = Field(min_length=1)
    negation: NegationOptions | None = None
    semantic: SemanticCue | None = None

    @model_validator(mode="after")
    def _templates(self) -> RuleSpec:
        for name in ("explanation_zh", "explanation_en"):
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(getattr(self, name)) if f}
            except ValueError as e:
                raise ValueError(f"{name} is not a valid template: {e}") from e
            unknown = fields - TEMPLATE_FIELDS
            if unknown:
                raise ValueError(
                    f"{name} uses unknown fields {sorted(unknown)}; allowed: {sorted(TEMPLATE_FIELDS)}"
                )
        return self


class PackHeader(StrictModel):
    """Top level of a pack file. Keys starting with ``x-`` are ignored: they hold YAML anchors
    (shared lexicons) that rules reference with aliases."""

    pack_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = Field(min_length=1)
    description: str = ""
    context: ContextOptions | None = None
    rules: list[dict[str, Any]] = Field(min_length=1)


class RulePack(BaseModel):
    """A loaded pack: header fields plus validated rule specs (enabled and disabled)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    path: str
    pack_id: str
    version: str
    description: str
    context: ContextOptions | None
    specs: list[RuleSpec]


def read_yaml(path: Path, missing: str = "file not found") -> Any:
    """Parsed YAML of one rules-layer file; a missing file or bad YAML is a RulePackError naming it."""
    if not path.is_file():
        raise RulePackError(f"{path}: {missing}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RulePackError(f"{path}: invalid YAML: {e}") from e


def load_pack(path: str | Path, kinds: dict[str, type[RuleSpec]]) -> RulePack:
    """Read and validate one pack file; ``kinds`` maps each rule kind to its spec model."""
    p = Path(path)
    raw = read_yaml(p, "rule pack not found")
    if not isinstance(raw, dict):
        raise RulePackError(f"{p}: a rule pack must be a mapping with pack_id, version and rules")
    raw = {k: v for k, v in raw.items() if not (isinstance(k, str) and k.startswith("x-"))}
    try:
        header = PackHeader.model_validate(raw)
    except ValidationError as e:
        raise RulePackError(f"{p}: {validation_summary(e)}") from e
    specs: list[RuleSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(header.rules):
        rid = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
        if not isinstance(item, dict):
            raise RulePackError(f"{p}: rule {rid}: must be a mapping")
        kind = item.get("kind")
        if kind not in kinds:
            raise RulePackError(
                f"{p}: rule {rid}: unknown kind {kind!r}; registered kinds: {sorted(kinds)}"
            )
        try:
            spec = kinds[kind].model_validate(item)
        except ValidationError as e:
            raise RulePackError(f"{p}: rule {rid}: {validation_summary(e)}") from e
        if spec.id in seen:
            raise RulePackError(f"{p}: rule {spec.id}: duplicate rule id")
        seen.add(spec.id)
        specs.append(spec)
    return RulePack(
        path=str(p),
        pack_id=header.pack_id,
        version=header.version,
        description=header.description,
        context=header.context,
        specs=specs,
    )
