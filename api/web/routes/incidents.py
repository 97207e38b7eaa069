"""The incident page: player, transcript in sync, flags with their evidence, the case-system record
beside what the recording shows, summary, risk and tags.

The evidence view is the API's own (``review.incident_detail``); this module only arranges it.
"""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ... import audit, crud, review
from ...deps import READERS, CtxDep, SessionDep, client_ip, unit_scope
from ...models import User, utcnow
from ...schemas import DISMISS_REASONS, FlagPublic
from ..session import PageSession, page_user
from ..templating import page_context, render
from .queue import parse_query, scoped_unit

router = APIRouter(prefix="/ui/incidents", include_in_schema=False)
Reader = Annotated[PageSession, Depends(page_user(*READERS))]
PRECISION_DAYS = 30
SUMMARY_FIELDS = (
    "cause",
    "course",
    "result",
    "conflict_focus",
    "party_demands",
    "officer_measures",
)


@dataclass(frozen=True, slots=True)
class RulePrecision:
    """One rule's verdicts over the last ``PRECISION_DAYS`` days (the ``/metrics/rules`` numbers)."""

    confirmed: int
    dismissed: int
    escalated: int
    precision: float | None


def rule_precision(*, session: Session, user: User, rule_ids: set[str]) -> dict[str, RulePrecision]:
    """Per-rule precision from ``crud.rule_metrics`` with one window spanning the period."""
    if not rule_ids:
        return {}
    until = utcnow() + timedelta(seconds=1)
    rows = crud.rule_metrics(
        session=session,
        since=until - crud.WINDOWS["month"],
        until=until,
        window="month",
        unit=unit_scope(user),
        rule_ids=rule_ids,
    )
    return {
        r["rule_id"]: RulePrecision(r["confirmed"], r["dismissed"], r["escalated"], r["precision"])
        for r in rows
        if r["rule_id"] in rule_ids
    }


def flag_layer(flag: FlagPublic) -> str:
    """Which part of the analysis raised the flag, from the document: a prosody rule carries the
    agitated turns, everything else is named by its rule id's family (``conduct.``, ``video.``...)."""
    if "turns" in flag.evidence:
        return "prosody"
    return flag.rule_id.split(".", 1)[0]


def media_kind(key: str | None) -> str:
    ctype = mimetypes.guess_type(key or "")[0] or ""
    return "video" if ctype.startswith("video/") else "audio"


def unreviewed_left(
    *, session: Session, ps: PageSession, request: Request, zone: Any
) -> tuple[int, str]:
    """How many unreviewed incidents the reviewer's current queue filters still hold, and those
    filters as a query string (for "back to queue" and "next")."""
    q = parse_query(request)
    filters = q.to_filter(zone, scoped_unit(ps, q))
    counts = crud.review_status_counts(session=session, filters=filters)
    return counts["unreviewed"], q.query_string(cursor=None)


@router.get("/{incident_id}")
def incident_page(
    request: Request, incident_id: uuid.UUID, ctx: CtxDep, session: SessionDep, ps: Reader
) -> Response:
    page = page_context(request)
    rec = review.visible_incident(session=session, user=ps.user, incident_id=incident_id)
    detail = review.incident_detail(ctx=ctx, session=session, rec=rec, user=ps.user)
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="incident.read",
        resource=f"incidents/{rec.id}",
        ip=client_ip(request),
        detail={"via": "web"},
    )
    session.commit()
    left, qs = unreviewed_left(session=session, ps=ps, request=request, zone=page.zone)
    precision = rule_precision(
        session=session, user=ps.user, rule_ids={f.rule_id for f in detail.flags}
    )
    page.allow_media([detail.media_url, *(k.url for k in detail.keyframes)])
    flagged: dict[str, list[int]] = {}
    for i, f in enumerate(detail.flags):
        for seg in detail.transcript:
            if seg["start"] < f.end and seg["end"] > f.start:
                flagged.setdefault(seg["id"], []).append(i)
    summary = detail.summary or {}
    return render(
        request,
        "incident.html",
        {
            "rec": rec,
            "d": detail,
            "qs": qs,
            "unreviewed_left": left,
            "precision": precision,
            "layers": [flag_layer(f) for f in detail.flags],
            "media_kind": media_kind(rec.media_key),
            "roles": {s["id"]: s.get("role") for s in detail.speakers},
            "flagged": flagged,
            "seg_start": {s["id"]: s["start"] for s in detail.transcript},
            "summary_items": [(k, summary[k]) for k in SUMMARY_FIELDS if summary.get(k)],
            "dismiss_reasons": DISMISS_REASONS,
        },
        page=page,
    )
