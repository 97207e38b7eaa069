"""Phone and 110-dispatch triage: what kind of call, how urgent, and what the station does next.

Station practice (shared vocabulary): a report -> remind the unit to open a case; a complaint -> the
political instructor (教导员); a consult about case progress -> command-room follow-up with a deadline,
linked to the same caller's earlier incidents. The class is a vote of the caller's words plus what the
category and risk already established (a reported theft is a report however it is worded), so the three
readings never contradict each other.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import Field, model_validator

from detectors.types import IncidentRecord, Source, Transcript
from rules.cues import CueSet, CueSpec, DialogueVotes, ScanOptions, SemanticVotes, load_yaml_pack
from rules.findings import CallClass, CallTriage, Inference, RiskAssessment, Urgency
from rules.matching import ContextOptions, MatchingOptions
from rules.pack import StrictModel

logger = logging.getLogger("vigil.rules")

CALL_CLASSES: tuple[str, ...] = CallClass.__args__  # type: ignore[attr-defined]


class Route(StrictModel):
    code: str = Field(min_length=1)
    zh: str
    deadline_hours: float | None = Field(default=None, gt=0)


class UrgencyOptions(StrictModel):
    """Attributes: urgent when the risk level is one of ``urgent_levels`` or urgent cues reach the
    threshold; important when a risk factor is one of ``important_factors`` or important cues do."""

    urgent_levels: list[str]
    urgent_threshold: float = Field(gt=0)
    urgent_cues: list[CueSpec]
    important_factors: list[str]
    important_threshold: float = Field(gt=0)
    important_cues: list[CueSpec]


class TriagePack(StrictModel):
    pack_id: str
    version: str
    description: str = ""
    sources: list[Source]
    context: ContextOptions
    scan: ScanOptions
    semantic: SemanticVotes | None = None
    dialogue: DialogueVotes | None = None
    class_cues: dict[str, list[CueSpec]]
    progress_cues: list[CueSpec]
    progress_weight: float = Field(ge=0)
    progress_threshold: float = Field(gt=0)
    report_categories: list[str]
    report_category_weight: float = Field(ge=0)
    report_risk_factors: list[str]
    report_risk_weight: float = Field(ge=0)
    consult_categories: list[str]
    consult_category_weight: float = Field(ge=0)
    min_score: float = Field(gt=0)
    default: CallClass
    order: list[CallClass]
    urgency: UrgencyOptions
    routing: dict[str, Route]

    @model_validator(mode="after")
    def _check(self) -> TriagePack:
        bad = set(self.class_cues) - set(CALL_CLASSES)
        if bad:
            raise ValueError(f"unknown call classes {sorted(bad)}; valid: {list(CALL_CLASSES)}")
        missing = {*CALL_CLASSES, "consult_progress"} - set(self.routing)
        if missing:
            raise ValueError(f"routing needs entries for {sorted(missing)}")
        return self


class CallTriager:
    def __init__(self, pack: TriagePack, *, matching: MatchingOptions) -> None:
        self.pack = pack
        cues: dict[str, list[CueSpec]] = dict(pack.class_cues)
        cues["__progress__"] = pack.progress_cues
        cues["__urgent__"] = pack.urgency.urgent_cues
        cues["__important__"] = pack.urgency.important_cues
        self.cues = CueSet(cues, matching=matching, context=pack.context)

    @classmethod
    def from_file(cls, path: str | Path, *, matching: MatchingOptions) -> CallTriager:
        return cls(load_yaml_pack(path, TriagePack), matching=matching)

    def triage(
        self,
        transcript: Transcript,
        *,
        category: Inference,
        risk: RiskAssessment,
        category_scores: Mapping[str, float] | None = None,
        prior_incidents: Sequence[IncidentRecord] = (),
    ) -> CallTriage | None:
        """The call's triage, or ``None`` for sources that are not calls (body-cam, counter)."""
        p = self.pack
        if transcript.source not in p.sources:
            return None
        hits = self.cues.scan(transcript.utterances, p.scan)
        if p.semantic is not None:
            hits += p.semantic.hits(transcript.utterances, p.scan, hits)
        if p.dialogue is not None:
            hits += p.dialogue.hits(transcript)
        votes = CueSet.scores(hits)
        scores = {c: votes.get(c, 0.0) for c in CALL_CLASSES}
        progress = votes.get("__progress__", 0.0) >= p.progress_threshold
        if progress:
            scores["consult"] += p.progress_weight
        else:
            # the incident's category and risk make a call a report only when the call brings the
            # incident: one asking how an earlier report is going tells the theft again, not anew
            if category.value in p.report_categories:
                scores["report"] += p.report_category_weight
            if set(risk.factors) & set(p.report_risk_factors):
                scores["report"] += p.report_risk_weight
        if category.value in p.consult_categories:
            scores["consult"] += p.consult_category_weight
        rank: dict[str, int] = {str(c): i for i, c in enumerate(p.order)}
        best = sorted(scores.items(), key=lambda kv: (-kv[1], rank.get(kv[0], 99)))[0]
        call_class = best[0] if best[1] >= p.min_score else p.default

        u = p.urgency
        urgency: Urgency = "normal"
        if risk.level in u.urgent_levels or votes.get("__urgent__", 0.0) >= u.urgent_threshold:
            urgency = "urgent"
        elif (
            set(risk.factors) & set(u.important_factors)
            or votes.get("__important__", 0.0) >= u.important_threshold
        ):
            urgency = "important"

        route_key = call_class
        linked: list[str] = []
        if call_class == "consult" and progress:
            route_key = "consult_progress"
            linked = _link(transcript, prior_incidents, category_scores or {})
        route = p.routing[route_key]
        seg_keys = {call_class, "__progress__"} if progress else {call_class}
        seg_ids = list(dict.fromkeys(h.utterance_id for h in hits if h.key in seg_keys))
        return CallTriage(
            call_class=call_class,  # type: ignore[arg-type]
            urgency=urgency,
            routing=route.code,
            routing_zh=route.zh,
            deadline_hours=route.deadline_hours,
            linked_incidents=linked,
            segment_ids=seg_ids,
        )


def _link(
    transcript: Transcript,
    prior: Sequence[IncidentRecord],
    category_scores: Mapping[str, float],
) -> list[str]:
    """Earlier incidents of the same caller, those of a category the call mentions first.

    The caller passes the candidates (from the store); when the current record names a caller, only
    records of that caller count; when it does not, the candidates are taken as the caller's own.
    """
    current = transcript.incident
    caller = current.caller_id if current else None
    out: list[IncidentRecord] = []
    for rec in prior:
        if current is not None and rec.incident_id == current.incident_id:
            continue
        if caller is not None and rec.caller_id != caller:
            continue
        if (
            current is not None
            and current.recorded_at
            and rec.recorded_at
            and rec.recorded_at > current.recorded_at
        ):
            continue
        out.append(rec)
    mentioned = {k for k, v in category_scores.items() if v > 0}
    out.sort(
        key=lambda r: (r.recorded_category not in mentioned, _neg(r.recorded_at), r.incident_id)
    )
    return [r.incident_id for r in out]


def _neg(ts: str | None) -> str:
    """Sort key putting the most recent timestamp first (ISO strings compare in time order)."""
    if not ts:
        return "\uffff"
    return "".join(chr(0xFFFF - ord(c)) for c in ts)
