"""Per-rule precision from reviewer decisions over time windows: the feedback loop for rule tuning."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from .. import crud
from ..deps import CurrentReader, SessionDep, unit_scope
from ..models import utcnow
from ..schemas import Problem, RuleMetricsPublic, RulePrecision, UtcTime

router = APIRouter(prefix="/metrics", tags=["metrics"])
MAX_WINDOWS = 400


@router.get(
    "/rules",
    response_model=RuleMetricsPublic,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}},
)
def rule_metrics(
    session: SessionDep,
    user: CurrentReader,
    since: UtcTime | None = None,
    until: UtcTime | None = None,
    window: Annotated[Literal["day", "week", "month"], Query()] = "week",
) -> RuleMetricsPublic:
    """precision = confirmed / (confirmed + dismissed), by the latest verdict per flag per window.

    A chief sees only decisions about their own unit's recordings.
    """
    end = until or utcnow()
    start = since or end - timedelta(days=90)
    if start >= end:
        raise HTTPException(status_code=422, detail="since must be before until")
    if (end - start) / crud.WINDOWS[window] > MAX_WINDOWS:
        raise HTTPException(
            status_code=422, detail="too many windows; widen window or narrow range"
        )
    rows = crud.rule_metrics(
        session=session, since=start, until=end, window=window, unit=unit_scope(user)
    )
    data = [RulePrecision(**r) for r in rows]
    return RuleMetricsPublic(window=window, data=data, count=len(data))
