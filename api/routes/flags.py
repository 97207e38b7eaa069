"""Reviewer verdicts on flags: appended, never overwritten, and never written into the analysis."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Request

from .. import audit, crud, tasksheets
from ..deps import CtxDep, CurrentReviewer, SessionDep, can_see, client_ip
from ..models import Decision, Flag, Recording
from ..schemas import DecisionCreate, DecisionPublic, Problem
from ..storage import load_document

router = APIRouter(prefix="/flags", tags=["decisions"])


@router.post(
    "/{flag_id}/decision",
    response_model=DecisionPublic,
    status_code=201,
    responses={
        401: {"model": Problem},
        403: {"model": Problem},
        404: {"model": Problem},
        409: {"model": Problem},
        422: {"model": Problem},
        503: {"model": Problem},
    },
)
def decide_flag(
    request: Request,
    flag_id: uuid.UUID,
    body: DecisionCreate,
    ctx: CtxDep,
    session: SessionDep,
    user: CurrentReviewer,
) -> Decision:
    """confirm | dismiss (with a reason code) | escalate, with an optional comment. Confirming a code
    listed under the task-sheet triggers opens a sheet for the incident if it has none."""
    flag = session.get(Flag, flag_id)
    rec = session.get(Recording, flag.recording_id) if flag else None
    if flag is None or rec is None or not can_see(user, rec.unit):
        raise HTTPException(status_code=404, detail="flag not found")
    if body.verdict == "dismiss":
        if body.reason_code is None:
            raise HTTPException(status_code=422, detail="dismiss needs a reason_code")
        if body.reason_code not in ctx.settings.DISMISS_REASONS:
            raise HTTPException(
                status_code=422,
                detail="unknown reason_code; choose " + ", ".join(ctx.settings.DISMISS_REASONS),
            )
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
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="flag.decision",
        resource=f"flags/{flag.id}",
        ip=client_ip(request),
        detail={
            "decision": str(decision.id),
            "verdict": body.verdict,
            "reason_code": decision.reason_code,
            "recording": str(rec.id),
        },
    )
    session.commit()
    return decision
