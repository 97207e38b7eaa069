"""What the rules layer says about one recording: flags with evidence, category, disposition, risk,
call triage, tags and a structured summary.

These pydantic models are the contract with the analysis document (``pipeline.document``) and the review
API; the codes they carry are exactly those of the shared vocabulary (``shared/spec/vocabulary.md``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FlagCode = Literal[
    "SPEECH_PROFANITY",
    "SPEECH_THREAT",
    "SPEECH_SHIRKING",
    "SPEECH_IMPATIENT",
    "MISSING_SELF_ID",
    "MISSING_RECORDING_NOTICE",
    "MISSING_RECEIPT",
    "REPORT_NOT_ACCEPTED",
    "CATEGORY_MISMATCH",
    "DISPOSITION_MISMATCH",
    "OFFICER_AGITATION",
    "PHYSICAL_CONFRONTATION",
    "RECORDING_INCOMPLETE",
]
Severity = Literal["low", "medium", "high"]
Category = Literal[
    "theft",
    "fraud",
    "dispute",
    "assault",
    "domestic_violence",
    "traffic",
    "noise",
    "lost_property",
    "help_request",
    "consultation",
    "other",
]
Disposition = Literal["case_accepted", "mediated", "referred", "advised", "no_action", "pending"]
RiskLevel = Literal["low", "medium", "high"]
RiskFactor = Literal[
    "fraud",
    "terror",
    "enterprise",
    "dispute",
    "mental_health",
    "injury",
    "weapon",
    "self_harm",
    "domestic_violence",
    "mass_incident",
]
CallClass = Literal["consult", "complaint", "report", "other"]
Urgency = Literal["normal", "important", "urgent"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Flag(_Model):
    """One finding a reviewer can confirm or dismiss, with everything needed to check it in minutes."""

    id: str = Field(description="stable within the document, e.g. 'flag-003'")
    code: FlagCode
    rule_id: str
    rule_version: str
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)
    segment_ids: list[str] = Field(default_factory=list)
    quote: str = ""
    speaker: str | None = None
    role: Literal["officer", "party", "third_party"] | None = None
    explanation_zh: str
    explanation_en: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class ReviewHint(_Model):
    """Evidence too weak to flag or to dismiss: a reviewer should look (abstention, not a finding).

    Raised where a semantic probability falls just under its threshold, or where a flag's confidence
    fell under the engine's threshold (weak ASR, uncertain roles); the score says how close it was.
    A case-record mismatch the recording itself half supports (``record_partly_supported``: the
    recorded value has a good share of the evidence too) is a question for a reviewer, not a finding.
    A wording the lexicon matched but the semantic layer reads as not meant (``semantic_disagrees``:
    "到时候再立案", an office called 受理中心) is too.
    The optional LLM adjudicator also turns the flags it drops (``llm_dropped``) or sends to review
    (``llm_review``) into hints, so a human still sees every candidate the rules raised.
    """

    code: FlagCode
    rule_id: str
    reason: Literal[
        "semantic_near_threshold",
        "low_confidence",
        "llm_dropped",
        "llm_review",
        "record_partly_supported",
        "semantic_disagrees",
    ]
    score: float = Field(ge=0.0, le=1.0)
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)
    segment_ids: list[str] = Field(default_factory=list)
    quote: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)


class Inference(_Model):
    """A category or disposition read from the recording, compared with the case-system record.

    ``value`` is what the document asserts. Where the recording does not contradict the record (no
    mismatch flag), the record's code stands (``basis`` "record") and the recording's own reading,
    when it differs, is kept in ``inferred``: the officer who wrote the record was there, and a
    document that reads one code while raising no objection to another would leave the reviewer two
    answers to one question. ``confidence`` is then one minus the confidence of that reading."""

    value: str
    confidence: float = Field(ge=0.0, le=1.0)
    recorded: str | None = None
    segment_ids: list[str] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)
    basis: Literal["recording", "record"] = "recording"
    inferred: str | None = Field(
        default=None, description="the recording's own reading, where the record's code stands"
    )


class RiskAssessment(_Model):
    level: RiskLevel
    score: float = Field(ge=0.0)
    factors: list[RiskFactor] = Field(default_factory=list)
    evidence: dict[str, list[str]] = Field(
        default_factory=dict, description="factor -> segment ids that raised it"
    )


class CallTriage(_Model):
    """Phone and dispatch calls: what kind of call, how urgent, and what the station should do next."""

    call_class: CallClass
    urgency: Urgency
    routing: str = Field(description="routing action code, e.g. 'open_case', 'to_instructor'")
    routing_zh: str = ""
    deadline_hours: float | None = None
    linked_incidents: list[str] = Field(default_factory=list)
    segment_ids: list[str] = Field(default_factory=list)


class Tag(_Model):
    dimension: str
    tag: str
    segment_ids: list[str] = Field(default_factory=list)


class SummaryItem(_Model):
    text: str
    segment_ids: list[str] = Field(default_factory=list)


class Summary(_Model):
    """事件结构化: the six fields a station chief reads on a task sheet."""

    method: Literal["extractive", "llm"]
    cause: SummaryItem | None = None
    course: SummaryItem | None = None
    result: SummaryItem | None = None
    conflict_focus: SummaryItem | None = None
    party_demands: SummaryItem | None = None
    officer_measures: SummaryItem | None = None
    model: str | None = None


class AssessmentNote(_Model):
    """Something a reviewer must know about what the assessment could NOT establish.

    Not a flag (nobody did anything wrong): a reading the rules declined to make, with the reason, so
    that an empty field is never mistaken for a finding and a default is never presented as one.
    """

    code: Literal["no_speech", "no_officer_identified"]
    text: str
    reason: str


class Assessment(_Model):
    """The rules layer's whole output for one recording."""

    flags: list[Flag] = Field(default_factory=list)
    review_hints: list[ReviewHint] = Field(default_factory=list)
    category: Inference | None = None
    disposition: Inference | None = None
    risk: RiskAssessment
    call: CallTriage | None = None
    tags: list[Tag] = Field(default_factory=list)
    summary: Summary | None = None
    rule_packs: dict[str, str] = Field(default_factory=dict, description="pack_id -> version used")
    notes: list[AssessmentNote] = Field(default_factory=list)
