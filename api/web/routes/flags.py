"""Verdicts from the incident page: confirm, dismiss (with a reason from the configured list) or
escalate one flag. The same ``review.decide`` as ``POST /flags/{id}/decision`` validates, appends and
audits it; the answer re-renders the flag's decision panel, the incident's review status and the
queue's unreviewed count, so the reviewer sees the effect at once.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import QueryParams
from starlette.responses import Response

from ... import crud, review
from ...deps import CtxDep, SessionDep, client_ip
from ...models import Flag, Recording
from ...schemas import DISMISS_REASONS, DecisionCreate
from ..forms import DecisionForm, QueueQuery
from ..session import PageSession, page_user
from ..templating import page_context, render
from .incidents import rule_precision
from .queue import scoped_unit

router = APIRouter(prefix="/ui/flags", include_in_schema=False)
Decider = Annotated[PageSession, Depends(page_user("reviewer", "chief", "admin"))]

# the API's fixed refusal texts -> catalogue keys the page shows
REFUSALS = {
    "dismiss needs a reason_code": "decision.need_reason",
    "reason_code is only for dismiss": "decision.reason_only_dismiss",
    "flag superseded by a newer analysis": "decision.superseded",
}


def _queue_query(request: Request) -> QueueQuery:
    """The queue filters of the page the decision came from (htmx names it), for its counts."""
    current = request.headers.get("HX-Current-URL", "")
    try:
        return QueueQuery.parse(QueryParams(urlsplit(current).query))
    except ValidationError:
        return QueueQuery()


@router.post("/{flag_id}/decision")
async def decide(
    request: Request, flag_id: uuid.UUID, ctx: CtxDep, session: SessionDep, ps: Decider
) -> Response:
    form = await request.form()
    error: str | None = None
    status = 200
    try:
        data = DecisionForm.model_validate({k: v for k, v in form.items() if isinstance(v, str)})
        if data.verdict == "dismiss" and data.reason_code not in (None, *DISMISS_REASONS):
            raise HTTPException(status_code=422, detail="unknown reason_code")
        body = DecisionCreate(
            verdict=data.verdict,
            reason_code=data.reason_code if data.verdict == "dismiss" else None,  # type: ignore[arg-type]
            comment=data.comment,
        )
        review.decide(
            ctx=ctx,
            session=session,
            user=ps.user,
            flag_id=flag_id,
            body=body,
            ip=client_ip(request),
            via="web",
        )
    except ValidationError:
        error, status = "decision.invalid", 422
    except HTTPException as e:
        if e.status_code == 404:
            raise
        detail = str(e.detail)
        error = REFUSALS.get(detail, "decision.bad_reason" if "reason_code" in detail else None)
        error, status = error or "decision.invalid", e.status_code
        session.rollback()
    flag = session.get(Flag, flag_id)
    rec = session.get(Recording, flag.recording_id) if flag else None
    if flag is None or rec is None:
        raise HTTPException(status_code=404, detail="flag not found")
    if request.headers.get("HX-Request") != "true":
        # a plain form post (no script): back to the page, the verdict shows there
        return RedirectResponse(f"/ui/incidents/{rec.id}", status_code=303)
    page = page_context(request)
    q = _queue_query(request)
    filters = q.to_filter(page.zone, scoped_unit(ps, q))
    left = crud.review_status_counts(session=session, filters=filters)["unreviewed"]
    decisions = crud.decisions_for(session=session, flags=[flag]).get(flag.id, [])
    precision = rule_precision(session=session, user=ps.user, rule_ids={flag.rule_id})
    return render(
        request,
        "_decision_response.html",
        {
            "flag_id": flag.id,
            "rule_id": flag.rule_id,
            "latest_verdict": flag.latest_verdict,
            "decisions": decisions,
            "precision": precision.get(flag.rule_id),
            "error": error,
            "dismiss_reasons": DISMISS_REASONS,
            "review_status": rec.review_status,
            "unreviewed_left": left,
            "oob": True,
        },
        status_code=status,
        page=page,
    )
