"""Request and response bodies of the review API (pydantic), named as in the FastAPI template:
``XBase``/``XCreate``/``XPublic``/``XsPublic``."""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from detectors.types import Source as Source  # re-exported: the API's sources are the product's

Role = Literal["reviewer", "chief", "admin", "ingest"]
Status = Literal["queued", "running", "done", "failed"]
ReviewStatus = Literal[
    "pending", "failed", "clear", "unreviewed", "in_review", "reviewed", "escalated"
]
Level = Literal["low", "medium", "high"]
Verdict = Literal["confirm", "dismiss", "escalate"]
DismissReason = Literal[
    "asr_error", "wrong_speaker", "context_lawful", "quoting_party", "duplicate", "other"
]
DISMISS_REASONS: tuple[str, ...] = get_args(DismissReason)

# Control characters and unpaired surrogates: PostgreSQL refuses NUL, encoders refuse surrogates,
# and neither belongs in a name, a unit or a comment. Bad input is a 422, not a database error.
_BAD_LINE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _one_line(value: str) -> str:
    if _BAD_LINE.search(value):
        raise ValueError("control characters and unpaired surrogates are not allowed")
    return value


def _text(value: str) -> str:
    if _BAD_TEXT.search(value):
        raise ValueError("control characters and unpaired surrogates are not allowed")
    return value


def _utc(value: datetime) -> datetime:
    """Aware times only, converted to UTC, between 1900 and 2200 (years 1 and 9999 with an offset
    cannot even be expressed in UTC)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("time out of range (1900-2200)") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("time out of range (1900-2200)")
    return utc


Line = Annotated[str, AfterValidator(_one_line)]
Text = Annotated[str, AfterValidator(_text)]
UtcTime = Annotated[AwareDatetime, AfterValidator(_utc)]
SheetState = Literal[
    "draft", "reviewed", "issued", "acknowledged", "completed", "verified", "closed", "reopened"
]
SheetAction = Literal["review", "issue", "acknowledge", "complete", "verify", "close", "reopen"]
Urgency = Literal["normal", "important", "urgent"]


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
    password: Line = Field(min_length=10, max_length=256)
    role: Role
    unit: Line | None = Field(default=None, max_length=128)


class UserPublic(_Out):
    id: uuid.UUID
    username: str
    role: Role
    unit: str | None
    is_active: bool
    created_at: datetime


class ApiKeyCreate(_In):
    name: Line = Field(default="", max_length=64)


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
    """One case-system record as in shared/eval's ``incident`` plus when and who called; extra
    fields are kept (flat values, at most 64 of them)."""

    model_config = ConfigDict(extra="allow")

    incident_id: Line = Field(min_length=1, max_length=64)
    unit: Line | None = Field(default=None, max_length=128)
    officer_id: Line | None = Field(default=None, max_length=64)
    recorded_category: Line | None = Field(default=None, max_length=32)
    recorded_disposition: Line | None = Field(default=None, max_length=32)
    recorded_at: UtcTime | None = None
    caller_id: Line | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _flat_extras(self) -> CaseRecordIn:
        extra = self.model_extra or {}
        if len(extra) > 64:
            raise ValueError("at most 64 extra fields per record")
        for k, v in extra.items():
            if _BAD_LINE.search(k) or len(k) > 64:
                raise ValueError("extra field names: at most 64 printable characters")
            if not (v is None or isinstance(v, bool | int | float | str)):
                raise ValueError(f"extra field {k!r} must be a string, number, boolean or null")
            if isinstance(v, str) and (_BAD_TEXT.search(v) or len(v) > 4096):
                raise ValueError(f"extra field {k!r}: at most 4096 printable characters")
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"extra field {k!r} is not a finite number")
        return self


class RecordingForm(BaseModel):
    """The text fields of ``POST /recordings`` (multipart), next to the ``file`` part."""

    model_config = ConfigDict(extra="forbid")

    source: Source
    unit: Line = Field(min_length=1, max_length=128)
    officer: Line = Field(min_length=1, max_length=64)
    recorded_at: UtcTime
    incident_id: Line | None = Field(default=None, min_length=1, max_length=64)
    media_key: Line | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        description="an object already in the store (instead of a file); not under a reserved prefix",
    )


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
    task_sheet_id: uuid.UUID | None = None
    task_sheet_state: SheetState | None = None
    task_sheet_overdue: bool = False


class IncidentsPublic(BaseModel):
    data: list[IncidentSummary]
    count: int
    next_cursor: str | None


class DecisionPublic(_Out):
    id: uuid.UUID
    flag_id: uuid.UUID = Field(description="the flag decided (an earlier analysis's, if carried)")
    verdict: Verdict
    reason_code: DismissReason | None
    comment: str | None
    username: str
    created_at: datetime


class FlagPublic(BaseModel):
    id: uuid.UUID
    flag_key: str
    stable_key: str = Field(description="the finding's identity across re-analyses")
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


class SupersededFlagPublic(_Out):
    """A decided flag of an earlier analysis that the current analysis no longer raises."""

    id: uuid.UUID
    code: str
    rule_id: str
    severity: Level
    start: float
    end: float
    quote: str | None
    latest_verdict: Verdict | None
    superseded: bool = True
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
    superseded_flags: list[SupersededFlagPublic] = Field(
        description="decided flags of earlier analyses that the current one no longer raises"
    )
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
    reason_code: DismissReason | None = Field(default=None, description="required for dismiss")
    comment: Text | None = Field(default=None, max_length=4000)


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
    decisions: int = Field(description="decisions checked against their audit seals")
    first_bad_seq: int | None
    reason: str | None


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class Measure(BaseModel):
    """One proposed or edited measure of a task sheet."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z_0-9]+$")
    text: str = Field(min_length=1, max_length=500)
    hours: float | None = Field(default=None, gt=0, le=24 * 365)


class TaskSheetCreate(_In):
    recording_id: uuid.UUID
    note: str | None = Field(default=None, max_length=2000)


class TaskSheetTransition(_In):
    """An action on a sheet. ``issue`` needs ``responsible`` and may replace ``measures`` and the
    deadline; ``complete`` needs ``result``; every action may carry a ``note``."""

    action: SheetAction
    note: str | None = Field(default=None, max_length=2000)
    measures: list[Measure] | None = Field(default=None, max_length=50)
    responsible: str | None = Field(default=None, max_length=128)
    deadline_at: AwareDatetime | None = None
    result: str | None = Field(default=None, max_length=8000)


class TaskSheetSummary(_Out):
    id: uuid.UUID
    recording_id: uuid.UUID
    incident_id: str | None
    unit: str | None
    state: SheetState
    urgency: Urgency
    deadline_at: datetime
    overdue: bool
    overdue_since: datetime | None
    responsible: str | None
    triggers: list[str]
    created_at: datetime
    updated_at: datetime


class TaskSheetEventPublic(_Out):
    action: str
    from_state: SheetState | None
    to_state: SheetState
    actor: str
    note: str | None
    at: datetime


class TaskSheetPublic(TaskSheetSummary):
    content: dict[str, Any]
    measures: list[Measure]
    result: str | None
    reopen_count: int
    created_by: str
    reviewed_at: datetime | None
    issued_at: datetime | None
    acknowledged_at: datetime | None
    completed_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    recordings: list[uuid.UUID] = Field(default_factory=list)
    events: list[TaskSheetEventPublic] = Field(default_factory=list)


class TaskSheetsPublic(BaseModel):
    data: list[TaskSheetSummary]
    count: int
    total: int
