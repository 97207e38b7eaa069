"""Database operations on task sheets: creation (by trigger or by hand), transitions, reopening on a new
recording, overdue detection and listing. Keyword-only arguments, no HTTP.

Every change of state writes a :class:`TaskSheetEvent` and an audit event in the caller's transaction,
so a transition and its record commit together or not at all. A transition is a conditional UPDATE on
the state it starts from: two users pressing the same button concurrently get one success and one 409.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.document import AnalysisDocument

from .. import audit
from ..models import CaseRecord, Flag, Recording, TaskSheet, TaskSheetEvent, utcnow
from .config import URGENCY_RANK, TaskSheetConfig
from .lifecycle import OPEN_STATES, TRANSITIONS, IllegalTransition, transition

logger = logging.getLogger("vigil.api")

SYSTEM = "system"
SUMMARY_ZH = {
    "cause": "起因",
    "course": "经过",
    "result": "结果",
    "conflict_focus": "矛盾焦点",
    "party_demands": "当事人诉求",
    "officer_measures": "民警处置措施",
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a user (name, role, unit) or the system (the indexer, the overdue job)."""

    name: str
    role: str | None
    ip: str | None = None


SYSTEM_ACTOR = Actor(SYSTEM, None)


@dataclass(frozen=True, slots=True)
class TransitionInput:
    """What an action may carry; which fields an action needs is checked in :func:`apply`."""

    note: str | None = None
    measures: list[dict[str, Any]] | None = None
    responsible: str | None = None
    deadline_at: datetime | None = None
    result: str | None = None


class SheetInputError(ValueError):
    """An action lacks what it needs (issue without a responsible team, complete without a result)."""


# -- content -------------------------------------------------------------------------------------


def _codes(doc: AnalysisDocument | None) -> list[str]:
    a = doc.assessment if doc else None
    return sorted({f.code for f in a.flags}) if a else []


def urgency_for(
    config: TaskSheetConfig,
    *,
    risk_level: str | None,
    codes: Sequence[str],
    call_urgency: str | None,
) -> str:
    """The most urgent of the call triage's urgency, the risk level's and the flag codes'."""
    u = config.urgency
    candidates = ["normal"]
    if call_urgency is not None and call_urgency in URGENCY_RANK:
        candidates.append(call_urgency)
    if risk_level is not None and risk_level in u.risk_levels:
        candidates.append(u.risk_levels[risk_level])
    candidates += [u.code_urgency[c] for c in codes if c in u.code_urgency]
    return max(candidates, key=URGENCY_RANK.__getitem__)


def propose_measures(
    config: TaskSheetConfig,
    *,
    codes: Sequence[str],
    call_class: str | None,
    risk_level: str | None,
    has_history: bool,
) -> list[dict[str, Any]]:
    """The catalogue entries whose conditions the incident meets, in catalogue order."""
    out: list[dict[str, Any]] = []
    code_set = set(codes)
    for m in config.measures:
        w = m.when
        hit = (
            bool(code_set & set(w.codes))
            or (call_class is not None and call_class in w.call_classes)
            or (risk_level is not None and risk_level in w.risk_levels)
            or (w.earlier_incidents and has_history)
        )
        if hit:
            text = m.text_zh.format(hours=f"{m.hours:g}" if m.hours is not None else "")
            out.append({"id": m.id, "text": text, "hours": m.hours})
    return out


def earlier_incidents(
    *, session: Session, config: TaskSheetConfig, record: CaseRecord | None, before: datetime
) -> list[dict[str, Any]]:
    """Earlier case records of the same caller or the same address, newest first."""
    if record is None:
        return []
    h = config.history
    address = (record.extra or {}).get(h.address_key)
    conds: list[Any] = []
    if record.caller_id:
        conds.append(CaseRecord.caller_id == record.caller_id)
    if isinstance(address, str) and address:
        conds.append(CaseRecord.extra[h.address_key].as_string() == address)
    if not conds or h.max_items == 0:
        return []
    rows = session.scalars(
        select(CaseRecord)
        .where(
            or_(*conds),
            CaseRecord.incident_id != record.incident_id,
            CaseRecord.recorded_at < before,
            CaseRecord.recorded_at >= before - timedelta(days=h.lookback_days),
        )
        .order_by(CaseRecord.recorded_at.desc())
        .limit(h.max_items)
    ).all()
    out = []
    for r in rows:
        same_caller = bool(record.caller_id) and r.caller_id == record.caller_id
        rec_id = session.scalar(
            select(Recording.id).where(Recording.incident_id == r.incident_id).limit(1)
        )
        out.append(
            {
                "incident_id": r.incident_id,
                "recorded_at": r.recorded_at.isoformat() if r.recorded_at else None,
                "category": r.recorded_category,
                "disposition": r.recorded_disposition,
                "match": "caller" if same_caller else "address",
                "recording_id": str(rec_id) if rec_id else None,
            }
        )
    return out


def build_content(
    *,
    session: Session,
    config: TaskSheetConfig,
    recording: Recording,
    doc: AnalysisDocument | None,
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """(content, proposed measures, urgency) for a new sheet, from the recording, its case record
    and its analysis document."""
    record = session.get(CaseRecord, recording.incident_id) if recording.incident_id else None
    a = doc.assessment if doc else None
    codes = _codes(doc) or [c for c in recording.flag_codes.split(",") if c]
    verdicts = dict(
        session.execute(
            select(Flag.flag_key, Flag.latest_verdict).where(
                Flag.recording_id == recording.id, Flag.current.is_(True)
            )
        ).all()
    )
    findings = [
        {
            "code": f.code,
            "severity": f.severity,
            "start": round(f.start, 3),
            "end": round(f.end, 3),
            "quote": f.quote,
            "explanation": f.explanation_zh,
            "verdict": verdicts.get(f.id),
            "link": config.incident_url.format(recording_id=recording.id, start=f.start),
        }
        for f in (a.flags if a else [])
    ]
    summary = []
    if a is not None and a.summary is not None:
        for key, label in SUMMARY_ZH.items():
            item = getattr(a.summary, key)
            if item is not None and item.text:
                summary.append({"key": key, "label": label, "text": item.text})
    history = earlier_incidents(
        session=session, config=config, record=record, before=recording.recorded_at
    )
    call = a.call if a else None
    risk_level = a.risk.level if a else recording.risk_level
    facts = {
        "unit": recording.unit,
        "recorded_at": recording.recorded_at.isoformat(),
        "source": recording.source,
        "officer": recording.officer,
        "incident_id": recording.incident_id,
        "recording_id": str(recording.id),
        "case_record": {
            "category": record.recorded_category,
            "disposition": record.recorded_disposition,
            "caller_id": record.caller_id,
            "recorded_at": record.recorded_at.isoformat() if record.recorded_at else None,
        }
        if record
        else None,
        "category": a.category.value if a and a.category else None,
        "disposition": a.disposition.value if a and a.disposition else None,
        "risk_level": risk_level,
        "risk_score": round(a.risk.score, 3) if a else recording.risk_score,
        "risk_factors": list(a.risk.factors) if a else [],
        "call": {"class": call.call_class, "urgency": call.urgency, "routing": call.routing_zh}
        if call
        else None,
    }
    content = {"facts": facts, "summary": summary, "findings": findings, "history": history}
    measures = propose_measures(
        config,
        codes=codes,
        call_class=call.call_class if call else None,
        risk_level=risk_level,
        has_history=bool(history),
    )
    urgency = urgency_for(
        config,
        risk_level=risk_level,
        codes=codes,
        call_urgency=call.urgency if call else None,
    )
    return content, measures, urgency


# -- creation and triggers -----------------------------------------------------------------------


def _event(
    session: Session,
    sheet: TaskSheet,
    *,
    action: str,
    from_state: str | None,
    actor: Actor,
    note: str | None,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        TaskSheetEvent(
            sheet_id=sheet.id,
            action=action,
            from_state=from_state,
            to_state=sheet.state,
            actor=actor.name,
            note=note,
            at=at,
        )
    )
    audit.append(
        session,
        actor=actor.name,
        role=actor.role,
        action=f"tasksheet.{action}",
        resource=f"task-sheets/{sheet.id}",
        ip=actor.ip,
        detail={"from": from_state, "to": sheet.state, "unit": sheet.unit, **(detail or {})},
    )


def create_sheet(
    *,
    session: Session,
    config: TaskSheetConfig,
    recording: Recording,
    doc: AnalysisDocument | None,
    triggers: Sequence[str],
    actor: Actor,
    note: str | None = None,
    now: datetime | None = None,
) -> TaskSheet:
    """A draft sheet for ``recording``; the recording (and later ones of its incident) point at it."""
    now = now or utcnow()
    content, measures, urgency = build_content(
        session=session, config=config, recording=recording, doc=doc
    )
    sheet = TaskSheet(
        id=uuid.uuid4(),
        recording_id=recording.id,
        incident_id=recording.incident_id,
        unit=recording.unit,
        state="draft",
        urgency=urgency,
        deadline_at=now + timedelta(hours=config.urgency.deadline_hours[urgency]),  # type: ignore[index]
        triggers=list(triggers),
        content=content,
        measures=measures,
        overdue=False,
        reopen_count=0,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    session.add(sheet)
    session.flush()
    recording.task_sheet_id = sheet.id
    _event(
        session,
        sheet,
        action="create",
        from_state=None,
        actor=actor,
        note=note,
        at=now,
        detail={"triggers": list(triggers), "recording": str(recording.id), "urgency": urgency},
    )
    session.flush()
    return sheet


def index_triggers(config: TaskSheetConfig, recording: Recording) -> list[str]:
    """The triggers an indexed analysis meets: its risk level, the flag codes it carries."""
    t = config.triggers
    hits = []
    if recording.risk_level is not None and recording.risk_level in t.risk_levels:
        hits.append(f"risk:{recording.risk_level}")
    codes = {c for c in recording.flag_codes.split(",") if c}
    hits += [f"flag:{c}" for c in sorted(codes & set(t.flag_codes))]
    return hits


def sheet_for_incident(*, session: Session, recording: Recording) -> TaskSheet | None:
    """The sheet this recording belongs to: its own, or the newest of its case record's incident."""
    if recording.task_sheet_id is not None:
        return session.get(TaskSheet, recording.task_sheet_id)
    if recording.incident_id is None:
        return None
    return session.scalar(
        select(TaskSheet)
        .where(TaskSheet.incident_id == recording.incident_id)
        .order_by(TaskSheet.created_at.desc())
        .limit(1)
    )


def on_indexed(
    *,
    session: Session,
    config: TaskSheetConfig,
    recording: Recording,
    doc: AnalysisDocument | None,
    now: datetime | None = None,
) -> TaskSheet | None:
    """After an analysis is indexed: a new recording of an incident that has a sheet joins it (and
    reopens it when it was finished); otherwise the index triggers may create a sheet."""
    now = now or utcnow()
    sheet = sheet_for_incident(session=session, recording=recording)
    if sheet is not None:
        if recording.task_sheet_id == sheet.id:
            return sheet  # a reprocess of a recording already on the sheet
        recording.task_sheet_id = sheet.id
        if sheet.state in TRANSITIONS["reopen"].sources:
            _move(
                session=session,
                sheet=sheet,
                action="reopen",
                actor=SYSTEM_ACTOR,
                body=TransitionInput(note="new recording of the same incident"),
                now=now,
                detail={"recording": str(recording.id)},
            )
        else:
            _event(
                session,
                sheet,
                action="add_recording",
                from_state=sheet.state,
                actor=SYSTEM_ACTOR,
                note=None,
                at=now,
                detail={"recording": str(recording.id)},
            )
        session.flush()
        return sheet
    hits = index_triggers(config, recording)
    if not hits:
        return None
    return create_sheet(
        session=session,
        config=config,
        recording=recording,
        doc=doc,
        triggers=hits,
        actor=SYSTEM_ACTOR,
        now=now,
    )


def decision_trigger(config: TaskSheetConfig, *, code: str, verdict: str) -> str | None:
    if verdict == "confirm" and code in config.triggers.confirmed_codes:
        return f"confirmed:{code}"
    return None


# -- transitions ---------------------------------------------------------------------------------


def _move(
    *,
    session: Session,
    sheet: TaskSheet,
    action: str,
    actor: Actor,
    body: TransitionInput,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> TaskSheet:
    t = transition(action, sheet.state)
    values: dict[str, Any] = {"state": t.target, "updated_at": now, t.stamp: now}
    if t.target not in OPEN_STATES:
        values.update(overdue=False, overdue_since=None)
    if action == "reopen":
        values["reopen_count"] = TaskSheet.reopen_count + 1
    if action == "issue":
        if not (body.responsible and body.responsible.strip()):
            raise SheetInputError("issue needs a responsible team or person")
        values["responsible"] = body.responsible.strip()
        if body.measures is not None:
            values["measures"] = body.measures
        if body.deadline_at is not None:
            if body.deadline_at <= now:
                raise SheetInputError("deadline_at must be in the future")
            values["deadline_at"] = body.deadline_at
    if action == "complete":
        if not (body.result and body.result.strip()):
            raise SheetInputError("complete needs the result")
        values["result"] = body.result.strip()
    from_state = sheet.state
    res = session.execute(
        update(TaskSheet)
        .where(TaskSheet.id == sheet.id, TaskSheet.state == from_state)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(sheet)
        raise IllegalTransition(action, sheet.state)
    session.refresh(sheet)
    _event(
        session,
        sheet,
        action=action,
        from_state=from_state,
        actor=actor,
        note=body.note,
        at=now,
        detail=detail,
    )
    session.flush()
    return sheet


def apply(
    *,
    session: Session,
    sheet: TaskSheet,
    action: str,
    actor: Actor,
    body: TransitionInput,
    now: datetime | None = None,
) -> TaskSheet:
    """Take ``action`` on ``sheet``. Raises :class:`IllegalTransition` (state), ValueError for an
    unknown action, :class:`SheetInputError` for missing input. Role checks are the caller's."""
    return _move(
        session=session, sheet=sheet, action=action, actor=actor, body=body, now=now or utcnow()
    )


# -- overdue -------------------------------------------------------------------------------------


def mark_overdue(*, session: Session, now: datetime) -> list[TaskSheet]:
    """Flag open sheets whose deadline has passed; returns those newly flagged (each audited)."""
    due = session.scalars(
        select(TaskSheet).where(
            TaskSheet.overdue.is_(False),
            TaskSheet.deadline_at < now,
            TaskSheet.state.in_(sorted(OPEN_STATES)),
        )
    ).all()
    for sheet in due:
        sheet.overdue, sheet.overdue_since = True, now
        audit.append(
            session,
            actor=SYSTEM,
            role=None,
            action="tasksheet.overdue",
            resource=f"task-sheets/{sheet.id}",
            ip=None,
            detail={"state": sheet.state, "deadline_at": sheet.deadline_at, "unit": sheet.unit},
        )
    # a deadline moved into the future (re-issued) lifts the flag
    session.execute(
        update(TaskSheet)
        .where(TaskSheet.overdue.is_(True), TaskSheet.deadline_at >= now)
        .values(overdue=False, overdue_since=None)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return list(due)


def overdue_counts(*, session: Session) -> dict[str | None, int]:
    rows = session.execute(
        select(TaskSheet.unit, func.count())
        .where(TaskSheet.overdue.is_(True))
        .group_by(TaskSheet.unit)
    )
    return {unit: int(n) for unit, n in rows}


def state_counts(*, session: Session) -> dict[str, int]:
    rows = session.execute(select(TaskSheet.state, func.count()).group_by(TaskSheet.state))
    return {str(s): int(n) for s, n in rows}


# -- reading -------------------------------------------------------------------------------------


def list_sheets(
    *,
    session: Session,
    unit: str | None,
    state: str | None,
    overdue: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[TaskSheet], int]:
    """A page of sheets, overdue first, then nearest deadline; with the total count."""
    conds: list[Any] = []
    if unit is not None:
        conds.append(TaskSheet.unit == unit)
    if state is not None:
        conds.append(TaskSheet.state == state)
    if overdue is not None:
        conds.append(TaskSheet.overdue.is_(overdue))
    total = int(session.scalar(select(func.count()).select_from(TaskSheet).where(*conds)) or 0)
    rows = session.scalars(
        select(TaskSheet)
        .where(*conds)
        .order_by(TaskSheet.overdue.desc(), TaskSheet.deadline_at, TaskSheet.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def events_of(*, session: Session, sheet_id: uuid.UUID) -> list[TaskSheetEvent]:
    return list(
        session.scalars(
            select(TaskSheetEvent)
            .where(TaskSheetEvent.sheet_id == sheet_id)
            .order_by(TaskSheetEvent.at, TaskSheetEvent.id)
        ).all()
    )


def sheets_by_id(*, session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaskSheet]:
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(TaskSheet).where(TaskSheet.id.in_(ids)))}


__all__ = [
    "SYSTEM_ACTOR",
    "Actor",
    "IllegalTransition",
    "SheetInputError",
    "TransitionInput",
    "apply",
    "build_content",
    "create_sheet",
    "decision_trigger",
    "events_of",
    "index_triggers",
    "list_sheets",
    "mark_overdue",
    "on_indexed",
    "overdue_counts",
    "propose_measures",
    "sheet_for_incident",
    "sheets_by_id",
    "state_counts",
    "urgency_for",
]
