"""Audit-log verification (admin): recompute the keyed chain, check its tip against the anchor and
the decisions against their seals, and report the first break (``vigil audit verify`` does the same
from the command line)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .. import audit
from ..deps import CurrentAdmin, SessionDep, client_ip
from ..schemas import AuditVerifyPublic, Problem

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get(
    "/verify",
    response_model=AuditVerifyPublic,
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)
def verify_audit(request: Request, session: SessionDep, admin: CurrentAdmin) -> AuditVerifyPublic:
    report = audit.verify_chain(session)
    audit.append(
        session,
        actor=admin.username,
        role=admin.role,
        action="audit.verify",
        resource="audit",
        ip=client_ip(request),
        detail={"ok": report.ok, "events": report.events, "decisions": report.decisions},
    )
    session.commit()
    return AuditVerifyPublic(
        ok=report.ok,
        events=report.events,
        decisions=report.decisions,
        first_bad_seq=report.first_bad_seq,
        reason=report.reason,
    )
