"""Review API settings: one pydantic-settings class read from ``VIGIL_API_*`` environment variables.

The analysis thresholds live in the pipeline YAML; these are deployment knobs (where the database is,
how long a token lives, how big an upload may be). Secrets come only from the environment, and a
placeholder secret is refused anywhere but in development so a forgotten variable fails loudly.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "changethis", "secret", "change-me"})


class Settings(BaseSettings):
    """Everything the API process needs; ``Settings()`` reads ``VIGIL_API_<FIELD>`` variables."""

    model_config = SettingsConfigDict(
        env_prefix="VIGIL_API_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    ENVIRONMENT: Literal["development", "test", "production"] = "development"
    DATABASE_URL: str = "sqlite:///var/vigil.db"
    SECRET_KEY: str = "changethis"
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
    DISMISS_REASONS: list[str] = Field(
        default_factory=lambda: [
            "asr_error",
            "wrong_speaker",
            "context_lawful",
            "quoting_party",
            "duplicate",
            "other",
        ]
    )
    MEDIA_URL_TTL_SECONDS: int = Field(default=900, ge=10)
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
    def _refuse_placeholder_secret(self) -> Settings:
        if self.ENVIRONMENT != "development" and self.SECRET_KEY.strip() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "VIGIL_API_SECRET_KEY is a placeholder; set a real secret outside development"
            )
        if self.ENVIRONMENT != "development" and len(self.SECRET_KEY) < 32:
            raise ValueError(
                "VIGIL_API_SECRET_KEY must be at least 32 characters outside development"
            )
        return self


def get_settings() -> Settings:
    """Fresh settings from the environment (no module-level cache, so tests can vary them)."""
    return Settings()
