"""The analysis document: one versioned JSON record per recording, the pipeline's only durable output.

Everything a reviewer, a station chief's task sheet or a batch re-run needs is here, with the evidence
chain intact: the source's SHA-256, the exact pipeline version and config hash, per-stage timings and
every warning raised on the way. The JSON Schema is exported to ``schemas/analysis-document.schema.json``
(``vigil schema``) so consumers outside Python can validate it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from detectors.types import IncidentRecord, Role, Source
from rules.findings import Assessment

SCHEMA_VERSION: Literal["1.0"] = "1.0"

# the document's enums are the detectors' (one list of sources and roles for the whole product)
RoleName = Role
SourceName = Source


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordingMeta(_Doc):
    recording_id: str = Field(
        description="'rec-' + first 16 hex of the source SHA-256: same bytes, same id"
    )
    source: SourceName
    filename: str
    sha256: str
    size_bytes: int
    container: str | None = None
    duration: float
    channels: int
    sample_rate: int = Field(description="native sample rate of the audio stream")
    audio_codec: str | None = None
    has_video: bool = False
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    decode_errors: int = 0
    decode_gap_seconds: float = Field(
        default=0.0, description="audio lost to corrupt packets, replaced by silence to keep timing"
    )
    truncated: bool = Field(
        default=False,
        description="the file ends before its declared duration: only `duration` seconds were "
        "readable and analysed (flagged RECORDING_INCOMPLETE)",
    )
    declared_duration: float | None = Field(
        default=None, description="seconds the container or WAV header declares, when known"
    )
    media_key: str | None = Field(default=None, description="object-store key of the raw media")


# The incident link is the case-system record itself (one definition, in detectors.types).
IncidentLink = IncidentRecord


class SpeakerInfo(_Doc):
    id: str
    role: RoleName
    role_confidence: float = Field(ge=0.0, le=1.0)
    role_cues: list[str] = Field(default_factory=list)
    channel: int | None = None
    speech_seconds: float = 0.0


class WordOut(_Doc):
    start: float
    end: float
    text: str
    probability: float


class ProsodyOut(_Doc):
    loudness_db: float
    pitch_hz: float | None = None
    speech_rate: float | None = None


class SegmentOut(_Doc):
    id: str
    start: float
    end: float
    speaker: str
    role: RoleName | None = None
    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    channel: int | None = None
    words: list[WordOut] = Field(default_factory=list)
    prosody: ProsodyOut | None = None


class KeyframeOut(_Doc):
    time: float
    reason: str = Field(description="'scene_change' or 'flag:<flag id>'")
    key: str = Field(description="object-store key of the JPEG")
    width: int
    height: int


class VideoEventOut(_Doc):
    kind: str
    start: float
    end: float
    confidence: float
    detail: dict[str, Any] = Field(default_factory=dict)


class VideoSection(_Doc):
    sample_fps: float
    frames_analyzed: int
    events: list[VideoEventOut] = Field(default_factory=list)
    keyframes: list[KeyframeOut] = Field(default_factory=list)


class PipelineInfo(_Doc):
    version: str
    config_hash: str
    models: dict[str, str] = Field(default_factory=dict)
    backends: dict[str, str] = Field(default_factory=dict)
    language: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class AnalysisDocument(_Doc):
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    recording: RecordingMeta
    incident: IncidentRecord | None = None
    speakers: list[SpeakerInfo] = Field(default_factory=list)
    segments: list[SegmentOut] = Field(default_factory=list)
    assessment: Assessment | None = None
    video: VideoSection | None = None
    pipeline: PipelineInfo
    timings: dict[str, float] = Field(default_factory=dict, description="stage -> wall seconds")
    warnings: list[str] = Field(default_factory=list)

    @property
    def recording_id(self) -> str:
        return self.recording.recording_id


def document_json_schema() -> dict[str, Any]:
    """The JSON Schema consumers validate against; exported to the repo by ``vigil schema``."""
    return AnalysisDocument.model_json_schema()
