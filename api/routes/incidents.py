"""The triage queue, an incident's evidence view, and bulk import of case-system records."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from pipeline.document import AnalysisDocument

from .. import audit, crud
from ..deps import CtxDep, CurrentIngest, CurrentReader, SessionDep, client_ip, unit_scope
from ..models import RANK_SEVERITY_NAMES, CaseRecord, Flag, Recording
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
    Line,
    Problem,
    RecordingPublic,
    ReviewStatus,
    Source,
    Status,
    SupersededFlagPublic,
    UtcTime,
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


def _summary(rec: Recording) -> IncidentSummary:
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
    )


@router.get("", response_model=IncidentsPublic, responses=_ERRORS)
def list_incidents(
    request: Request,
    ctx: CtxDep,
    session: SessionDep,
    user: CurrentReader,
    unit: Annotated[Line | None, Query(max_length=128)] = None,
    source: Source | None = None,
    flag: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Z_]+$")] = None,
    severity: Annotated[Level | None, Query(description="at least this flag severity")] = None,
    risk_level: Level | None = None,
    review_status: ReviewStatus | None = None,
    status: Status = "done",
    recorded_from: UtcTime | None = None,
    recorded_to: UtcTime | None = None,
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
    return IncidentsPublic(data=[_summary(r) for r in rows], count=len(rows), next_cursor=nxt)


def _load_document(store: Any, key: str) -> AnalysisDocument:
    """The analysis document, or 409 when it is gone or damaged: retrying will not help, a
    reprocess will (an outage of the store is still a 503 from the store's own error)."""
    from pipeline.store import ObjectNotFoundError

    try:
        raw = store.get_bytes(key)
    except ObjectNotFoundError:
        raise HTTPException(
            status_code=409, detail="analysis document is missing; reprocess the recording"
        ) from None
    try:
        return AnalysisDocument.model_validate_json(raw)
    except ValidationError:
        raise HTTPException(
            status_code=409,
            detail="analysis document is unreadable (truncated or corrupt); reprocess the recording",
        ) from None


@router.get(
    "/{incident_id}",
    response_model=IncidentDetail,
    responses={**_ERRORS, 404: {"model": Problem}, 409: {"model": Problem}},
)
def read_incident(
    request: Request, incident_id: uuid.UUID, ctx: CtxDep, session: SessionDep, user: CurrentReader
) -> IncidentDetail:
    """Everything to check a recording's flags: transcript, evidence, media URLs at each flag."""
    rec = session.get(Recording, incident_id)
    scope = unit_scope(user)
    if rec is None or (scope is not None and rec.unit != scope):
        raise HTTPException(status_code=404, detail="incident not found")
    doc = _load_document(ctx.store, rec.document_key) if rec.document_key else None
    flag_rows = session.scalars(
        select(Flag).where(Flag.recording_id == rec.id, Flag.current.is_(True))
    ).all()
    by_key = {f.flag_key: f for f in flag_rows}
    decisions = crud.decisions_for(session=session, flags=flag_rows)
    old = crud.superseded_flags(session=session, recording=rec)
    old_decisions = crud.decisions_for(session=session, flags=old)
    record = session.get(CaseRecord, rec.incident_id) if rec.incident_id else None
    settings = ctx.settings
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
                stable_key=row.stable_key or "",
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
                media_url=media_url(rec.media_key, settings, user.username, offset=f.start),
                latest_verdict=row.latest_verdict,  # type: ignore[arg-type]
                decisions=[DecisionPublic.model_validate(d) for d in decisions.get(row.id, [])],
            )
        )
    keyframes = [
        KeyframePublic(time=k.time, reason=k.reason, url=media_url(k.key, settings, user.username))
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
        media_url=media_url(rec.media_key, settings, user.username),
        speakers=[s.model_dump(mode="json") for s in doc.speakers] if doc else [],
        transcript=[s.model_dump(mode="json", exclude={"words"}) for s in doc.segments]
        if doc
        else [],
        flags=flags,
        superseded_flags=[
            SupersededFlagPublic(
                id=f.id,
                code=f.code,
                rule_id=f.rule_id,
                severity=f.severity,  # type: ignore[arg-type]
                start=f.start,
                end=f.end,
                quote=f.quote,
                latest_verdict=f.latest_verdict,  # type: ignore[arg-type]
                decisions=[DecisionPublic.model_validate(d) for d in old_decisions.get(f.id, [])],
            )
            for f in old
        ],
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
