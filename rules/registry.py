"""Rule kinds, rule instances and the registry that selects them.

A *kind* is a :class:`Rule` subclass with its own pydantic spec (``Spec``); packs instantiate kinds by
name. Other modules add kinds with :func:`register_rule_kind` (e.g. category and disposition mismatch),
and the engine then loads packs that use them. Rules are pure functions of a Transcript: no I/O, no models.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from detectors.types import Role, Transcript, Utterance
from rules.errors import RulePackError
from rules.matching import ContextOptions, ContextReader, Matcher, MatchingOptions
from rules.pack import Lexicon, RulePack, RuleSpec, load_pack

logger = logging.getLogger("vigil.rules")

_BUILTIN_MODULES = (
    "rules.kinds.conduct",
    "rules.kinds.statements",
    "rules.kinds.procedure",
    "rules.kinds.agitation",
    "rules.kinds.media",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """What one rule found, before the engine tags it with its rule and turns it into a Flag.

    ``score`` is the rule's own confidence in [0, 1]; the engine lowers it for weak ASR, role and
    diarization confidence of ``utterances`` (the evidence). ``template`` fills the explanation.
    """

    score: float
    utterances: tuple[Utterance, ...]
    start: float
    end: float
    quote: str
    speaker: str | None
    role: Role | None
    evidence: dict[str, Any] = field(default_factory=dict)
    template: dict[str, str] = field(default_factory=dict)
    review_only: bool = False  # evidence too weak to flag: the document lists it as a review hint
    review_reason: str = "semantic_near_threshold"  # the hint's reason when ``review_only``


@dataclass(frozen=True, slots=True)
class RuleEnv:
    """What a rule needs besides its spec: pack identity, matching tolerance and context reading."""

    pack_id: str
    pack_version: str
    matching: MatchingOptions
    context: ContextOptions | None


class Rule(ABC):
    """Base of every rule kind: ``kind`` names it in packs, ``Spec`` validates its YAML."""

    kind: ClassVar[str]
    Spec: ClassVar[type[RuleSpec]]
    #: reads ``Transcript.video_events``: such rules run after the video pass, every other rule
    #: before it (see :meth:`rules.engine.RuleEngine.screen`)
    reads_video: ClassVar[bool] = False

    def __init__(self, spec: RuleSpec, env: RuleEnv) -> None:
        if not isinstance(spec, self.Spec):
            raise TypeError(f"{type(self).__name__} needs a {self.Spec.__name__}")
        self.spec = spec
        self.env = env
        self._reader: ContextReader | None = (
            ContextReader(env.context) if env.context is not None else None
        )

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        return self.env.pack_version

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def severity(self) -> str:
        return self.spec.severity

    @property
    def reader(self) -> ContextReader:
        if self._reader is None:
            raise RulePackError(
                f"pack {self.env.pack_id}: rule {self.id}: needs a 'context' section "
                "(negation and quotation) in its pack"
            )
        return self._reader

    def matcher(self, lexicon: Lexicon) -> Matcher:
        try:
            return Matcher(lexicon.phrases, lexicon.patterns, options=self.env.matching)
        except ValueError as e:
            raise RulePackError(f"pack {self.env.pack_id}: rule {self.id}: {e}") from e

    def applies(self, transcript: Transcript) -> bool:
        return transcript.source in self.spec.scope.sources

    def in_roles(self, u: Utterance) -> bool:
        return u.role is not None and u.role in self.spec.scope.roles

    @abstractmethod
    def check(self, transcript: Transcript) -> list[Finding]:
        """Findings for one transcript (already known to be in scope)."""


R = TypeVar("R", bound=type[Rule])
RULE_KINDS: dict[str, type[Rule]] = {}


def register_rule_kind(cls: R) -> R:
    """Class decorator: make a Rule subclass available to packs under its ``kind``."""
    if not (isinstance(cls, type) and issubclass(cls, Rule)):
        raise TypeError("register_rule_kind expects a Rule subclass")
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} must define a non-empty 'kind'")
    spec = getattr(cls, "Spec", None)
    if not (isinstance(spec, type) and issubclass(spec, RuleSpec)):
        raise TypeError(f"{cls.__name__}.Spec must be a RuleSpec subclass")
    existing = RULE_KINDS.get(kind)
    if existing is not None and existing is not cls:
        raise ValueError(f"rule kind {kind!r} is already registered by {existing.__name__}")
    RULE_KINDS[kind] = cls
    return cls


def _ensure_builtin() -> None:
    for mod in _BUILTIN_MODULES:
        importlib.import_module(mod)


class RuleRegistry:
    """The rules of the loaded packs, in load order (the order the engine runs them)."""

    def __init__(self, matching: MatchingOptions) -> None:
        self.matching = matching
        self._rules: list[Rule] = []
        self.packs: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules)

    def add(self, rule: Rule) -> None:
        if not isinstance(rule, Rule):
            raise TypeError(f"expected a Rule, got {type(rule).__name__}")
        if any(r.id == rule.id for r in self._rules):
            raise RulePackError(f"rule {rule.id}: duplicate rule id across packs")
        self._rules.append(rule)

    def remove(self, rule_id: str) -> None:
        before = len(self._rules)
        self._rules = [r for r in self._rules if r.id != rule_id]
        if len(self._rules) == before:
            logger.warning("rule %s is not loaded; nothing removed", rule_id)

    def select(
        self, ids: Iterable[str] | None = None, codes: Iterable[str] | None = None
    ) -> list[Rule]:
        """Rules by id and/or flag code; warns about unknown ids, raises when nothing matches."""
        rules = self._rules
        if ids is not None:
            wanted = set(ids)
            for missing in wanted - {r.id for r in rules}:
                logger.warning("requested rule %s is not loaded", missing)
            rules = [r for r in rules if r.id in wanted]
        if codes is not None:
            cset = set(codes)
            rules = [r for r in rules if r.code in cset]
        if not rules:
            raise RulePackError("no loaded rule matches the selection")
        return list(rules)

    def load_pack(self, path: str | Path) -> RulePack:
        """Validate a pack file and add its enabled rules."""
        _ensure_builtin()
        pack = load_pack(path, {k: c.Spec for k, c in RULE_KINDS.items()})
        if pack.pack_id in self.packs:
            raise RulePackError(f"{pack.path}: pack_id {pack.pack_id!r} is already loaded")
        env = RuleEnv(pack.pack_id, pack.version, self.matching, pack.context)
        for spec in pack.specs:
            if not spec.enabled:
                logger.info("rule %s is disabled in %s", spec.id, pack.path)
                continue
            try:
                rule = RULE_KINDS[spec.kind](spec, env)
            except RulePackError as e:
                raise RulePackError(f"{pack.path}: {e}") from e
            self.add(rule)
        self.packs[pack.pack_id] = pack.version
        return pack
