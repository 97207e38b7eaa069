"""What one app instance holds: settings, database, object store, metrics, background services."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from pipeline.config import VigilConfig
from pipeline.scratch import ScratchDir

from .core.config import Settings
from .db import Database
from .tasksheets.config import TaskSheetConfig, load_tasksheet_config
from .throttle import LoginThrottle

logger = logging.getLogger("vigil.api")


@dataclass(slots=True)
class ApiMetrics:
    """Prometheus collectors on a private registry (several apps may live in one test process)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    requests: Counter = field(init=False)
    latency: Histogram = field(init=False)
    uploads: Counter = field(init=False)
    processed: Counter = field(init=False)
    indexed: Counter = field(init=False)
    queue: Gauge = field(init=False)
    sheets: Gauge = field(init=False)
    sheets_overdue: Gauge = field(init=False)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "vigil_api_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "vigil_api_request_seconds", "HTTP request latency", ["method", "route"], registry=r
        )
        self.uploads = Counter("vigil_api_uploads", "accepted recordings", ["source"], registry=r)
        self.processed = Counter(
            "vigil_worker_recordings", "recordings processed by outcome", ["outcome"], registry=r
        )
        self.indexed = Counter("vigil_indexer_documents", "documents indexed", registry=r)
        self.queue = Gauge("vigil_recordings", "recordings by status", ["status"], registry=r)
        self.sheets = Gauge("vigil_task_sheets", "task sheets by state", ["state"], registry=r)
        self.sheets_overdue = Gauge(
            "vigil_task_sheets_overdue",
            "open task sheets past their deadline",
            ["unit"],
            registry=r,
        )


@dataclass(slots=True)
class AppContext:
    settings: Settings
    db: Database
    store: Any
    metrics: ApiMetrics
    pipeline_config: VigilConfig
    scratch: ScratchDir
    throttle: LoginThrottle
    services: list[Any] = field(default_factory=list)
    sheets: TaskSheetConfig = field(default_factory=load_tasksheet_config)
