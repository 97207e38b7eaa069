"""The ``batch:`` config section and what a batch run reports."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from detectors.options import SectionOptions
from detectors.types import SOURCES

from ..errors import ConfigError

logger = logging.getLogger("vigil.pipeline")

Hook = Callable[..., None]


class BatchOptions(SectionOptions):
    """The ``batch:`` config section."""

    model_config = ConfigDict(extra="forbid")
    section = "batch"

    address: str | None = Field(description="null: start a local Ray; 'auto' or ray://HOST:PORT")
    workers: int = Field(ge=1, description="actors, each holding one loaded Pipeline")
    num_cpus_per_worker: float = Field(gt=0)
    num_gpus_per_worker: float = Field(ge=0)
    cpu_threads: int | None = Field(
        ge=1, description="threads per actor (ASR, torch, BLAS); null keeps the configured ones"
    )
    thread_keys: list[str] = Field(
        description="dotted config keys set to cpu_threads in each actor (those that exist)"
    )
    max_in_flight_per_worker: int = Field(ge=1, description="queued tasks per actor")
    retries: int = Field(ge=0, description="extra attempts per recording on transient failures")
    retry_backoff_s: float = Field(ge=0)
    max_actor_restarts: int = Field(ge=-1, description="Ray restarts of a crashed actor (-1: any)")
    watch_interval_s: float = Field(gt=0)
    default_source: str = Field(description="source when the raw object carries no 'source' tag")
    media_extensions: list[str]
    object_store_memory_mb: int = Field(ge=80, description="local Ray only")
    work_dir: str | None = Field(
        description="actors' scratch space for downloads; null: system temp"
    )
    progress: bool

    @model_validator(mode="after")
    def _known_source(self) -> BatchOptions:
        if self.default_source not in SOURCES:
            raise ValueError(
                f"default_source {self.default_source!r} is not one of {', '.join(SOURCES)}"
            )
        return self


@dataclass(frozen=True, slots=True)
class BatchFailure:
    """A recording the batch gave up on, and why."""

    key: str
    reason: str
    attempts: int
    permanent: bool


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What one batch run (or one watch pass) did."""

    prefix: str
    started_at: datetime
    processed: int
    skipped: int
    failed: tuple[BatchFailure, ...]
    audio_seconds: float
    wall_seconds: float
    stage_seconds: Mapping[str, float]
    workers: int
    pipeline_version: str
    config_hash: str
    report_key: str | None = None

    @property
    def audio_hours(self) -> float:
        return self.audio_seconds / 3600.0

    @property
    def real_time_factor(self) -> float | None:
        """Wall seconds per audio second (lower is faster); None when nothing was processed."""
        return self.wall_seconds / self.audio_seconds if self.audio_seconds > 0 else None

    @property
    def audio_hours_per_wall_hour(self) -> float | None:
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["started_at"] = self.started_at.isoformat()
        d["failed"] = [asdict(f) for f in self.failed]
        d["stage_seconds"] = dict(self.stage_seconds)
        d["audio_hours"] = round(self.audio_hours, 6)
        d["real_time_factor"] = self.real_time_factor
        d["audio_hours_per_wall_hour"] = self.audio_hours_per_wall_hour
        return d


def parse_since(text: str) -> datetime:
    """``--since``: an ISO date/time (naive = UTC) or a look-back such as ``90m``, ``6h``, ``2d``."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", text)
    if m:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: float(m.group(1))})
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError as e:
        raise ConfigError(
            f"--since {text!r}: use an ISO date/time (2026-03-01T08:00) or 90m / 6h / 2d"
        ) from e
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
