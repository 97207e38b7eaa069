"""Tags: a configurable taxonomy of dimensions x tags applied to every recording.

A tag applies when its lexicon matches (any role unless restricted) or when the assessment already says
so (category, disposition, risk factor, flag code, source), so the taxonomy can grow in YAML without code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field, model_validator

from detectors.types import Source, Transcript
from rules.cues import CueSet, CueSpec, ScanOptions, load_yaml_pack
from rules.findings import Flag, Inference, RiskAssessment, Tag
from rules.matching import ContextOptions, MatchingOptions
from rules.pack import StrictModel


class TagSpec(StrictModel):
    """One tag; it applies when any condition holds. ``cues`` votes must reach ``threshold``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    zh: str
    cues: list[CueSpec] = Field(default_factory=list)
    threshold: float = Field(default=1.0, gt=0)
    categories: list[str] = Field(default_factory=list)
    dispositions: list[str] = Field(default_factory=list)
    risk_factors: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> TagSpec:
        if not (
            self.cues
            or self.categories
            or self.dispositions
            or self.risk_factors
            or self.flags
            or self.sources
        ):
            raise ValueError(f"tag {self.id!r} has no condition")
        return self


class Dimension(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    zh: str
    tags: list[TagSpec] = Field(min_length=1)


class Taxonomy(StrictModel):
    taxonomy_id: str
    version: str
    context: ContextOptions
    scan: ScanOptions
    dimensions: list[Dimension] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Taxonomy:
        seen: set[str] = set()
        for d in self.dimensions:
            for t in d.tags:
                key = f"{d.id}/{t.id}"
                if key in seen:
                    raise ValueError(f"duplicate tag {key}")
                seen.add(key)
        return self


class Tagger:
    def __init__(self, taxonomy: Taxonomy, *, matching: MatchingOptions) -> None:
        self.taxonomy = taxonomy
        cues = {f"{d.id}/{t.id}": t.cues for d in taxonomy.dimensions for t in d.tags if t.cues}
        self.cues = CueSet(cues, matching=matching, context=taxonomy.context)

    @classmethod
    def from_file(cls, path: str | Path, *, matching: MatchingOptions) -> Tagger:
        return cls(load_yaml_pack(path, Taxonomy), matching=matching)

    @property
    def size(self) -> tuple[int, int]:
        """(dimensions, tags)."""
        dims = self.taxonomy.dimensions
        return len(dims), sum(len(d.tags) for d in dims)

    def tag(
        self,
        transcript: Transcript,
        *,
        category: Inference | None,
        disposition: Inference | None,
        risk: RiskAssessment,
        flags: Sequence[Flag],
    ) -> list[Tag]:
        hits = self.cues.scan(transcript.utterances, self.taxonomy.scan)
        votes = CueSet.scores(hits)
        codes = {f.code for f in flags}
        out: list[Tag] = []
        for d in self.taxonomy.dimensions:
            for t in d.tags:
                key = f"{d.id}/{t.id}"
                segs: list[str] = []
                applies = False
                if t.cues and votes.get(key, 0.0) >= t.threshold:
                    applies = True
                    segs = list(dict.fromkeys(h.utterance_id for h in hits if h.key == key))
                if category is not None and category.value in t.categories:
                    applies = True
                    segs = segs or list(category.segment_ids)
                if disposition is not None and disposition.value in t.dispositions:
                    applies = True
                    segs = segs or list(disposition.segment_ids)
                if set(risk.factors) & set(t.risk_factors):
                    applies = True
                    for fac in t.risk_factors:
                        segs = segs or list(risk.evidence.get(fac, []))
                if codes & set(t.flags):
                    applies = True
                    for f in flags:
                        if f.code in t.flags:
                            segs = segs or list(f.segment_ids)
                if transcript.source in t.sources:
                    applies = True
                if applies:
                    out.append(Tag(dimension=d.id, tag=t.id, segment_ids=segs))
        return out
