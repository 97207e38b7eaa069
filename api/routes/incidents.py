"""The triage queue, an incident's evidence view, and bulk import of case-system records."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import AwareDatetime, TypeAdapter, ValidationError
from sqlalchemy import select

from pipeline.document import AnalysisDocument

from .. import audit, crud, tasksheets
from ..deps import CtxDep, CurrentIngest, CurrentReader, SessionDep, client_ip, unit_scope
from ..models import RANK_SEVERITY_NAMES, CaseRecord, Flag, Recording, TaskSheet
from ..schemas import (
    CaseRecordIn,
    DecisionPublic,
    FlagPublic,
    ImportResult,
    IncidentDetail,
    IncidentsPublic,
    IncidentSummary,
    KeyframePublic,
    Level,
    Problem,
    RecordingPublic,
    ReviewStatus,
    Source,
    Status,
)
from ..storage import media_url

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


def _parse_import(body: bytes, content_type: str) -> list[CaseRecordIn]:
    ctype = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(status_code=422, detail="body is not UTF-8") from None
    if ctype == "text/csv":
        rows: Any = [
            {k: (v if v != "" else None) for k, v in row.items() if k is not None}
            for row in csv.DictReader(io.StringIO(text))
        ]
    elif ctype in ("application/json", ""):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError:
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
            status_code=422, detail=f"invalid record at {where}: {first['msg']}"
        ) from None
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
    records = _parse_import(bytes(body), request.headers.get("content-type", ""))
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
    unit: Annotated[str | None, Query(max_length=128)] = None,
    source: Source | None = None,
    flag: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Z_]+$")] = None,
    severity: Annotated[Level | None, Query(description="at least this flag severity")] = None,
    risk_level: Level | None = None,
    review_status: ReviewStatus | None = None,
    status: Status = "done",
    recorded_from: AwareDatetime | None = None,
    recorded_to: AwareDatetime | None = None,
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
    "/{incident_id}", response_model=IncidentDetail, responses={**_ERRORS, 404: {"model": Problem}}
)
def read_incident(
    request: Request, incident_id: uuid.UUID, ctx: CtxDep, session: SessionDep, user: CurrentReader
) -> IncidentDetail:
    """Everything to check a recording's flags: transcript, evidence, media URLs at each flag."""
    rec = session.get(Recording, incident_id)
    scope = unit_scope(user)
    if rec is None or (scope is not None and rec.unit != scope):
        raise HTTPException(status_code=404, detail="incident not found")
    doc: AnalysisDocument | None = None
    if rec.document_key:
        raw = ctx.store.get_bytes(rec.document_key)
        doc = AnalysisDocument.model_validate_json(raw)
    flag_rows = session.scalars(
        select(Flag).where(Flag.recording_id == rec.id, Flag.current.is_(True))
    ).all()
    by_key = {f.flag_key: f for f in flag_rows}
    decisions = crud.decisions_for(session=session, flag_ids=[f.id for f in flag_rows])
    record = session.get(CaseRecord, rec.incident_id) if rec.incident_id else None
    settings, store = ctx.settings, ctx.store
    flags: list[FlagPublic] = []
    a = doc.assessment if doc else None
    for f in a.flags if a else []:
        row = by_key.get(f.id)
        if row is None:
            continue
        flags.append(
            FlagPublic(
                id=row.id,
                flag_key=f.id,
                code=f.code,
                rule_id=f.rule_id,
                rule_version=f.rule_version,
                severity=f.severity,
                confidence=f.confidence,
                start=f.start,
                end=f.end,
                quote=f.quote,
                speaker=f.speaker,
                role=f.role,
                explanation_zh=f.explanation_zh,
                explanation_en=f.explanation_en,
                evidence=f.evidence,
                media_url=media_url(store, rec.media_key, settings, user.username, offset=f.start),
                latest_verdict=row.latest_verdict,  # type: ignore[arg-type]
                decisions=[DecisionPublic.model_validate(d) for d in decisions.get(row.id, [])],
            )
        )
    keyframes = [
        KeyframePublic(
            time=k.time, reason=k.reason, url=media_url(store, k.key, settings, user.username)
        )
        for k in (doc.video.keyframes if doc and doc.video else [])
    ]
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="incident.read",
        resource=f"incidents/{rec.id}",
        ip=client_ip(request),
    )
    session.commit()

    def dump(x: Any) -> dict[str, Any] | None:
        return x.model_dump(mode="json") if x is not None else None

    return IncidentDetail(
        recording=RecordingPublic.model_validate(rec),
        case_record=CaseRecordIn.model_validate(crud.case_record_dict(record)) if record else None,
        status=rec.status,  # type: ignore[arg-type]
        review_status=rec.review_status,  # type: ignore[arg-type]
        media_url=media_url(store, rec.media_key, settings, user.username),
        speakers=[s.model_dump(mode="json") for s in doc.speakers] if doc else [],
        transcript=[s.model_dump(mode="json", exclude={"words"}) for s in doc.segments]
        if doc
        else [],
        flags=flags,
        summary=dump(a.summary) if a else None,
        risk=dump(a.risk) if a else None,
        category=dump(a.category) if a else None,
        disposition=dump(a.disposition) if a else None,
        call=dump(a.call) if a else None,
        tags=[t.model_dump(mode="json") for t in a.tags] if a else [],
        keyframes=keyframes,
        video_events=[e.model_dump(mode="json") for e in doc.video.events]
        if doc and doc.video
        else [],
        pipeline=doc.pipeline.model_dump(mode="json") if doc else None,
        warnings=list(doc.warnings) if doc else [],
    )
