"""The append-only, keyed audit log: who read which recording or decided which flag, when, from where.

Each row carries an HMAC-SHA256 over its own fields and the previous row's MAC, under a key that is
never stored in the database (``VIGIL_API_AUDIT_KEY`` or ``DATA_DIR/audit.key``). Someone with write
access to the database can therefore neither edit a row and recompute the chain nor forge new rows.
Two more things close the remaining gaps:

* **Truncation.** Deleting the newest rows and rewinding ``audit_head`` would leave a chain that is
  consistent in itself, so the tip is also written *outside* the database after every commit: the
  anchor file (``DATA_DIR/audit.anchor``), MAC'd with the same key. A chain that ends before the
  anchored sequence number, or disagrees with it, fails verification.
* **Decisions.** A reviewer's decision row is sealed by its audit event: the event's detail holds a
  MAC over the decision's fields, so editing, deleting or inserting decisions behind the API's back
  is reported as well.

Appends lock the single ``audit_head`` row first, so concurrent writers queue instead of forking the
chain. Rows written before the key existed (scheme ``sha256``) are accepted only as a prefix of the
chain; the first keyed row's MAC covers the last of them, so they are protected from then on.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from pipeline.faults import crash_point

from .models import AuditEvent, AuditHead, Decision, utcnow

logger = logging.getLogger("vigil.api")

GENESIS = "0" * 64
SCHEME_LEGACY = "sha256"
SCHEME_KEYED = "hmac-sha256"
_PENDING = "vigil_audit_pending"
_KEYS = "vigil_audit_keys"


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """The chain's MAC key and where its anchor lives (None: no anchor, e.g. a one-off script)."""

    key: bytes
    anchor: Path | None


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Result of a verification: ``ok`` or the first problem found, with its sequence number."""

    ok: bool
    events: int
    first_bad_seq: int | None
    reason: str | None
    decisions: int = 0


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    legacy_until: int


# -- keys on sessions ----------------------------------------------------------------------------


def session_info(keys: AuditKeys) -> dict[str, Any]:
    """The ``Session.info`` entries that let :func:`append` find the key."""
    return {_KEYS: keys}


def bind(maker: sessionmaker[Session], keys: AuditKeys) -> None:
    """Write the anchor after each commit of ``maker``'s sessions that appended events."""

    def after_commit(session: Session) -> None:
        pending = session.info.pop(_PENDING, None)
        if pending and keys.anchor is not None:
            crash_point("audit.before_anchor")  # rows committed, anchor not yet advanced
            seq, digest = max(pending)
            try:
                advance_anchor(keys, seq, digest)
            except OSError as e:  # the rows are committed; a stale anchor is only behind
                logger.error("audit anchor %s not advanced to seq %d: %s", keys.anchor, seq, e)

    def after_rollback(session: Session) -> None:
        session.info.pop(_PENDING, None)

    event.listen(maker, "after_commit", after_commit)
    event.listen(maker, "after_rollback", after_rollback)


def _keys(session: Session) -> AuditKeys:
    keys = session.info.get(_KEYS)
    if not isinstance(keys, AuditKeys):
        raise RuntimeError(
            "this session has no audit key: open it through api.db.Database(audit_keys=)"
        )
    return keys


# -- MACs ----------------------------------------------------------------------------------------


def _mac(key: bytes | None, prev_hash: str, body: str) -> str:
    msg = f"{prev_hash}\n{body}".encode()
    if key is None:
        return hashlib.sha256(msg).hexdigest()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def _body(ev: Any) -> str:
    """The MAC'd fields of an event (a dict being written, or a row being verified)."""

    def get(name: str) -> Any:
        return ev[name] if isinstance(ev, dict) else getattr(ev, name)

    ts: datetime = get("ts")
    return json.dumps(
        [
            get("seq"),
            ts.astimezone(UTC).isoformat(),
            get("actor"),
            get("role"),
            get("action"),
            get("resource"),
            get("ip"),
            get("detail"),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decision_digest(key: bytes, d: Decision) -> str:
    """A MAC over everything a decision row says; stored in its audit event."""
    body = json.dumps(
        [
            str(d.id),
            str(d.flag_id),
            str(d.recording_id),
            d.rule_id,
            d.code,
            d.unit,
            d.verdict,
            d.reason_code,
            d.comment,
            str(d.user_id),
            d.username,
            d.created_at.astimezone(UTC).isoformat(),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(key, f"decision\n{body}".encode(), hashlib.sha256).hexdigest()


def _anchor_mac(key: bytes, a: Anchor) -> str:
    msg = f"anchor\n{a.seq}\n{a.hash}\n{a.legacy_until}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


# -- appending -----------------------------------------------------------------------------------


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
    keys = _keys(session)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1)
    )
    head = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one()
    seq, prev = int(head.last_seq), str(head.last_hash)
    fields: dict[str, Any] = {
        "seq": seq,
        "ts": utcnow(),
        "actor": actor,
        "role": role,
        "action": action,
        "resource": resource,
        "ip": ip,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
    }
    digest = _mac(keys.key, prev, _body(fields))
    ev = AuditEvent(**fields, prev_hash=prev, hash=digest, scheme=SCHEME_KEYED)
    session.add(ev)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    session.info.setdefault(_PENDING, []).append((seq, digest))
    return ev


def seal_decision(session: Session, decision: Decision) -> str:
    """The digest to put into a decision's audit event (see :func:`verify_chain`)."""
    return decision_digest(_keys(session).key, decision)


# -- the anchor ----------------------------------------------------------------------------------


def read_anchor(keys: AuditKeys) -> Anchor | None:
    """The anchor, None when absent; ValueError when it is unreadable or not MAC'd with this key."""
    if keys.anchor is None:
        return None
    try:
        raw = json.loads(keys.anchor.read_text(encoding="utf-8"))
        a = Anchor(int(raw["seq"]), str(raw["hash"]), int(raw["legacy_until"]))
        mac = str(raw["mac"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"audit anchor {keys.anchor} is unreadable: {e}") from e
    if not hmac.compare_digest(mac, _anchor_mac(keys.key, a)):
        raise ValueError(f"audit anchor {keys.anchor} was not written with this audit key")
    return a


def _write_anchor(keys: AuditKeys, a: Anchor) -> None:
    assert keys.anchor is not None
    body = json.dumps(
        {
            "seq": a.seq,
            "hash": a.hash,
            "legacy_until": a.legacy_until,
            "mac": _anchor_mac(keys.key, a),
        }
    )
    fd, tmp = tempfile.mkstemp(dir=keys.anchor.parent, prefix=".anchor-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(tmp, keys.anchor)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _anchor_lock(keys: AuditKeys) -> Any:
    assert keys.anchor is not None
    keys.anchor.parent.mkdir(parents=True, exist_ok=True)
    with open(keys.anchor.with_name(keys.anchor.name + ".lock"), "a") as lf:
        fcntl.flock(lf, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lf, fcntl.LOCK_UN)


def advance_anchor(keys: AuditKeys, seq: int, digest: str) -> None:
    """Move the anchor forward to ``seq`` (never back: processes commit in any order)."""
    with _anchor_lock(keys):
        try:
            cur = read_anchor(keys)
        except ValueError as e:
            logger.error("%s; not overwriting it", e)
            return
        if cur is not None and cur.seq >= seq:
            return
        _write_anchor(keys, Anchor(seq, digest, cur.legacy_until if cur else 0))


def ensure_anchor(session: Session) -> None:
    """Create the anchor at the current tip when there is none yet (first start, or an upgrade).

    Trust on first use: truncation before this moment cannot be detected, which is logged when the
    log already holds events.
    """
    keys = _keys(session)
    if keys.anchor is None:
        return
    with _anchor_lock(keys):
        try:
            if read_anchor(keys) is not None:
                return
        except ValueError as e:
            logger.error("%s; leaving it for `vigil audit verify` to report", e)
            return
        head = session.execute(select(AuditHead.last_seq, AuditHead.last_hash)).one()
        legacy = session.scalar(
            select(func.max(AuditEvent.seq)).where(AuditEvent.scheme == SCHEME_LEGACY)
        )
        a = Anchor(int(head.last_seq), str(head.last_hash), int(legacy or 0))
        _write_anchor(keys, a)
    if a.seq:
        logger.warning("anchored an existing audit log of %d events at %s", a.seq, keys.anchor)


# -- verification --------------------------------------------------------------------------------

_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.ts,
    AuditEvent.actor,
    AuditEvent.role,
    AuditEvent.action,
    AuditEvent.resource,
    AuditEvent.ip,
    AuditEvent.detail,
    AuditEvent.prev_hash,
    AuditEvent.hash,
    AuditEvent.scheme,
)


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute the chain and check its tip against the anchor and decisions against their seals.

    Reports the first break: an edited, inserted or deleted event, removed newest events, a decision
    edited, deleted or added outside the API.
    """
    keys = _keys(session)
    try:
        anchor = read_anchor(keys)
    except ValueError as e:
        return ChainReport(False, 0, None, str(e))
    prev, expected_seq, count, last_seq = GENESIS, 1, 0, 0
    legacy_limit = anchor.legacy_until if anchor else None
    seen_keyed = False
    anchored_hash: str | None = None
    seals: dict[str, tuple[int, str]] = {}
    while True:
        rows = session.execute(
            select(*_COLUMNS).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return ChainReport(False, count, expected_seq, "missing event")
            if ev.prev_hash != prev:
                return ChainReport(False, count, ev.seq, "broken link to previous event")
            if ev.scheme == SCHEME_LEGACY:
                beyond = legacy_limit is not None and ev.seq > legacy_limit
                if seen_keyed or beyond:
                    return ChainReport(False, count, ev.seq, "unkeyed event inside the keyed chain")
                key = None
            elif ev.scheme == SCHEME_KEYED:
                seen_keyed, key = True, keys.key
            else:
                return ChainReport(False, count, ev.seq, f"unknown scheme {ev.scheme!r}")
            if not hmac.compare_digest(_mac(key, prev, _body(ev)), ev.hash):
                return ChainReport(False, count, ev.seq, "event content does not match its hash")
            if ev.action == "flag.decision" and key is not None:
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    d = json.loads(ev.detail)
                    seals[str(d["decision"])] = (ev.seq, str(d["digest"]))
            if anchor is not None and ev.seq == anchor.seq:
                anchored_hash = ev.hash
            prev, expected_seq, count, last_seq = ev.hash, ev.seq + 1, count + 1, ev.seq
    head = session.execute(select(AuditHead.last_seq, AuditHead.last_hash)).one()
    if int(head.last_seq) != last_seq or head.last_hash != prev:
        return ChainReport(False, count, last_seq + 1, "events after the last one were removed")
    if anchor is None:
        if count and keys.anchor is not None:
            return ChainReport(
                False,
                count,
                None,
                f"the audit anchor {keys.anchor} is missing; truncation of "
                "the newest events cannot be ruled out",
            )
    elif anchor.seq > last_seq:
        return ChainReport(
            False,
            count,
            last_seq + 1,
            f"events after seq {last_seq} were removed (the anchor records seq {anchor.seq})",
        )
    elif anchor.seq and anchored_hash != anchor.hash:
        return ChainReport(False, count, anchor.seq, "the chain disagrees with its anchor")
    return _verify_decisions(session, keys, seals, count)


def _verify_decisions(
    session: Session, keys: AuditKeys, seals: dict[str, tuple[int, str]], count: int
) -> ChainReport:
    checked = 0
    for d in session.scalars(select(Decision).order_by(Decision.created_at)).yield_per(1000):
        seal = seals.pop(str(d.id), None)
        if seal is None:
            if _is_legacy_decision(session, d):
                continue
            return ChainReport(
                False, count, None, f"decision {d.id} has no audit event (written outside the API)"
            )
        if not hmac.compare_digest(seal[1], decision_digest(keys.key, d)):
            return ChainReport(
                False, count, seal[0], f"decision {d.id} differs from its audit seal"
            )
        checked += 1
    if seals:
        did, (seq, _) = min(seals.items(), key=lambda kv: kv[1][0])
        return ChainReport(False, count, seq, f"decision {did} in the audit log is missing")
    return ChainReport(True, count, None, None, decisions=checked)


def _is_legacy_decision(session: Session, d: Decision) -> bool:
    """A decision recorded before the chain was keyed has an unsealed (legacy) event naming it."""
    details = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == "flag.decision",
            AuditEvent.scheme == SCHEME_LEGACY,
            AuditEvent.resource == f"flags/{d.flag_id}",
        )
    )
    return any(f'"decision": "{d.id}"' in detail for detail in details)
