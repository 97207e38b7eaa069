"""事件结构化: an extractive structured summary (cause, course, result, conflict focus, party demands,
officer measures), each field quoting the segments it comes from.

Extractive by default because it runs offline and cannot invent facts: every field is built from the
transcript's own clauses, chosen by small cue lexicons and by what the inference already found (the
category cues locate the cause, the disposition cues the result).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from detectors.types import Transcript, Utterance
from rules.cues import CueHit, CueSet, CueSpec, ScanOptions, load_yaml_pack
from rules.findings import Summary, SummaryItem
from rules.matching import ContextOptions, MatchingOptions
from rules.pack import StrictModel

FIELDS = ("course", "conflict_focus", "party_demands", "officer_measures")


class ExtractiveOptions(StrictModel):
    """Attributes: cue lexicons per field, how many utterances a field may quote and its length."""

    pack_id: str
    version: str
    context: ContextOptions
    scan: ScanOptions
    cues: dict[str, list[CueSpec]]
    max_items: int = Field(ge=1)
    max_chars: int = Field(ge=20)
    separator: str


class ExtractiveSummarizer:
    def __init__(self, options: ExtractiveOptions, *, matching: MatchingOptions) -> None:
        unknown = set(options.cues) - set(FIELDS)
        if unknown:
            raise ValueError(f"summary cues for unknown fields {sorted(unknown)}; valid: {FIELDS}")
        self.options = options
        self.cues = CueSet(options.cues, matching=matching, context=options.context)

    @classmethod
    def from_file(cls, path: str | Path, *, matching: MatchingOptions) -> ExtractiveSummarizer:
        return cls(load_yaml_pack(path, ExtractiveOptions), matching=matching)

    def summarize(
        self,
        transcript: Transcript,
        *,
        category_hits: Sequence[CueHit] = (),
        disposition_hits: Sequence[CueHit] = (),
    ) -> Summary:
        by_id = {u.id: u for u in transcript.utterances}
        hits = self.cues.scan(transcript.utterances, self.options.scan)
        party = [h for h in category_hits if h.role != "officer"] or list(category_hits)
        cause = self._item([by_id[h.utterance_id] for h in party[:1] if h.utterance_id in by_id])
        if cause is None:
            first = [u for u in transcript.utterances if u.role == "party"][:1]
            cause = self._item(first)
        result_utts = [by_id[h.utterance_id] for h in disposition_hits if h.utterance_id in by_id]
        result = self._item(result_utts[-1:])
        if result is None:
            last = [u for u in transcript.utterances if u.role == "officer"][-1:]
            result = self._item(last)
        fields: dict[str, SummaryItem | None] = {}
        for name in FIELDS:
            ids = list(dict.fromkeys(h.utterance_id for h in hits if h.key == name))
            fields[name] = self._item([by_id[i] for i in ids if i in by_id])
        return Summary(
            method="extractive",
            cause=cause,
            course=fields["course"],
            result=result,
            conflict_focus=fields["conflict_focus"],
            party_demands=fields["party_demands"],
            officer_measures=fields["officer_measures"],
        )

    def _item(self, utts: Sequence[Utterance]) -> SummaryItem | None:
        if not utts:
            return None
        o = self.options
        chosen = sorted(utts, key=lambda u: u.start)[: o.max_items]
        text = o.separator.join(u.text.strip() for u in chosen)
        if len(text) > o.max_chars:
            text = text[: o.max_chars - 1] + "…"
        return SummaryItem(text=text, segment_ids=[u.id for u in chosen])
