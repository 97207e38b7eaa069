"""The task-sheet and weekly-report configuration (``configs/tasksheets.yaml``), validated at start-up.

Triggers, urgency deadlines and the measures catalogue are station policy, not code: a station that
wants a sheet for every confirmed impatience flag, or a 48-hour call-back, edits the YAML. Unknown keys
and unknown codes are refused so a typo fails when the service starts, not when a sheet is due.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rules.findings import CallClass, FlagCode, RiskLevel, Urgency

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "configs" / "tasksheets.yaml"
URGENCY_RANK: dict[str, int] = {"normal": 1, "important": 2, "urgent": 3}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TriggerConfig(_Strict):
    """When a sheet is created automatically; any one condition is enough."""

    risk_levels: list[RiskLevel] = Field(default_factory=list)
    flag_codes: list[FlagCode] = Field(default_factory=list)
    confirmed_codes: list[FlagCode] = Field(default_factory=list)


class UrgencyConfig(_Strict):
    risk_levels: dict[RiskLevel, Urgency] = Field(default_factory=dict)
    code_urgency: dict[FlagCode, Urgency] = Field(default_factory=dict)
    deadline_hours: dict[Urgency, float]

    @field_validator("deadline_hours")
    @classmethod
    def _every_urgency(cls, v: dict[str, float]) -> dict[str, float]:
        missing = set(URGENCY_RANK) - set(v)
        if missing:
            raise ValueError(f"deadline_hours lacks {', '.join(sorted(missing))}")
        if any(h <= 0 for h in v.values()):
            raise ValueError("deadline_hours must be positive")
        return v


class HistoryConfig(_Strict):
    lookback_days: int = Field(default=180, ge=1)
    max_items: int = Field(default=5, ge=0)
    address_key: str = "address"


class MeasureWhen(_Strict):
    codes: list[FlagCode] = Field(default_factory=list)
    call_classes: list[CallClass] = Field(default_factory=list)
    risk_levels: list[RiskLevel] = Field(default_factory=list)
    earlier_incidents: bool = False


class MeasureSpec(_Strict):
    """One entry of the catalogue; ``text_zh`` may use ``{hours}``."""

    id: str = Field(pattern=r"^[a-z_]+$")
    text_zh: str = Field(min_length=1)
    hours: float | None = Field(default=None, gt=0)
    when: MeasureWhen

    @model_validator(mode="after")
    def _hours_placeholder(self) -> MeasureSpec:
        if "{hours}" in self.text_zh and self.hours is None:
            raise ValueError(f"measure {self.id}: text uses {{hours}} but no hours are set")
        return self


class WeeklyReportConfig(_Strict):
    timezone: str = "Asia/Shanghai"
    top_risk: int = Field(default=10, ge=1, le=100)
    overdue_max: int = Field(default=30, ge=1, le=1000)
    store_prefix: str = Field(default="reports/weekly/", pattern=r"^[A-Za-z0-9_./-]+/$")
    districts: dict[str, list[str]] = Field(default_factory=dict)
    cjk_font: str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    cjk_font_family: str = "Noto Sans CJK SC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}") from e
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class LabelConfig(_Strict):
    """Chinese labels for printing; a code without a label prints as itself."""

    sources: dict[str, str] = Field(default_factory=dict)
    categories: dict[str, str] = Field(default_factory=dict)
    codes: dict[FlagCode, str] = Field(default_factory=dict)
    risk_levels: dict[RiskLevel, str] = Field(default_factory=dict)
    urgency: dict[Urgency, str] = Field(default_factory=dict)


class TaskSheetConfig(_Strict):
    triggers: TriggerConfig
    urgency: UrgencyConfig
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    incident_url: str = "/ui/incidents/{recording_id}?t={start:.1f}"
    measures: list[MeasureSpec]
    weekly_report: WeeklyReportConfig = Field(default_factory=WeeklyReportConfig)
    labels: LabelConfig = Field(default_factory=LabelConfig)

    @model_validator(mode="after")
    def _unique_measures(self) -> TaskSheetConfig:
        ids = [m.id for m in self.measures]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate measure ids: {', '.join(sorted(dup))}")
        try:
            self.incident_url.format(recording_id="x", start=0.0)
        except (KeyError, ValueError, IndexError) as e:
            raise ValueError(f"incident_url: {e}") from e
        return self


def load_tasksheet_config(path: str | Path | None = None) -> TaskSheetConfig:
    """Read and validate the YAML; errors name the file."""
    p = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"task-sheet config not found: {p}") from None
    except yaml.YAMLError as e:
        raise ValueError(f"{p}: invalid YAML: {e}") from None
    try:
        return TaskSheetConfig.model_validate(raw)
    except ValidationError as e:
        raise ValueError(f"{p}: {e}") from None


__all__ = [
    "DEFAULT_PATH",
    "LabelConfig",
    "URGENCY_RANK",
    "MeasureSpec",
    "TaskSheetConfig",
    "WeeklyReportConfig",
    "load_tasksheet_config",
]
