"""The triage queue page: filters, counts per review status, keyset pages, "next unreviewed".

Everything is read through the API's own queue functions (``crud.list_incidents``,
``crud.review_status_counts``, ``crud.next_unreviewed``), so the page and ``GET /incidents`` show the
same rows in the same order under the same unit scope.
"""

from __future__ import annotations

import uuid
from typing import Annotated, get_args

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from rules.findings import FlagCode

from ... import audit, crud
from ...deps import READERS, CtxDep, SessionDep, client_ip, unit_scope
from ...models import REVIEW_STATUSES
from ...schemas import Level, Source
from ..forms import QueueQuery, first_error
from ..session import PageSession, page_user
from ..templating import page_context, render

router = APIRouter(prefix="/ui", include_in_schema=False)
Reader = Annotated[PageSession, Depends(page_user(*READERS))]
FLAG_CODES: tuple[str, ...] = get_args(FlagCode)
SOURCES: tuple[str, ...] = get_args(Source)
LEVELS: tuple[str, ...] = get_args(Level)


def parse_query(request: Request) -> QueueQuery:
    try:
        return QueueQuery.parse(request.query_params)
    except ValidationError as e:
        raise HTTPException(status_code=400, detail=first_error(e)) from None


def scoped_unit(ps: PageSession, q: QueueQuery) -> str | None:
    """The unit to filter on: a chief's own (asking for another is refused), else the query's."""
    scope = unit_scope(ps.user)
    if scope is None:
        return q.unit
    if q.unit is not None and q.unit != scope:
        raise HTTPException(status_code=403, detail="unit not permitted")
    return scope


@router.get("/queue")
def queue_page(request: Request, ctx: CtxDep, session: SessionDep, ps: Reader) -> Response:
    page = page_context(request)
    q = parse_query(request)
    unit = scoped_unit(ps, q)
    filters = q.to_filter(page.zone, unit)
    try:
        rows, nxt = crud.list_incidents(
            session=session, filters=filters, cursor=q.cursor, limit=ctx.settings.PAGE_SIZE_DEFAULT
        )
    except ValueError:
        raise HTTPException(status_code=400, detail="invalid cursor") from None
    counts = crud.review_status_counts(session=session, filters=filters)
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="incidents.list",
        resource="incidents",
        ip=client_ip(request),
        detail={"unit": unit, "count": len(rows), "ids": [str(r.id) for r in rows], "via": "web"},
    )
    session.commit()
    partial = request.headers.get("HX-Target") == "queue-view"
    return render(
        request,
        "_queue_view.html" if partial else "queue.html",
        {
            "q": q,
            "rows": rows,
            "next_cursor": nxt,
            "counts": counts,
            "total": sum(counts.values()),
            "review_statuses": REVIEW_STATUSES,
            "flag_codes": FLAG_CODES,
            "sources": SOURCES,
            "levels": LEVELS,
            "chief_unit": unit_scope(ps.user),
        },
        page=page,
    )


@router.get("/next")
def next_unreviewed(
    request: Request, session: SessionDep, ps: Reader, skip: uuid.UUID | None = None
) -> Response:
    """Open the highest-ranked unreviewed incident of the current filters (``skip``: the one the
    reviewer is leaving undecided); back to the queue with a notice when none is left."""
    page = page_context(request)
    q = parse_query(request)
    filters = q.to_filter(page.zone, scoped_unit(ps, q))
    rec = crud.next_unreviewed(session=session, filters=filters, exclude=skip)
    qs = q.query_string(cursor=None, review_status=None)
    if rec is None:
        return RedirectResponse(f"/ui/queue?{qs}&done=1" if qs else "/ui/queue?done=1", 303)
    return RedirectResponse(
        f"/ui/incidents/{rec.id}?{qs}" if qs else f"/ui/incidents/{rec.id}", 303
    )
