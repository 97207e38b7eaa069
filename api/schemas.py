"""Request and response bodies of the review API (pydantic), named as in the FastAPI template:
``XBase``/``XCreate``/``XPublic``/``XsPublic``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from detectors.types import Source as Source  # re-exported: the API's sources are the product's

Role = Literal["reviewer", "chief", "admin", "ingest"]
Status = Literal["queued", "running", "done", "failed"]
ReviewStatus = Literal["clear", "unreviewed", "in_review", "reviewed", "escalated"]
Level = Literal["low", "medium", "high"]
Verdict = Literal["confirm", "dismiss", "escalate"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error response."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class UserCreate(_In):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=256)
    role: Role
    unit: str | None = Field(default=None, max_length=128)


class UserPublic(_Out):
    id: uuid.UUID
    username: str
    role: Role
    unit: str | None
    is_active: bool
    created_at: datetime


class ApiKeyCreate(_In):
    name: str = Field(default="", max_length=64)


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    name: str
    key: str = Field(description="shown once; only its hash is stored")


class RecordingPublic(_Out):
    id: uuid.UUID
    analysis_id: str | None
    source: Source
    unit: str | None
    officer: str | None
    recorded_at: datetime
    declared_incident_id: str | None
    incident_id: str | None
    link_method: str | None
    media_key: str | None
    filename: str | None
    size_bytes: int | None
    sha256: str | None
    status: Status
    reason: str | None
    attempts: int
    document_key: str | None
    created_at: datetime


class CaseRecordIn(BaseModel):
    """One case-system record as in shared/eval's ``incident`` plus when and who called."""

    model_config = ConfigDict(extra="allow")

    incident_id: str = Field(min_length=1, max_length=64)
    unit: str | None = Field(default=None, max_length=128)
    officer_id: str | None = Field(default=None, max_length=64)
    recorded_category: str | None = Field(default=None, max_length=32)
    recorded_disposition: str | None = Field(default=None, max_length=32)
    recorded_at: AwareDatetime | None = None
    caller_id: str | None = Field(default=None, max_length=64)


class ImportResult(BaseModel):
    created: int
    updated: int
    relinked: int = Field(description="recordings linked or relinked by this import")


class IncidentSummary(_Out):
    """One row of the triage queue: a recording's analysis."""

    id: uuid.UUID
    analysis_id: str | None
    source: Source
    unit: str | None
    officer: str | None
    recorded_at: datetime
    incident_id: str | None
    status: Status
    risk_level: Level | None
    risk_score: float
    max_severity: Level | None
    flag_count: int
    flag_codes: list[str]
    review_status: ReviewStatus
    duration: float | None


class IncidentsPublic(BaseModel):
    data: list[IncidentSummary]
    count: int
    next_cursor: str | None


class DecisionPublic(_Out):
    id: uuid.UUID
    flag_id: uuid.UUID
    verdict: Verdict
    reason_code: str | None
    comment: str | None
    username: str
    created_at: datetime


class FlagPublic(BaseModel):
    id: uuid.UUID
    flag_key: str
    code: str
    rule_id: str
    rule_version: str
    severity: Level
    confidence: float
    start: float
    end: float
    quote: str
    speaker: str | None
    role: str | None
    explanation_zh: str
    explanation_en: str
    evidence: dict[str, Any]
    media_url: str | None = Field(description="media URL with the flag's start as #t=")
    latest_verdict: Verdict | None
    decisions: list[DecisionPublic]


class KeyframePublic(BaseModel):
    time: float
    reason: str
    url: str | None


class IncidentDetail(BaseModel):
    recording: RecordingPublic
    case_record: CaseRecordIn | None
    status: Status
    review_status: ReviewStatus
    media_url: str | None
    speakers: list[dict[str, Any]]
    transcript: list[dict[str, Any]]
    flags: list[FlagPublic]
    summary: dict[str, Any] | None
    risk: dict[str, Any] | None
    category: dict[str, Any] | None
    disposition: dict[str, Any] | None
    call: dict[str, Any] | None
    tags: list[dict[str, Any]]
    keyframes: list[KeyframePublic]
    video_events: list[dict[str, Any]]
    pipeline: dict[str, Any] | None
    warnings: list[str]


class DecisionCreate(_In):
    verdict: Verdict
    reason_code: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, max_length=4000)


class RulePrecision(BaseModel):
    rule_id: str
    code: str
    window_start: datetime
    window_end: datetime
    confirmed: int
    dismissed: int
    escalated: int
    precision: float | None = Field(description="confirmed / (confirmed + dismissed)")


class RuleMetricsPublic(BaseModel):
    window: str
    data: list[RulePrecision]
    count: int


class AuditVerifyPublic(BaseModel):
    ok: bool
    events: int
    first_bad_seq: int | None
    reason: str | None


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)
