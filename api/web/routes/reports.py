"""The weekly security report page: pick a week and a unit (a chief: their own) or a district; the
report's tables and charts, and its PDF. The numbers are ``api.reports.build_weekly``'s, as in
``GET /reports/weekly``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from ... import audit
from ...deps import READERS, CtxDep, SessionDep, client_ip, unit_scope
from ...models import utcnow
from ...reports import build_weekly, render_weekly_pdf, with_charts
from ...reports.weekly import WeeklyReport
from ..session import PageSession, page_user
from ..templating import render

router = APIRouter(prefix="/ui/reports", include_in_schema=False)
Reader = Annotated[PageSession, Depends(page_user(*READERS))]


def _build(
    *,
    ctx: CtxDep,
    session: SessionDep,
    ps: PageSession,
    request: Request,
    week: str,
    unit: str | None,
    district: str | None,
    fmt: str,
) -> WeeklyReport:
    scope = unit_scope(ps.user)
    if scope is not None and (district or unit not in (None, "", scope)):
        raise HTTPException(status_code=403, detail="unit not permitted")
    if scope is not None:
        unit = scope
    try:
        report = build_weekly(
            session=session,
            config=ctx.sheets,
            week=week,
            unit=unit or None,
            district=district or None,
        )
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e)) from None
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="report.weekly",
        resource=f"reports/weekly/{report.scope.kind}/{report.scope.name}/{report.week.label}",
        ip=client_ip(request),
        detail={"format": fmt, "via": "web"},
    )
    session.commit()
    return with_charts(report, ctx.sheets)


@router.get("/weekly")
def weekly_page(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    ps: Reader,
    week: str | None = None,
    unit: str | None = None,
    district: str | None = None,
) -> Response:
    """Without a week: the form, with last week preselected."""
    cfg = ctx.sheets.weekly_report
    last = (utcnow().astimezone(cfg.zone) - timedelta(days=7)).isocalendar()
    default_week = f"{last.year}-W{last.week:02d}"
    report = None
    if week:
        report = _build(
            ctx=ctx,
            session=session,
            ps=ps,
            request=request,
            week=week,
            unit=unit,
            district=district,
            fmt="page",
        )
    query = request.url.query
    return render(
        request,
        "weekly_report.html",
        {
            "r": report,
            "week": week or default_week,
            "unit": unit_scope(ps.user) or unit or "",
            "district": district or "",
            "districts": sorted(cfg.districts),
            "chief": unit_scope(ps.user) is not None,
            "pdf_href": f"/ui/reports/weekly.pdf?{query}" if report else None,
            "labels": ctx.sheets.labels,
        },
    )


@router.get("/weekly.pdf")
def weekly_pdf(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    ps: Reader,
    week: str,
    unit: str | None = None,
    district: str | None = None,
) -> Response:
    report = _build(
        ctx=ctx,
        session=session,
        ps=ps,
        request=request,
        week=week,
        unit=unit,
        district=district,
        fmt="pdf",
    )
    return Response(
        render_weekly_pdf(report, ctx.sheets),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{report.week.label}.pdf"'},
    )
