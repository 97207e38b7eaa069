"""The triage queue, an incident's evidence view, and bulk import of case-system records."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import TypeAdapter, ValidationError

from .. import audit, crud, review, tasksheets
from ..deps import CtxDep, CurrentIngest, CurrentReader, SessionDep, client_ip, unit_scope
from ..models import RANK_SEVERITY_NAMES, Recording, TaskSheet
from ..schemas import (
    CaseRecordIn,
    ImportResult,
    IncidentDetail,
    IncidentsPublic,
    IncidentSummary,
    Level,
    Line,
    Problem,
    ReviewStatus,
    Source,
    Status,
    UtcTime,
)

router = APIRouter(prefix="/incidents", tags=["incidents"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}
_RECORDS = TypeAdapter(list[CaseRecordIn])
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": CaseRecordIn.model_json_schema()}
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_import(body: bytes, content_type: str) -> list[CaseRecordIn]:
    """Case records from a JSON list (or ``{"records": [...]}``) or a CSV with a header row.

    Every way the body can be wrong is an HTTPException with a 4xx status and a short reason: not
    UTF-8, malformed CSV (a field over the csv module's 128 KiB limit, a NUL byte), malformed,
    over-deep or non-finite JSON, the wrong shape, an invalid record, a repeated incident id.
    """
    ctype = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(status_code=422, detail="body is not UTF-8") from None
    if ctype == "text/csv":
        try:
            rows: Any = [
                {k: (v if v != "" else None) for k, v in row.items() if k is not None}
                for row in csv.DictReader(io.StringIO(text))
            ]
        except csv.Error as e:
            raise HTTPException(status_code=422, detail=f"malformed CSV: {e}") from None
    elif ctype in ("application/json", ""):
        try:
            rows = json.loads(text, parse_constant=_no_constant)
        except RecursionError:
            raise HTTPException(status_code=422, detail="JSON is nested too deeply") from None
        except ValueError:  # JSONDecodeError, NaN/Infinity
            raise HTTPException(status_code=422, detail="body is not valid JSON") from None
        if isinstance(rows, dict) and isinstance(rows.get("records"), list):
            rows = rows["records"]
    else:
        raise HTTPException(status_code=415, detail="send application/json or text/csv")
    if not isinstance(rows, list) or not rows:
        raise HTTPException(status_code=422, detail="expected a non-empty list of records")
    try:
        records = _RECORDS.validate_python(rows)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HTTPException(
            status_code=422, detail=f"invalid record at {where}: {first['msg']}"[:500]
        ) from None
    except RecursionError:
        raise HTTPException(status_code=422, detail="JSON is nested too deeply") from None
    ids = [r.incident_id for r in records]
    if len(set(ids)) != len(ids):
        raise HTTPException(status_code=422, detail="duplicate incident_id in one import")
    return records


@router.post(
    ":import",
    response_model=ImportResult,
    openapi_extra=_IMPORT_BODY,
    responses={**_ERRORS, 413: {"model": Problem}, 415: {"model": Problem}},
)
async def import_incidents(
    request: Request, ctx: CtxDep, session: SessionDep, user: CurrentIngest
) -> ImportResult:
    """Bulk-load case records (JSON list or CSV with a header row); relinks waiting recordings."""
    limit = ctx.settings.IMPORT_MAX_BYTES
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail="import exceeds the size limit")
    records = parse_import(bytes(body), request.headers.get("content-type", ""))
    result = crud.import_case_records(
        session=session, records=records, buffer_s=ctx.settings.LINK_BUFFER_SECONDS
    )
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="incidents.import",
        resource="incidents",
        ip=client_ip(request),
        detail=result.model_dump(),
    )
    session.commit()
    return result


def _summary(rec: Recording, sheet: TaskSheet | None = None) -> IncidentSummary:
    return IncidentSummary(
        id=rec.id,
        analysis_id=rec.analysis_id,
        source=rec.source,  # type: ignore[arg-type]
        unit=rec.unit,
        officer=rec.officer,
        recorded_at=rec.recorded_at,
        incident_id=rec.incident_id,
        status=rec.status,  # type: ignore[arg-type]
        risk_level=rec.risk_level,  # type: ignore[arg-type]
        risk_score=rec.risk_score,
        max_severity=RANK_SEVERITY_NAMES.get(rec.max_severity_rank),  # type: ignore[arg-type]
        flag_count=rec.flag_count,
        flag_codes=[c for c in rec.flag_codes.split(",") if c],
        review_status=rec.review_status,  # type: ignore[arg-type]
        duration=rec.duration,
        task_sheet_id=sheet.id if sheet else None,
        task_sheet_state=sheet.state if sheet else None,  # type: ignore[arg-type]
        task_sheet_overdue=bool(sheet and sheet.overdue),
    )


@router.get("", response_model=IncidentsPublic, responses=_ERRORS)
def list_incidents(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    user: CurrentReader,
    unit: Annotated[Line | None, Query(max_length=128)] = None,
    source: Source | None = None,
    officer: Annotated[str | None, Query(max_length=64)] = None,
    flag: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Z_]+$")] = None,
    severity: Annotated[Level | None, Query(description="at least this flag severity")] = None,
    risk_level: Level | None = None,
    review_status: ReviewStatus | None = None,
    status: Status = "done",
    recorded_from: UtcTime | None = None,
    recorded_to: UtcTime | None = None,
    overdue: Annotated[
        bool | None, Query(description="only incidents whose task sheet is (not) overdue")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> IncidentsPublic:
    """The triage queue: highest risk, then highest flag severity, newest first; keyset-paginated."""
    scope = unit_scope(user)
    if scope is not None:
        if unit is not None and unit != scope:
            raise HTTPException(status_code=403, detail="unit not permitted")
        unit = scope
    size = min(limit or ctx.settings.PAGE_SIZE_DEFAULT, ctx.settings.PAGE_SIZE_MAX)
    filters = crud.QueueFilter(
        unit=unit,
        source=source,
        officer=officer,
        flag=flag,
        severity=severity,
        risk_level=risk_level,
        review_status=review_status,
        status=status,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
        sheet_overdue=overdue,
    )
    try:
        rows, nxt = crud.list_incidents(session=session, filters=filters, cursor=cursor, limit=size)
    except ValueError:
        raise HTTPException(status_code=400, detail="invalid cursor") from None
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="incidents.list",
        resource="incidents",
        ip=client_ip(request),
        detail={"unit": unit, "count": len(rows), "ids": [str(r.id) for r in rows]},
    )
    session.commit()
    sheets = tasksheets.sheets_by_id(
        session=session, ids=[r.task_sheet_id for r in rows if r.task_sheet_id is not None]
    )
    data = [_summary(r, sheets.get(r.task_sheet_id) if r.task_sheet_id else None) for r in rows]
    return IncidentsPublic(data=data, count=len(rows), next_cursor=nxt)


@router.get(
    "/{incident_id}",
    response_model=IncidentDetail,
    responses={**_ERRORS, 404: {"model": Problem}, 409: {"model": Problem}},
)
def read_incident(
    request: Request, incident_id: uuid.UUID, ctx: CtxDep, session: SessionDep, user: CurrentReader
) -> IncidentDetail:
    """Everything to check a recording's flags: transcript, evidence, media URLs at each flag."""
    rec = review.visible_incident(session=session, user=user, incident_id=incident_id)
    detail = review.incident_detail(ctx=ctx, session=session, rec=rec, user=user)
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="incident.read",
        resource=f"incidents/{rec.id}",
        ip=client_ip(request),
    )
    session.commit()
    return detail
