"""What a reviewer does with an incident, shared by the JSON routes and the reviewer pages: find an
incident the caller may see, assemble its evidence view, record a verdict on one of its flags.

These helpers raise ``HTTPException`` with the same fixed texts both front ends report, so the pages
and the API cannot drift apart in who may see what or which verdicts are accepted.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, crud, tasksheets
from .context import AppContext
from .deps import can_see, unit_scope
from .models import CaseRecord, Decision, Flag, Recording, User
from .schemas import (
    CaseRecordIn,
    DecisionCreate,
    DecisionPublic,
    FlagPublic,
    IncidentDetail,
    KeyframePublic,
    RecordingPublic,
    SupersededFlagPublic,
)
from .storage import load_document, media_url


def visible_incident(*, session: Session, user: User, incident_id: uuid.UUID) -> Recording:
    """The recording, or 404 when it does not exist or lies outside the caller's unit (a chief
    learns nothing about other units, not even that an id exists)."""
    rec = session.get(Recording, incident_id)
    scope = unit_scope(user)
    if rec is None or (scope is not None and rec.unit != scope):
        raise HTTPException(status_code=404, detail="incident not found")
    return rec


def incident_detail(
    *, ctx: AppContext, session: Session, rec: Recording, user: User
) -> IncidentDetail:
    """Everything to check a recording's flags: transcript, evidence, media URLs at each flag."""
    doc = load_document(ctx.store, rec.document_key) if rec.document_key else None
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


def decide(
    *,
    ctx: AppContext,
    session: Session,
    user: User,
    flag_id: uuid.UUID,
    body: DecisionCreate,
    ip: str | None,
    via: str = "api",
) -> tuple[Decision, Flag, Recording]:
    """Validate and append one verdict, audit it and commit; returns it with its flag and recording.

    A dismissal needs a reason (the schema's enum); a flag of an older analysis is refused. The
    audit event seals the decision row (a MAC over its fields), so later edits are detectable.
    Confirming a code listed under the task-sheet triggers opens a sheet for the incident if it has
    none (in the same transaction).
    """
    flag = session.get(Flag, flag_id)
    rec = session.get(Recording, flag.recording_id) if flag else None
    if flag is None or rec is None or not can_see(user, rec.unit):
        raise HTTPException(status_code=404, detail="flag not found")
    if body.verdict == "dismiss":
        if body.reason_code is None:
            raise HTTPException(status_code=422, detail="dismiss needs a reason_code")
    elif body.reason_code is not None:
        raise HTTPException(status_code=422, detail="reason_code is only for dismiss")
    if not flag.current:
        raise HTTPException(status_code=409, detail="flag superseded by a newer analysis")
    decision = crud.record_decision(session=session, flag=flag, recording=rec, user=user, body=body)
    trigger = tasksheets.decision_trigger(ctx.sheets, code=flag.code, verdict=body.verdict)
    if trigger and tasksheets.sheet_for_incident(session=session, recording=rec) is None:
        tasksheets.create_sheet(
            session=session,
            config=ctx.sheets,
            recording=rec,
            doc=load_document(ctx.store, rec.document_key),
            triggers=[trigger],
            actor=tasksheets.SYSTEM_ACTOR,
        )
    detail: dict[str, Any] = {
        "decision": str(decision.id),
        "verdict": body.verdict,
        "reason_code": decision.reason_code,
        "recording": str(rec.id),
        "digest": audit.seal_decision(session, decision),
    }
    if via != "api":
        detail["via"] = via
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="flag.decision",
        resource=f"flags/{flag.id}",
        ip=ip,
        detail=detail,
    )
    session.commit()
    return decision, flag, rec
