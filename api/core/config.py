"""Review API settings: one pydantic-settings class read from ``VIGIL_API_*`` environment variables.

The analysis thresholds live in the pipeline YAML; these are deployment knobs (where the database is,
how long a token lives, how big an upload may be). Keys come only from the environment or from files
in the data directory: an unset key is generated there once (mode 0600), and a configured key must be
strong in every environment, so no placeholder can ever sign a token (see ``core/keys.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .keys import check_key, load_or_create_key


class Settings(BaseSettings):
    """Everything the API process needs; ``Settings()`` reads ``VIGIL_API_<FIELD>`` variables."""

    model_config = SettingsConfigDict(
        env_prefix="VIGIL_API_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    ENVIRONMENT: Literal["development", "test", "production"] = "development"
    DATA_DIR: str = Field(
        default="var", description="generated keys and the audit anchor live here"
    )
    DATABASE_URL: str = "sqlite:///var/vigil.db"
    SECRET_KEY: str = Field(
        default="",
        description="signs tokens and media URLs; empty: DATA_DIR/secret.key (generated)",
    )
    AUDIT_KEY: str = Field(
        default="", description="keys the audit chain; empty: DATA_DIR/audit.key (generated)"
    )
    AUDIT_ANCHOR_FILE: str = Field(
        default="", description="the audit chain's tip outside the database; empty: DATA_DIR"
    )
    ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=60, ge=1)
    JWT_ALGORITHM: Literal["HS256", "HS384", "HS512"] = "HS256"
    PIPELINE_CONFIG: str | None = Field(
        default=None, description="pipeline YAML; None = configs/default.yaml"
    )
    STORE_URL: str | None = Field(
        default=None, description="None = the pipeline config's store.url"
    )
    MAX_UPLOAD_BYTES: int = Field(default=4 * 1024**3, ge=1)
    SPOOL_DIR: str = "var/spool"
    LINK_BUFFER_SECONDS: float = Field(
        default=1800.0, ge=0.0, description="officer+time linking window around a case record"
    )
    MEDIA_URL_TTL_SECONDS: int = Field(
        default=300, ge=10, le=3600, description="media URLs are bound to one user and short-lived"
    )
    PUBLIC_BASE_URL: str = Field(default="", description="prefix for self-signed media URLs")
    RETRY_AFTER_SECONDS: int = Field(default=30, ge=1)
    PAGE_SIZE_DEFAULT: int = Field(default=50, ge=1)
    PAGE_SIZE_MAX: int = Field(default=200, ge=1)
    IMPORT_MAX_BYTES: int = Field(default=50 * 1024**2, ge=1)
    WORKER_ENABLED: bool = True
    WORKER_POLL_SECONDS: float = Field(default=2.0, gt=0.0)
    WORKER_MAX_ATTEMPTS: int = Field(default=3, ge=1)
    WORKER_RETRY_BACKOFF_SECONDS: float = Field(default=30.0, ge=0.0)
    INDEXER_ENABLED: bool = True
    INDEXER_INTERVAL_SECONDS: float = Field(default=30.0, gt=0.0)
    LOGIN_MAX_FAILURES: int = Field(
        default=5, ge=1, description="failed logins per account within the window before lockout"
    )
    LOGIN_MAX_FAILURES_PER_CLIENT: int = Field(
        default=20, ge=1, description="failed logins per client address within the window"
    )
    LOGIN_WINDOW_SECONDS: float = Field(default=900.0, gt=0.0)
    LOGIN_LOCKOUT_SECONDS: float = Field(default=900.0, gt=0.0)
    READY_MIN_FREE_BYTES: int = Field(
        default=256 * 1024**2,
        ge=0,
        description="/readyz fails below this free space (spool, store)",
    )
    TASKSHEETS_CONFIG: str | None = Field(
        default=None,
        description="task-sheet and weekly-report YAML; None = configs/tasksheets.yaml",
    )
    OVERDUE_ENABLED: bool = True
    OVERDUE_INTERVAL_SECONDS: float = Field(default=60.0, gt=0.0)
    WEEKLY_REPORTS_ENABLED: bool = Field(
        default=False, description="write last week's reports into the object store on a schedule"
    )
    WEEKLY_REPORTS_INTERVAL_SECONDS: float = Field(default=3600.0, gt=0.0)
    WEB_SESSION_HOURS: float = Field(
        default=10.0, gt=0.0, le=24.0 * 7, description="reviewer page session lifetime"
    )
    WEB_COOKIE_SECURE: bool | None = Field(
        default=None,
        description="None = Secure unless the page is served over plain HTTP on a loopback host",
    )
    WEB_TIMEZONE: str = Field(
        default="Asia/Shanghai", description="time zone the pages show and read dates in"
    )
    WEB_DEFAULT_LANG: Literal["zh", "en"] = "zh"

    @field_validator("WEB_TIMEZONE")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name, e.g. Asia/Shanghai)"
            ) from None
        return value

    @model_validator(mode="after")
    def _keys(self) -> Settings:
        data = Path(self.DATA_DIR)
        if self.SECRET_KEY:
            check_key("VIGIL_API_SECRET_KEY", self.SECRET_KEY)
        else:
            self.SECRET_KEY = load_or_create_key(data / "secret.key", name="API secret key")
        if self.AUDIT_KEY:
            check_key("VIGIL_API_AUDIT_KEY", self.AUDIT_KEY)
        else:
            self.AUDIT_KEY = load_or_create_key(data / "audit.key", name="audit key")
        if self.AUDIT_KEY == self.SECRET_KEY:
            raise ValueError("VIGIL_API_AUDIT_KEY must differ from VIGIL_API_SECRET_KEY")
        if not self.AUDIT_ANCHOR_FILE:
            self.AUDIT_ANCHOR_FILE = str(data / "audit.anchor")
        return self


def get_settings() -> Settings:
    """Fresh settings from the environment (no module-level cache, so tests can vary them)."""
    return Settings()
