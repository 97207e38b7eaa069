"""Reviewer verdicts on flags: appended, never overwritten, and never written into the analysis."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from .. import review
from ..deps import CtxDep, CurrentReviewer, SessionDep, client_ip
from ..models import Decision
from ..schemas import DecisionCreate, DecisionPublic, Problem

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
    """confirm | dismiss (with a reason code) | escalate, with an optional comment."""
    decision, _, _ = review.decide(
        ctx=ctx, session=session, user=user, flag_id=flag_id, body=body, ip=client_ip(request)
    )
    return decision
