"""Database operations behind the routes and the worker; keyword-only arguments, no HTTP here.

Linking rule: a recording links to the case record it declares (``incident_id``); without one it links
to the record of the same officer whose time lies within the configured buffer of the recording's,
closest first. Importing records relinks recordings that were waiting for them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from pipeline.document import AnalysisDocument

from .core.security import api_key_prefix, hash_secret, new_api_key, verify_secret
from .models import (
    REVIEW_STATUSES,
    RISK_RANK,
    ROLES,
    SEVERITY_RANK,
    ApiKey,
    CaseRecord,
    Decision,
    Flag,
    Recording,
    TaskSheet,
    User,
    UTCDateTime,
    WebSession,
    utcnow,
)
from .schemas import CaseRecordIn, DecisionCreate, ImportResult

RANK_SEVERITY = {v: k for k, v in SEVERITY_RANK.items()}
_DUMMY_HASH = hash_secret("timing-equaliser")


# -- users ---------------------------------------------------------------------------------------


def create_user(
    *, session: Session, username: str, password: str, role: str, unit: str | None = None
) -> User:
    """Create an active user; a chief must belong to a unit (their whole view is scoped by it)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "chief" and not unit:
        raise ValueError("a chief needs a unit")
    if len(password) < 10:
        raise ValueError("password must be at least 10 characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_secret(password), role=role, unit=unit)
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    if not username or len(username) > 64 or not username.isprintable():
        verify_secret(password, _DUMMY_HASH)  # no such user can exist; same cost anyway
        return None
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_secret(password, _DUMMY_HASH)  # same cost whether or not the user exists
        return None
    if not user.is_active or not verify_secret(password, user.password_hash):
        return None
    return user


def create_api_key(*, session: Session, user: User, name: str = "") -> tuple[ApiKey, str]:
    plain, prefix = new_api_key()
    row = ApiKey(user_id=user.id, prefix=prefix, key_hash=hash_secret(plain), name=name)
    session.add(row)
    session.flush()
    return row, plain


def user_by_api_key(*, session: Session, key: str) -> User | None:
    prefix = api_key_prefix(key)
    if prefix is None:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None or row.revoked_at is not None or not verify_secret(key, row.key_hash):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def set_password(*, session: Session, user: User, password: str) -> None:
    """Replace a user's password (same rules as at creation); their page sessions end with it."""
    if len(password) < 10:
        raise ValueError("password must be at least 10 characters")
    user.password_hash = hash_secret(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()


# -- reviewer page sessions ----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_web_session(
    *, session: Session, user: User, lifetime: timedelta, ip: str | None
) -> tuple[str, WebSession]:
    """A fresh session for ``user``: the cookie token (returned once, stored hashed) and its row
    with the CSRF token the pages embed. Expired rows of anyone are dropped on the way."""
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=_token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + lifetime,
        ip=ip,
    )
    session.add(row)
    session.flush()
    return token, row


def web_session_user(*, session: Session, token: str) -> tuple[WebSession, User] | None:
    """The live session and its active user for a cookie token, else None."""
    if not token or len(token) > 128:
        return None
    row = session.get(WebSession, _token_hash(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return row, user


def delete_web_session(*, session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


# -- case records and linking --------------------------------------------------------------------


def _window_match(
    *, session: Session, officer: str | None, at: datetime, buffer_s: float
) -> CaseRecord | None:
    if not officer:
        return None
    lo, hi = at - timedelta(seconds=buffer_s), at + timedelta(seconds=buffer_s)
    rows = session.scalars(
        select(CaseRecord).where(
            CaseRecord.officer_id == officer,
            CaseRecord.recorded_at >= lo,
            CaseRecord.recorded_at <= hi,
        )
    ).all()
    if not rows:
        return None
    return min(rows, key=lambda r: abs((r.recorded_at - at).total_seconds()))  # type: ignore[operator]


def link_recording(*, session: Session, recording: Recording, buffer_s: float) -> bool:
    """(Re)link one recording; returns whether its link changed."""
    before = recording.incident_id
    if recording.declared_incident_id:
        if session.get(CaseRecord, recording.declared_incident_id) is not None:
            recording.incident_id, recording.link_method = (
                recording.declared_incident_id,
                "declared",
            )
        else:
            recording.incident_id, recording.link_method = None, None
    else:
        match = _window_match(
            session=session, officer=recording.officer, at=recording.recorded_at, buffer_s=buffer_s
        )
        recording.incident_id = match.incident_id if match else None
        recording.link_method = "window" if match else None
    return recording.incident_id != before


def import_case_records(
    *, session: Session, records: Sequence[CaseRecordIn], buffer_s: float
) -> ImportResult:
    """Upsert records, then relink every recording they may concern (declared id or officer)."""
    created = updated = 0
    known = {"incident_id", *CaseRecordIn.model_fields}
    officers: set[str] = set()
    ids: list[str] = []
    for rec in records:
        data = rec.model_dump()
        extra = {k: v for k, v in data.items() if k not in known}
        row = session.get(CaseRecord, rec.incident_id)
        if row is None:
            row = CaseRecord(incident_id=rec.incident_id)
            session.add(row)
            created += 1
        else:
            updated += 1
        row.unit, row.officer_id = rec.unit, rec.officer_id
        row.recorded_category, row.recorded_disposition = (
            rec.recorded_category,
            rec.recorded_disposition,
        )
        row.recorded_at, row.caller_id, row.extra = rec.recorded_at, rec.caller_id, extra
        ids.append(rec.incident_id)
        if rec.officer_id:
            officers.add(rec.officer_id)
    session.flush()
    candidates = session.scalars(
        select(Recording).where(
            or_(
                Recording.declared_incident_id.in_(ids),
                and_(Recording.declared_incident_id.is_(None), Recording.officer.in_(officers)),
            )
        )
    ).all()
    relinked = sum(
        link_recording(session=session, recording=r, buffer_s=buffer_s) for r in candidates
    )
    return ImportResult(created=created, updated=updated, relinked=relinked)


# -- recordings ----------------------------------------------------------------------------------


def create_recording(
    *,
    session: Session,
    source: str,
    unit: str | None,
    officer: str | None,
    recorded_at: datetime,
    incident_id: str | None,
    media_key: str,
    filename: str | None,
    size_bytes: int | None,
    sha256: str | None,
    created_by: str,
    buffer_s: float,
) -> Recording:
    rec = Recording(
        source=source,
        unit=unit,
        officer=officer,
        recorded_at=recorded_at,
        declared_incident_id=incident_id,
        media_key=media_key,
        filename=filename,
        size_bytes=size_bytes,
        sha256=sha256,
        status="queued",
        attempts=0,
        created_by=created_by,
    )
    session.add(rec)
    session.flush()
    link_recording(session=session, recording=rec, buffer_s=buffer_s)
    return rec


def requeue(*, session: Session, recording: Recording) -> None:
    recording.status, recording.reason, recording.attempts = "queued", None, 0
    recording.next_attempt_at = None


def claim_next(
    *, session: Session, max_attempts: int, now: datetime | None = None
) -> Recording | None:
    """Atomically move one due queued recording to ``running`` (safe with several workers).

    The attempt is counted in the same commit as the claim, so a recording that kills its worker
    still uses up its attempts: after ``max_attempts`` it is never claimed again.
    """
    now = now or utcnow()
    candidates = session.scalars(
        select(Recording.id)
        .where(
            Recording.status == "queued",
            Recording.attempts < max_attempts,
            or_(Recording.next_attempt_at.is_(None), Recording.next_attempt_at <= now),
        )
        .order_by(Recording.created_at)
        .limit(5)
    ).all()
    for rid in candidates:
        res = session.execute(
            update(Recording)
            .where(
                Recording.id == rid,
                Recording.status == "queued",
                Recording.attempts < max_attempts,
            )
            .values(status="running", attempts=Recording.attempts + 1, updated_at=now)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            session.commit()
            return session.get(Recording, rid)
    session.rollback()
    return None


def case_record_dict(record: CaseRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "incident_id": record.incident_id,
        "unit": record.unit,
        "officer_id": record.officer_id,
        "recorded_category": record.recorded_category,
        "recorded_disposition": record.recorded_disposition,
        "recorded_at": record.recorded_at.isoformat() if record.recorded_at else None,
        "caller_id": record.caller_id,
        **(record.extra or {}),
    }


# -- indexing analysis documents -----------------------------------------------------------------


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
        return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # not a time, or one that cannot be expressed in UTC
        return None


def flag_stable_key(rule_id: str, segment_ids: Sequence[str], quote: str) -> str:
    """A flag's identity independent of its position in the document: the rule, the segments it
    cites and the words it quotes. Re-analysing the same bytes with the same pipeline reproduces it;
    other re-analyses fall back to :func:`_match_flags`'s time overlap."""
    raw = json.dumps([rule_id, list(segment_ids), quote.strip()], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _overlap(a: Flag, start: float, end: float) -> float:
    """Intersection over union of two time spans (points count as 0.1 s wide)."""
    a0, a1 = a.start, max(a.end, a.start + 0.1)
    b0, b1 = start, max(end, start + 0.1)
    inter = min(a1, b1) - max(a0, b0)
    return inter / (max(a1, b1) - min(a0, b0)) if inter > 0 else 0.0


def _match_flags(old: Sequence[Flag], new: Sequence[Any]) -> dict[int, Flag]:
    """Which earlier flag each new document flag continues: the same stable key first, else the
    same rule over at least half-overlapping time (best overlap wins); each old flag matches once."""
    taken: set[uuid.UUID] = set()
    out: dict[int, Flag] = {}
    by_key: dict[str, list[Flag]] = defaultdict(list)
    for f in old:
        if f.stable_key:
            by_key[f.stable_key].append(f)
    keys = [flag_stable_key(f.rule_id, f.segment_ids, f.quote) for f in new]
    for i, key in enumerate(keys):
        for f in by_key.get(key, []):
            if f.id not in taken:
                out[i] = f
                taken.add(f.id)
                break
    for i, f in enumerate(new):
        if i in out:
            continue
        candidates = [
            (ov, o)
            for o in old
            if o.id not in taken and o.rule_id == f.rule_id
            if (ov := _overlap(o, f.start, f.end)) >= 0.5
        ]
        if candidates:
            best = max(candidates, key=lambda t: t[0])[1]
            out[i] = best
            taken.add(best.id)
    return out


def _find_recording(
    *, session: Session, doc: AnalysisDocument, document_key: str
) -> Recording | None:
    """The recording a document belongs to: by document key, by analysis id, then by raw object.

    The last two make indexing idempotent: a document written by a worker that died before its
    database commit is attached to the recording it was made for, never added as a second one.
    """
    for cond in (
        Recording.document_key == document_key,
        Recording.analysis_id == doc.recording.recording_id,
        Recording.media_key == doc.recording.media_key if doc.recording.media_key else None,
        Recording.sha256 == doc.recording.sha256,
    ):
        if cond is None:
            continue
        rec = session.scalar(select(Recording).where(cond).order_by(Recording.created_at).limit(1))
        if rec is not None:
            return rec
    return None


def holds_newer_analysis(*, session: Session, doc: AnalysisDocument, document_key: str) -> bool:
    """Whether the recording ``doc`` belongs to already holds a newer analysis under another key.

    A raw object overwritten in place is analysed again under a new recording id, and the older
    document stays in the store; both lead to the same recording. The indexer must then keep the
    newer one instead of re-attaching whichever it lists last, on every pass.
    """
    rec = _find_recording(session=session, doc=doc, document_key=document_key)
    return (
        rec is not None
        and rec.document_key not in (None, document_key)
        and rec.analysed_at is not None
        and rec.analysed_at >= doc.created_at
    )


def index_document(
    *,
    session: Session,
    doc: AnalysisDocument,
    document_key: str,
    recording: Recording | None = None,
    buffer_s: float,
    etag: str | None = None,
) -> tuple[Recording, dict[str, int]]:
    """Put one analysis into the queue: queue fields on the recording, one row per flag.

    Flags of an earlier analysis stay (decisions point at them) but are no longer ``current``; each
    new flag that continues an earlier one (:func:`_match_flags`) inherits its lineage and latest
    verdict, so a re-analysis keeps the review work. Returns the recording and how many flags were
    carried over and superseded.
    """
    if recording is None:
        recording = _find_recording(session=session, doc=doc, document_key=document_key)
    if recording is None:
        inc = doc.incident
        recorded_at = _parse_time(inc.recorded_at if inc else None) or doc.created_at
        recording = Recording(
            source=doc.recording.source,
            unit=inc.unit if inc else None,
            officer=inc.officer_id if inc else None,
            recorded_at=recorded_at,
            declared_incident_id=inc.incident_id if inc else None,
            media_key=doc.recording.media_key,
            filename=doc.recording.filename,
            size_bytes=doc.recording.size_bytes,
            sha256=doc.recording.sha256,
            created_by="indexer",
            attempts=0,
        )
        session.add(recording)
        session.flush()
        link_recording(session=session, recording=recording, buffer_s=buffer_s)
    if recording.document_key != document_key:
        clash = session.scalar(select(Recording).where(Recording.document_key == document_key))
        if clash is not None and clash.id != recording.id:
            clash.document_key = None
            session.flush()
    old = session.scalars(
        select(Flag).where(Flag.recording_id == recording.id, Flag.current.is_(True))
    ).all()
    session.execute(
        update(Flag)
        .where(Flag.recording_id == recording.id, Flag.current.is_(True))
        .values(current=False)
    )
    assessment = doc.assessment
    flags = list(assessment.flags) if assessment else []
    matches = _match_flags(old, flags)
    for i, f in enumerate(flags):
        prior = matches.get(i)
        fid = uuid.uuid4()
        session.add(
            Flag(
                id=fid,
                recording_id=recording.id,
                document_key=document_key,
                flag_key=f.id,
                stable_key=flag_stable_key(f.rule_id, f.segment_ids, f.quote),
                lineage_id=(prior.lineage_id or prior.id) if prior else fid,
                quote=f.quote,
                code=f.code,
                rule_id=f.rule_id,
                rule_version=f.rule_version,
                severity=f.severity,
                severity_rank=SEVERITY_RANK[f.severity],
                confidence=f.confidence,
                start=f.start,
                end=f.end,
                current=True,
                latest_verdict=prior.latest_verdict if prior else None,
            )
        )
    risk = assessment.risk if assessment else None
    recording.analysis_id = doc.recording.recording_id
    recording.document_key = document_key
    recording.document_etag = etag
    recording.media_key = recording.media_key or doc.recording.media_key
    recording.sha256 = recording.sha256 or doc.recording.sha256
    recording.status, recording.reason = "done", None
    recording.next_attempt_at = None
    recording.pipeline_version = doc.pipeline.version
    recording.config_hash = doc.pipeline.config_hash
    recording.duration = doc.recording.duration
    recording.analysed_at = doc.created_at
    recording.risk_level = risk.level if risk else None
    recording.risk_rank = RISK_RANK[risk.level] if risk else 0
    recording.risk_score = float(risk.score) if risk else 0.0
    recording.max_severity_rank = max((SEVERITY_RANK[f.severity] for f in flags), default=0)
    recording.flag_count = len(flags)
    recording.flag_codes = ",".join(sorted({f.code for f in flags}))[:512]
    category = assessment.category if assessment else None
    recording.category = category.value if category is not None else None
    session.flush()
    recording.review_status = review_status(session=session, recording=recording)
    session.flush()
    carried = sum(1 for p in matches.values() if p.latest_verdict is not None)
    decided = sum(1 for o in old if o.latest_verdict is not None)
    return recording, {"carried": carried, "superseded": decided - carried}


# -- the queue -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueFilter:
    unit: str | None = None
    source: str | None = None
    flag: str | None = None
    severity: str | None = None
    risk_level: str | None = None
    review_status: str | None = None
    status: str = "done"
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    officer: str | None = None
    sheet_overdue: bool | None = None


def encode_cursor(rec: Recording) -> str:
    raw = json.dumps(
        [rec.risk_rank, rec.max_severity_rank, rec.recorded_at.isoformat(), str(rec.id)]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, datetime, uuid.UUID]:
    """Raises ValueError for anything that is not a cursor this API issued (wrong types, numbers
    out of range, times without a zone or outside what UTC can hold)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        risk, sev, at, rid = json.loads(raw)
        if not all(type(v) is int and 0 <= v <= 3 for v in (risk, sev)):
            raise ValueError("rank out of range")
        if not isinstance(at, str) or not isinstance(rid, str):
            raise ValueError("wrong types")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("time without zone")
        return risk, sev, when.astimezone(UTC), uuid.UUID(rid)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError) as e:
        raise ValueError("invalid cursor") from e


def _queue_conditions(
    session: Session,
    filters: QueueFilter,
    *,
    ordered: bool,
    review_status: bool = True,
    probe_flags: bool | None = None,
) -> list[Any]:
    """The WHERE clause of the queue, shared by the page query and the per-status counts.

    ``ordered``: the query walks the queue index in order and stops after a page (see below);
    ``review_status=False`` leaves that filter out, so counts can show every status at once;
    ``probe_flags`` (default: ``ordered``) checks the flag filter row by row, which pays when few
    rows are visited; otherwise the flagged ids are collected once.
    """
    probe = ordered if probe_flags is None else probe_flags
    conds: list[Any] = [Recording.status == filters.status]
    if filters.unit is not None:
        conds.append(Recording.unit == filters.unit)
    if filters.source is not None:
        conds.append(Recording.source == filters.source)
    if filters.officer is not None:
        conds.append(Recording.officer == filters.officer)
    if filters.risk_level is not None:
        conds.append(Recording.risk_rank == RISK_RANK[filters.risk_level])
    if filters.severity is not None:
        conds.append(Recording.max_severity_rank >= SEVERITY_RANK[filters.severity])
    if review_status and filters.review_status is not None:
        conds.append(Recording.review_status == filters.review_status)
    recorded_at: Any = Recording.recorded_at
    if ordered and filters.officer is None and session.get_bind().dialect.name == "sqlite":
        # SQLite would range-scan recorded_at and sort every match (70 ms for a week of 100k);
        # unary + hides that index so it walks the queue index in order and stops after a page.
        # PostgreSQL's planner weighs both plans itself. (One officer's recordings are few: there
        # the officer index is the better start and the sort is cheap.)
        recorded_at = type_coerce(literal_column("+recordings.recorded_at"), UTCDateTime())
    if filters.recorded_from is not None:
        conds.append(recorded_at >= filters.recorded_from)
    if filters.recorded_to is not None:
        conds.append(recorded_at < filters.recorded_to)
    if filters.flag is not None:
        if probe:
            conds.append(
                exists().where(
                    Flag.recording_id == Recording.id,
                    Flag.code == filters.flag,
                    Flag.current.is_(True),
                )
            )
        else:
            conds.append(
                Recording.id.in_(
                    select(Flag.recording_id).where(
                        Flag.code == filters.flag, Flag.current.is_(True)
                    )
                )
            )
    if filters.sheet_overdue is not None:
        overdue_sheet = exists().where(
            TaskSheet.id == Recording.task_sheet_id, TaskSheet.overdue.is_(True)
        )
        conds.append(overdue_sheet if filters.sheet_overdue else ~overdue_sheet)
    return conds


def list_incidents(
    *, session: Session, filters: QueueFilter, cursor: str | None, limit: int
) -> tuple[list[Recording], str | None]:
    """One page of the queue, highest risk and severity first, newest first among equals."""
    conds = _queue_conditions(session, filters, ordered=True)
    if cursor is not None:
        risk, sev, at, rid = decode_cursor(cursor)
        conds.append(
            tuple_(
                Recording.risk_rank,
                Recording.max_severity_rank,
                Recording.recorded_at,
                Recording.id,
            )
            < tuple_(risk, sev, at, rid)
        )
    rows = session.scalars(
        select(Recording)
        .where(*conds)
        .order_by(
            Recording.risk_rank.desc(),
            Recording.max_severity_rank.desc(),
            Recording.recorded_at.desc(),
            Recording.id.desc(),
        )
        .limit(limit + 1)
    ).all()
    page = list(rows[:limit])
    nxt = encode_cursor(page[-1]) if len(rows) > limit and page else None
    return page, nxt


def review_status_counts(*, session: Session, filters: QueueFilter) -> dict[str, int]:
    """How many queue entries match ``filters`` in each review status (the filter's own review
    status is ignored, so a reviewer sees every tab's count at once)."""
    # A unit or an officer narrows to a few thousand rows through its own index; anything else is
    # counted in one pass over the covering ix_recordings_counts (SQLite's planner would otherwise
    # walk ix_recordings_review and read every row of the table: 160 ms instead of 16 at 100k).
    narrow = filters.unit is not None or filters.officer is not None
    conds = _queue_conditions(
        session, filters, ordered=False, review_status=False, probe_flags=narrow
    )
    query = (
        select(Recording.review_status, func.count())
        .where(*conds)
        .group_by(Recording.review_status)
    )
    if not narrow:
        query = query.with_hint(Recording, "INDEXED BY ix_recordings_counts", "sqlite")
    rows = session.execute(query)
    counts = dict.fromkeys(REVIEW_STATUSES, 0)
    counts.update({str(status): int(n) for status, n in rows})
    return counts


def next_unreviewed(
    *, session: Session, filters: QueueFilter, exclude: uuid.UUID | None = None
) -> Recording | None:
    """The first unreviewed entry in queue order among ``filters`` (the reviewer's "next"), other
    than ``exclude`` (the one being left undecided)."""
    rows, _ = list_incidents(
        session=session,
        filters=replace(filters, review_status="unreviewed"),
        cursor=None,
        limit=2,
    )
    return next((r for r in rows if r.id != exclude), None)


def recordings_by(*, session: Session, username: str, limit: int) -> list[Recording]:
    """The newest recordings one user registered (an ingest user's own uploads)."""
    return list(
        session.scalars(
            select(Recording)
            .where(Recording.created_by == username)
            .order_by(Recording.created_at.desc())
            .limit(limit)
        )
    )


# -- decisions and metrics -----------------------------------------------------------------------


def _review_status(verdicts: Iterable[str | None], *, escalated_before: bool = False) -> str:
    vs = list(verdicts)
    if "escalate" in vs or escalated_before:
        return "escalated"
    if not vs:
        return "clear"
    decided = sum(v is not None for v in vs)
    return "unreviewed" if decided == 0 else "reviewed" if decided == len(vs) else "in_review"


def review_status(*, session: Session, recording: Recording) -> str:
    """From the latest verdicts of the current flags; an escalation stays visible even when a
    re-analysis no longer finds the flag it was about (superseded flags count for escalation)."""
    if recording.document_key is None:  # never analysed (yet)
        return "failed" if recording.status == "failed" else "pending"
    current = session.scalars(
        select(Flag.latest_verdict).where(Flag.recording_id == recording.id, Flag.current.is_(True))
    ).all()
    live = select(Flag.lineage_id).where(
        Flag.recording_id == recording.id, Flag.current.is_(True), Flag.lineage_id.is_not(None)
    )
    escalated_before = (
        session.scalar(
            select(Flag.id)
            .where(
                Flag.recording_id == recording.id,
                Flag.current.is_(False),
                Flag.latest_verdict == "escalate",
                func.coalesce(Flag.lineage_id, Flag.id).not_in(live),
            )
            .limit(1)
        )
        is not None
    )
    return _review_status(current, escalated_before=escalated_before)


def record_decision(
    *, session: Session, flag: Flag, recording: Recording, user: User, body: DecisionCreate
) -> Decision:
    """Append a verdict; the flag's cached latest verdict and the queue's review status follow."""
    decision = Decision(
        flag_id=flag.id,
        recording_id=recording.id,
        rule_id=flag.rule_id,
        code=flag.code,
        unit=recording.unit,
        verdict=body.verdict,
        reason_code=body.reason_code if body.verdict == "dismiss" else None,
        comment=body.comment,
        user_id=user.id,
        username=user.username,
    )
    session.add(decision)
    flag.latest_verdict = body.verdict
    session.flush()
    recording.review_status = review_status(session=session, recording=recording)
    session.flush()
    return decision


def decisions_for(*, session: Session, flags: Sequence[Flag]) -> dict[uuid.UUID, list[Decision]]:
    """Each flag's decisions, oldest first, including those made on the flags of earlier analyses
    it continues (same lineage)."""
    out: dict[uuid.UUID, list[Decision]] = defaultdict(list)
    if not flags:
        return out
    lineage = {f.id: f.lineage_id or f.id for f in flags}
    members = session.execute(
        select(Flag.id, Flag.lineage_id).where(
            or_(Flag.lineage_id.in_(set(lineage.values())), Flag.id.in_(set(lineage.values())))
        )
    ).all()
    family: dict[uuid.UUID, uuid.UUID] = {fid: lin or fid for fid, lin in members}
    by_lineage: dict[uuid.UUID, list[Decision]] = defaultdict(list)
    for d in session.scalars(
        select(Decision).where(Decision.flag_id.in_(list(family))).order_by(Decision.created_at)
    ):
        by_lineage[family[d.flag_id]].append(d)
    for fid, lin in lineage.items():
        out[fid] = by_lineage.get(lin, [])
    return out


def superseded_flags(*, session: Session, recording: Recording) -> list[Flag]:
    """Flags of earlier analyses that carry decisions but that no current flag continues: the
    reviewer's work on them stays visible, marked as superseded."""
    live = select(Flag.lineage_id).where(
        Flag.recording_id == recording.id, Flag.current.is_(True), Flag.lineage_id.is_not(None)
    )
    rows = session.scalars(
        select(Flag)
        .where(
            Flag.recording_id == recording.id,
            Flag.current.is_(False),
            Flag.latest_verdict.is_not(None),
            func.coalesce(Flag.lineage_id, Flag.id).not_in(live),
        )
        .order_by(Flag.start, Flag.created_at)
    ).all()
    latest: dict[uuid.UUID, Flag] = {}
    for f in rows:  # one entry per lineage: its newest flag
        lin = f.lineage_id or f.id
        if lin not in latest or f.created_at >= latest[lin].created_at:
            latest[lin] = f
    return sorted(latest.values(), key=lambda f: (f.start, f.code))


WINDOWS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}


def rule_metrics(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    window: str,
    unit: str | None = None,
    rule_ids: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Per rule and time window: the latest verdict of each flag decided in that window.

    precision = confirmed / (confirmed + dismissed); escalations are counted but are not a verdict on
    whether the rule was right. ``rule_ids`` narrows it to those rules (an incident page asks only
    for its own flags' rules).
    """
    step = WINDOWS[window]
    conds: list[Any] = [Decision.created_at >= since, Decision.created_at < until]
    if unit is not None:
        conds.append(Decision.unit == unit)
    if rule_ids is not None:
        conds.append(Decision.rule_id.in_(list(rule_ids)))
    rows = session.execute(
        select(
            Decision.flag_id, Decision.rule_id, Decision.code, Decision.verdict, Decision.created_at
        )
        .where(*conds)
        .order_by(Decision.created_at)
    ).all()
    latest: dict[tuple[uuid.UUID, int], tuple[str, str, str]] = {}
    for flag_id, rule_id, code, verdict, at in rows:
        bucket = int((at - since) // step)
        latest[(flag_id, bucket)] = (rule_id, code, verdict)
    counts: dict[tuple[str, str, int], dict[str, int]] = defaultdict(
        lambda: {"confirm": 0, "dismiss": 0, "escalate": 0}
    )
    for (_, bucket), (rule_id, code, verdict) in latest.items():
        counts[(rule_id, code, bucket)][verdict] += 1
    out = []
    for (rule_id, code, bucket), c in sorted(counts.items()):
        decided = c["confirm"] + c["dismiss"]
        start = since + bucket * step
        out.append(
            {
                "rule_id": rule_id,
                "code": code,
                "window_start": start,
                "window_end": min(start + step, until),
                "confirmed": c["confirm"],
                "dismissed": c["dismiss"],
                "escalated": c["escalate"],
                "precision": round(c["confirm"] / decided, 4) if decided else None,
            }
        )
    return out


def status_counts(*, session: Session) -> dict[str, int]:
    rows = session.execute(select(Recording.status, func.count()).group_by(Recording.status))
    return {str(status): int(n) for status, n in rows}
