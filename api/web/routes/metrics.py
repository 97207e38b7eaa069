"""Per-rule precision from reviewers' verdicts: the numbers of ``GET /metrics/rules`` as a table."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from ... import crud
from ...deps import READERS, SessionDep, unit_scope
from ...models import utcnow
from ..session import PageSession, page_user
from ..templating import render

router = APIRouter(prefix="/ui/metrics", include_in_schema=False)
Reader = Annotated[PageSession, Depends(page_user(*READERS))]
DAYS = 90


@router.get("")
def metrics_page(
    request: Request,
    session: SessionDep,
    ps: Reader,
    window: Literal["day", "week", "month"] = "week",
) -> Response:
    until = utcnow() + timedelta(seconds=1)
    rows = crud.rule_metrics(
        session=session,
        since=until - timedelta(days=DAYS),
        until=until,
        window=window,
        unit=unit_scope(ps.user),
    )
    rows.sort(key=lambda r: (r["window_start"], r["rule_id"]), reverse=True)
    return render(
        request,
        "metrics.html",
        {"rows": rows, "window": window, "windows": list(crud.WINDOWS), "days": DAYS},
    )
