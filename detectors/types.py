"""Plain result records shared by the detectors, the rules layer and the pipeline.

These are the only types the rules layer may import from ``detectors``: rules stay pure functions of a
:class:`Transcript`, so they can be evaluated on scripted text without any model loaded.
Time is float seconds from the start of the source media.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, get_args

Role = Literal["officer", "party", "third_party"]
Source = Literal["bodycam", "counter", "phone", "dispatch"]

# the one list of roles and of sources; every other layer imports these
ROLES: tuple[Role, ...] = get_args(Role)
SOURCES: tuple[Source, ...] = get_args(Source)


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Segment:
    """One ASR segment on the original media timeline (VAD trimming already mapped back)."""

    id: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    channel: int | None = None

    @property
    def confidence(self) -> float:
        """Mean word probability, or exp(avg_logprob) when words are absent."""
        if self.words:
            return sum(w.probability for w in self.words) / len(self.words)
        return float(min(1.0, math.exp(self.avg_logprob)))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["confidence"] = self.confidence
        return d


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """Who spoke when: one diarization turn."""

    start: float
    end: float
    speaker: str
    channel: int | None = None
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SpeakerRole:
    """The role decided for one diarized speaker, with the cues that decided it."""

    speaker: str
    role: Role
    confidence: float
    cues: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Prosody:
    """Acoustic delivery of one utterance; compared against the same speaker's baseline.

    ``loudness_db`` is RMS level in dBFS of the voiced frames, ``pitch_hz`` the median F0 of voiced frames
    (``None`` when nothing was voiced), ``speech_rate`` characters of transcript per second of speech.
    """

    loudness_db: float
    pitch_hz: float | None
    speech_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Utterance:
    """The unit the rules read: one speaker's stretch of speech with its role attached.

    ``id`` is stable within a recording (``"seg-0007"``) and is what flags cite as evidence.
    ``asr_confidence`` and ``role_confidence`` lower the confidence of any flag built on this utterance.
    ``semantics`` holds the semantic heads' probabilities (label, p), sorted by label.
    ``clauses`` holds, for the heads read clause by clause as well (``semantic.clause_heads``), each
    label's strongest clause of a multi-clause utterance: (label, p, clause text), sorted by label.
    """

    id: str
    start: float
    end: float
    speaker: str
    role: Role | None
    text: str
    asr_confidence: float = 1.0
    role_confidence: float = 1.0
    channel: int | None = None
    prosody: Prosody | None = None
    style: str | None = None
    semantics: tuple[tuple[str, float], ...] = ()
    clauses: tuple[tuple[str, float, str], ...] = ()

    def semantic(self, label: str) -> float:
        """The probability a semantic head gave ``label`` (``"conduct.SPEECH_THREAT"``), 0 if none.

        Filled by :class:`detectors.semantic.SemanticDetector`; scripted text without it reads 0.
        """
        for key, p in self.semantics:
            if key == label:
                return p
        return 0.0

    def clause(self, label: str) -> tuple[float, str]:
        """The strongest clause reading of ``label`` and that clause's text; (0, "") if none."""
        for key, p, text in self.clauses:
            if key == label:
                return p, text
        return 0.0, ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """A case-system (警情/案件) record as imported; the recording is checked against it.

    The analysis document embeds it as is (``AnalysisDocument.incident``): pydantic validates this
    dataclass directly, strictly (``__pydantic_config__``), so its fields are declared only here.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    incident_id: str
    unit: str | None = None
    officer_id: str | None = None
    recorded_category: str | None = None
    recorded_disposition: str | None = None
    recorded_at: str | None = None
    caller_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IncidentRecord:
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        if not data.get("incident_id"):
            raise ValueError("incident record needs a non-empty 'incident_id'")
        return cls(
            **{k: data[k] for k in known if k in data},
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class VideoEvent:
    """Something the picture shows that the rules layer may use (e.g. visitor left with no officer).

    ``kind`` is a detector-level name (``"visitor_unattended"``, ``"visitor_left"``, ``"confrontation"``,
    ``"black_frames"``...), not a vocabulary code; the rules decide which code, if any, it supports.
    """

    kind: str
    start: float
    end: float
    confidence: float
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Transcript:
    """Everything the rules layer needs about one recording, and nothing model-specific."""

    recording_id: str
    source: Source
    duration: float
    utterances: tuple[Utterance, ...]
    incident: IncidentRecord | None = None
    video_events: tuple[VideoEvent, ...] = ()
    diarization_confidence: float = 1.0
    lang: str = "zh"
    semantics: tuple[tuple[str, float], ...] = ()
    """The dialogue-level heads' probabilities (``"dialogue_disposition.referred"``, p), sorted by
    label: the outcome of an encounter is read from the whole exchange, not from one sentence."""

    def semantic(self, label: str) -> float:
        """The probability a dialogue head gave ``label``, 0 if none (or no semantic layer)."""
        for key, p in self.semantics:
            if key == label:
                return p
        return 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
