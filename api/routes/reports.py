"""The weekly security report (治安周报) for a unit or a district: JSON, HTML or PDF."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, Response

from .. import audit
from ..deps import CtxDep, CurrentReader, SessionDep, client_ip, unit_scope
from ..reports import (
    build_weekly,
    render_weekly_html,
    render_weekly_pdf,
    report_stem,
    with_charts,
)
from ..schemas import Problem

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get(
    "/weekly",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/html": {},
                "application/pdf": {},
            }
        },
        401: {"model": Problem},
        403: {"model": Problem},
        422: {"model": Problem},
        503: {"model": Problem},
    },
)
def weekly_report(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    user: CurrentReader,
    week: Annotated[str, Query(pattern=r"^\d{4}-W\d{2}$", description="ISO week, e.g. 2026-W10")],
    unit: Annotated[str | None, Query(max_length=128)] = None,
    district: Annotated[str | None, Query(max_length=128)] = None,
    format: Literal["json", "html", "pdf"] = "json",
) -> Response:
    """One unit's or one district's week; a chief may ask only for their own unit."""
    scope = unit_scope(user)
    if scope is not None and (district is not None or unit not in (None, scope)):
        raise HTTPException(status_code=403, detail="unit not permitted")
    if scope is not None:
        unit = scope
    try:
        report = build_weekly(
            session=session, config=ctx.sheets, week=week, unit=unit, district=district
        )
    except ValueError as e:
        raise HTTPException(status_code=422, detail=str(e)) from None
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="report.weekly",
        resource=f"reports/weekly/{report.scope.kind}/{report.scope.name}/{report.week.label}",
        ip=client_ip(request),
        detail={"format": format},
    )
    session.commit()
    if format == "json":
        body: Any = report.to_dict()
        from fastapi.responses import JSONResponse

        return JSONResponse(body)
    with_charts(report, ctx.sheets)
    html = render_weekly_html(report, ctx.sheets)
    if format == "html":
        return Response(html, media_type="text/html; charset=utf-8")
    return Response(
        render_weekly_pdf(report, ctx.sheets),
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="weekly-report.pdf"; '
            f"filename*=UTF-8''{quote(report_stem(report))}.pdf"
        },
    )
