"""Query strings and forms of the pages, validated with pydantic like the API's bodies.

HTML forms send an empty string for "any"; these models read that as "no filter". Dates are calendar
days in the station's time zone (``WEB_TIMEZONE``), turned into the UTC instants the queue filters on.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..crud import QueueFilter
from ..schemas import Level, ReviewStatus, Source


class QueueQuery(BaseModel):
    """The queue page's filters, as in its URL (so a filtered queue can be bookmarked and shared)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    unit: str | None = Field(default=None, max_length=128)
    source: Source | None = None
    flag: str | None = Field(default=None, max_length=40, pattern=r"^[A-Z_]+$")
    risk_level: Level | None = None
    review_status: ReviewStatus | None = None
    officer: str | None = Field(default=None, max_length=64)
    date_from: date | None = None
    date_to: date | None = None
    cursor: str | None = Field(default=None, max_length=512)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def to_filter(self, zone: ZoneInfo, unit: str | None) -> QueueFilter:
        """The crud filter; ``unit`` is the one to apply (a chief's own, whatever the URL says)."""
        start = datetime.combine(self.date_from, time(), zone) if self.date_from else None
        end = (
            datetime.combine(self.date_to + timedelta(days=1), time(), zone)
            if self.date_to
            else None
        )
        return QueueFilter(
            unit=unit,
            source=self.source,
            flag=self.flag,
            risk_level=self.risk_level,
            review_status=self.review_status,
            officer=self.officer,
            recorded_from=start,
            recorded_to=end,
        )

    def query_string(self, **changes: Any) -> str:
        """This query as a URL query string, with ``changes`` applied (None removes a key)."""
        values = self.model_dump(mode="json")
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    @classmethod
    def parse(cls, params: Any) -> QueueQuery:
        return cls.model_validate(dict(params))


def first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "input"
    return f"{where}: {err['msg']}"


class DecisionForm(BaseModel):
    """The decision buttons' form; an empty reason means none was chosen."""

    model_config = ConfigDict(extra="ignore")

    verdict: Literal["confirm", "dismiss", "escalate"]
    reason_code: str | None = Field(default=None, max_length=32)
    comment: str | None = Field(default=None, max_length=4000)

    @field_validator("reason_code", "comment", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value


__all__ = ["DecisionForm", "QueueQuery", "first_error"]
