"""The append-only, hash-chained audit log: who read which recording or decided which flag, when,
from where.

Each row's hash covers its own fields and the previous row's hash; the single ``audit_head`` row holds
the tip. Appends lock that row first, so concurrent writers queue instead of forking the chain, and
``verify_chain`` recomputes every link, so an edited, inserted or deleted row is reported by its
sequence number. The database also refuses UPDATE and DELETE on the table (migration triggers).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Result of a verification: ``ok`` or the first sequence number that does not check out."""

    ok: bool
    events: int
    first_bad_seq: int | None
    reason: str | None


def _digest(
    prev_hash: str,
    *,
    seq: int,
    ts: datetime,
    actor: str,
    role: str | None,
    action: str,
    resource: str,
    ip: str | None,
    detail: str,
) -> str:
    body = json.dumps(
        [seq, ts.astimezone(UTC).isoformat(), actor, role, action, resource, ip, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    role: str | None,
    action: str,
    resource: str,
    ip: str | None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event in the caller's transaction (committed together with what it records)."""
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1)
    )
    head = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    seq, prev = int(head.last_seq), str(head.last_hash)
    ts = utcnow()
    detail_json = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    digest = _digest(
        prev,
        seq=seq,
        ts=ts,
        actor=actor,
        role=role,
        action=action,
        resource=resource,
        ip=ip,
        detail=detail_json,
    )
    event = AuditEvent(
        seq=seq,
        ts=ts,
        actor=actor,
        role=role,
        action=action,
        resource=resource,
        ip=ip,
        detail=detail_json,
        prev_hash=prev,
        hash=digest,
    )
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    return event


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute the whole chain; report the first break (edit, insertion, deletion, truncation)."""
    prev, expected_seq, count, last_seq = GENESIS, 1, 0, 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return ChainReport(False, count, expected_seq, "missing event")
            if ev.prev_hash != prev:
                return ChainReport(False, count, ev.seq, "broken link to previous event")
            recomputed = _digest(
                prev,
                seq=ev.seq,
                ts=ev.ts,
                actor=ev.actor,
                role=ev.role,
                action=ev.action,
                resource=ev.resource,
                ip=ev.ip,
                detail=ev.detail,
            )
            if recomputed != ev.hash:
                return ChainReport(False, count, ev.seq, "event content does not match its hash")
            prev, expected_seq, count, last_seq = ev.hash, ev.seq + 1, count + 1, ev.seq
    head = session.execute(select(AuditHead.last_seq, AuditHead.last_hash)).one()
    if int(head.last_seq) != last_seq or head.last_hash != prev:
        return ChainReport(False, count, last_seq + 1, "events after the last one were removed")
    return ChainReport(True, count, None, None)
