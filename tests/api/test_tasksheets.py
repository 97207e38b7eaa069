"""Task sheets over HTTP on both databases: automatic creation by each trigger and by hand, the
lifecycle as a state machine (every legal edge, every illegal transition refused with 409), roles and
unit scoping, overdue detection with a controlled clock, reopening on a new recording, the audit trail
and the printable PDF."""

from __future__ import annotations

import itertools
import subprocess
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api import audit
from api.models import AuditEvent, Recording, TaskSheet
from api.tasksheets import ACTIONS, STATES, TRANSITIONS
from api.tasksheets.lifecycle import IllegalTransition, legal_pairs, transition
from api.worker import OverdueMonitor
from tests.utils.api_factories import UNIT_A, UNIT_B, ApiHarness, seed

_names = itertools.count()

# the shortest way from a new sheet (draft) to each state, every step taken by the admin
PATHS: dict[str, list[str]] = {
    "draft": [],
    "reviewed": ["review"],
    "issued": ["review", "issue"],
    "acknowledged": ["review", "issue", "acknowledge"],
    "completed": ["review", "issue", "acknowledge", "complete"],
    "verified": ["review", "issue", "acknowledge", "complete", "verify"],
    "closed": ["review", "issue", "acknowledge", "complete", "verify", "close"],
    "reopened": ["review", "issue", "acknowledge", "complete", "reopen"],
}
ILLEGAL = sorted((s, a) for s in STATES for a in ACTIONS if (s, a) not in legal_pairs())
LEGAL = sorted(legal_pairs())


def _body(action: str) -> dict[str, Any]:
    body: dict[str, Any] = {"action": action}
    if action == "issue":
        body["responsible"] = "社区警务队 张三"
    if action == "complete":
        body["result"] = "已回访当事人并补开受案回执"
    return body


def _high_risk_sheet(h: ApiHarness, unit: str = UNIT_A, **kw: Any) -> tuple[str, str]:
    """Seed a high-risk incident through the real indexer; -> (recording id, its sheet id)."""
    rid, _ = seed(
        h,
        name=f"sheet-{next(_names)}",
        unit=unit,
        risk="high",
        risk_score=0.9,
        flags=[("SPEECH_THREAT", "high")],
        **kw,
    )
    with h.ctx.db.session() as s:
        rec = s.get(Recording, uuid.UUID(rid))
        assert rec is not None
        assert rec.task_sheet_id is not None, "a high-risk incident must get a sheet on indexing"
        return rid, str(rec.task_sheet_id)


def _move(h: ApiHarness, sid: str, action: str, who: str = "admin", **extra: Any) -> Any:
    return h.client.post(
        f"/task-sheets/{sid}/transitions", json={**_body(action), **extra}, headers=h.headers[who]
    )


def _drive(h: ApiHarness, sid: str, state: str) -> None:
    for action in PATHS[state]:
        r = _move(h, sid, action)
        assert r.status_code == 200, (action, r.text)
    assert _state(h, sid) == state


def _state(h: ApiHarness, sid: str) -> str:
    with h.ctx.db.session() as s:
        sheet = s.get(TaskSheet, uuid.UUID(sid))
        assert sheet is not None
        return sheet.state


# -- the state machine itself ------------------------------------------------------------------


def test_machine_covers_every_state_and_each_state_is_reachable() -> None:
    assert {t.target for t in TRANSITIONS.values()} | {"draft"} == set(STATES)
    for state, path in PATHS.items():
        s = "draft"
        for action in path:
            s = transition(action, s).target
        assert s == state


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_machine_refuses_illegal_pair(state: str, action: str) -> None:
    with pytest.raises(IllegalTransition):
        transition(action, state)


def test_machine_rejects_unknown_action_and_state() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        transition("approve", "draft")
    with pytest.raises(ValueError, match="unknown state"):
        transition("review", "archived")


# -- over HTTP: every edge, every illegal transition ---------------------------------------------


@pytest.mark.parametrize(("state", "action"), LEGAL)
def test_legal_transition_moves_and_is_audited(api: ApiHarness, state: str, action: str) -> None:
    _, sid = _high_risk_sheet(api)
    _drive(api, sid, state)
    r = _move(api, sid, action)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == TRANSITIONS[action].target
    assert r.json()["events"][-1]["action"] == action
    with api.ctx.db.session() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.resource == f"task-sheets/{sid}")
        ).all()
        assert actions.count(f"tasksheet.{action}") == PATHS[state].count(action) + 1
        assert audit.verify_chain(s).ok


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_transition_is_409_and_changes_nothing(
    api: ApiHarness, state: str, action: str
) -> None:
    _, sid = _high_risk_sheet(api)
    _drive(api, sid, state)
    before = api.client.get(f"/task-sheets/{sid}", headers=api.headers["admin"]).json()
    r = _move(api, sid, action)
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == f"cannot {action} a sheet in state {state}"
    after = api.client.get(f"/task-sheets/{sid}", headers=api.headers["admin"]).json()
    assert after["state"] == state and after["events"] == before["events"]


def test_unknown_action_is_422(api: ApiHarness) -> None:
    _, sid = _high_risk_sheet(api)
    r = api.client.post(
        f"/task-sheets/{sid}/transitions", json={"action": "approve"}, headers=api.headers["admin"]
    )
    assert r.status_code == 422


def test_issue_needs_responsible_and_complete_needs_result(api: ApiHarness) -> None:
    _, sid = _high_risk_sheet(api)
    _drive(api, sid, "reviewed")
    r = _move(api, sid, "issue", responsible="  ")
    assert r.status_code == 422 and r.json()["detail"] == "issue needs a responsible team or person"
    assert _state(api, sid) == "reviewed"
    _drive_from(api, sid, ["issue", "acknowledge"])
    r = _move(api, sid, "complete", result="")
    assert r.status_code == 422 and r.json()["detail"] == "complete needs the result"
    assert _state(api, sid) == "acknowledged"


def _drive_from(h: ApiHarness, sid: str, actions: list[str]) -> None:
    for a in actions:
        assert _move(h, sid, a).status_code == 200


# -- the whole loop with the real roles ----------------------------------------------------------


def test_closed_loop_with_roles(api: ApiHarness) -> None:
    rid, sid = _high_risk_sheet(api)
    sheet = api.client.get(f"/task-sheets/{sid}", headers=api.headers["chief_a"]).json()
    assert sheet["state"] == "draft" and sheet["triggers"] == ["risk:high"]
    assert sheet["urgency"] == "urgent"  # risk high -> urgent -> 24 h
    created = datetime.fromisoformat(sheet["created_at"])
    assert datetime.fromisoformat(sheet["deadline_at"]) - created == timedelta(hours=24)
    facts = sheet["content"]["facts"]
    assert (
        facts["unit"] == UNIT_A and facts["source"] == "counter" and facts["risk_level"] == "high"
    )
    assert sheet["content"]["summary"] == [{"key": "cause", "label": "起因", "text": "电动车被盗"}]
    finding = sheet["content"]["findings"][0]
    assert finding["code"] == "SPEECH_THREAT" and finding["start"] == 1.0
    assert finding["link"] == f"/ui/incidents/{rid}?t=1.0"
    ids = [m["id"] for m in sheet["measures"]]
    assert ids == ["call_back", "officer_rectification", "risk_followup"]

    # the command room reviews; a chief may not
    assert _move(api, sid, "review", "chief_a").status_code == 403
    assert _move(api, sid, "review", "reviewer").status_code == 200
    # the chief issues with edited measures; a reviewer may not
    assert _move(api, sid, "issue", "reviewer").status_code == 403
    measures = [{"id": "call_back", "text": "12小时内回访当事人", "hours": 12}]
    r = _move(api, sid, "issue", "chief_a", measures=measures, note="改为12小时回访")
    assert r.status_code == 200, r.text
    assert r.json()["measures"] == measures and r.json()["responsible"] == "社区警务队 张三"
    assert _move(api, sid, "acknowledge", "chief_a").status_code == 200
    r = _move(api, sid, "complete", "chief_a")
    assert r.status_code == 200 and r.json()["result"] == "已回访当事人并补开受案回执"
    assert _move(api, sid, "verify", "chief_a").status_code == 403
    assert _move(api, sid, "verify", "reviewer").status_code == 200
    r = _move(api, sid, "close", "reviewer")
    assert r.status_code == 200
    done = r.json()
    assert [e["action"] for e in done["events"]] == [
        "create",
        "review",
        "issue",
        "acknowledge",
        "complete",
        "verify",
        "close",
    ]
    assert [e["actor"] for e in done["events"]] == [
        "system",
        "reviewer",
        "chief_a",
        "chief_a",
        "chief_a",
        "reviewer",
        "reviewer",
    ]
    assert done["events"][2]["note"] == "改为12小时回访"
    for stamp in ("reviewed_at", "issued_at", "acknowledged_at", "completed_at", "verified_at"):
        assert done[stamp] is not None
    with api.ctx.db.session() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.actor)
            .where(
                AuditEvent.resource == f"task-sheets/{sid}", AuditEvent.action != "tasksheet.read"
            )
            .order_by(AuditEvent.seq)
        ).all()
        assert [a for a, _ in rows] == [f"tasksheet.{e['action']}" for e in done["events"]]
    # the queue shows the incident's sheet
    rows_seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:  # other tests share the database: walk the unit's queue to the incident
        params = {"unit": UNIT_A, **({"cursor": cursor} if cursor else {})}
        body = api.client.get("/incidents", params=params, headers=api.headers["reviewer"]).json()
        rows_seen += body["data"]
        cursor = body["next_cursor"]
        if any(i["id"] == rid for i in rows_seen) or not cursor:
            break
    row = next(i for i in rows_seen if i["id"] == rid)
    assert row["task_sheet_id"] == sid and row["task_sheet_state"] == "closed"


# -- triggers and creation by hand ---------------------------------------------------------------


def test_report_not_accepted_triggers_and_quiet_incident_does_not(api: ApiHarness) -> None:
    rna, _ = seed(
        api,
        name=f"rna-{next(_names)}",
        unit=UNIT_A,
        risk="low",
        flags=[("REPORT_NOT_ACCEPTED", "high")],
        call=("report", "normal"),
    )
    quiet, _ = seed(api, name=f"quiet-{next(_names)}", unit=UNIT_A, risk="low", flags=[])
    with api.ctx.db.session() as s:
        sheet = s.scalar(select(TaskSheet).where(TaskSheet.recording_id == uuid.UUID(rna)))
        assert sheet is not None and sheet.triggers == ["flag:REPORT_NOT_ACCEPTED"]
        assert sheet.urgency == "important"  # code_urgency REPORT_NOT_ACCEPTED
        assert [m["id"] for m in sheet.measures] == ["open_case", "issue_receipt", "call_back"]
        assert sheet.measures[2]["text"] == "24小时内回访当事人，核实诉求并答复"
        assert s.scalar(select(TaskSheet).where(TaskSheet.recording_id == uuid.UUID(quiet))) is None


def _flag_id(h: ApiHarness, rid: str) -> str:
    detail = h.client.get(f"/incidents/{rid}", headers=h.headers["reviewer"]).json()
    return str(detail["flags"][0]["id"])


def test_confirmed_flag_creates_sheet_dismissed_does_not(api: ApiHarness) -> None:
    confirmed, _ = seed(
        api,
        name=f"conf-{next(_names)}",
        unit=UNIT_A,
        risk="low",
        flags=[("SPEECH_PROFANITY", "medium")],
    )
    dismissed, _ = seed(
        api,
        name=f"dism-{next(_names)}",
        unit=UNIT_A,
        risk="low",
        flags=[("SPEECH_PROFANITY", "medium")],
    )
    with api.ctx.db.session() as s:
        assert (
            s.scalar(select(TaskSheet).where(TaskSheet.recording_id == uuid.UUID(confirmed)))
            is None
        )
    r = api.client.post(
        f"/flags/{_flag_id(api, dismissed)}/decision",
        json={"verdict": "dismiss", "reason_code": "asr_error"},
        headers=api.headers["reviewer"],
    )
    assert r.status_code == 201
    r = api.client.post(
        f"/flags/{_flag_id(api, confirmed)}/decision",
        json={"verdict": "confirm"},
        headers=api.headers["reviewer"],
    )
    assert r.status_code == 201
    with api.ctx.db.session() as s:
        sheet = s.scalar(select(TaskSheet).where(TaskSheet.recording_id == uuid.UUID(confirmed)))
        assert sheet is not None and sheet.triggers == ["confirmed:SPEECH_PROFANITY"]
        assert sheet.content["findings"][0]["verdict"] == "confirm"
        assert (
            s.scalar(select(TaskSheet).where(TaskSheet.recording_id == uuid.UUID(dismissed)))
            is None
        )
    # a second confirmation does not open a second sheet
    r = api.client.post(
        f"/flags/{_flag_id(api, confirmed)}/decision",
        json={"verdict": "confirm"},
        headers=api.headers["admin"],
    )
    assert r.status_code == 201
    with api.ctx.db.session() as s:
        n = s.scalars(
            select(TaskSheet.id).where(TaskSheet.recording_id == uuid.UUID(confirmed))
        ).all()
        assert len(n) == 1


def test_manual_creation(api: ApiHarness) -> None:
    rid, _ = seed(api, name=f"manual-{next(_names)}", unit=UNIT_A, risk="medium", flags=[])
    r = api.client.post("/task-sheets", json={"recording_id": rid}, headers=api.headers["chief_b"])
    assert r.status_code == 404  # another unit's incident is invisible
    r = api.client.post(
        "/task-sheets",
        json={"recording_id": rid, "note": "群众来电反映"},
        headers=api.headers["reviewer"],
    )
    assert r.status_code == 201, r.text
    sheet = r.json()
    assert sheet["triggers"] == ["manual"] and sheet["urgency"] == "important"
    assert (
        sheet["events"][0]["actor"] == "reviewer" and sheet["events"][0]["note"] == "群众来电反映"
    )
    assert sheet["recordings"] == [rid]
    r = api.client.post("/task-sheets", json={"recording_id": rid}, headers=api.headers["admin"])
    assert r.status_code == 409 and r.json()["detail"] == "incident already has a task sheet"
    r = api.client.post(
        "/task-sheets",
        json={"recording_id": "00000000-0000-0000-0000-000000000000"},
        headers=api.headers["admin"],
    )
    assert r.status_code == 404
    r = api.client.post(
        "/task-sheets", json={"recording_id": rid}, headers=api.headers["ingest_key"]
    )
    assert r.status_code == 403


# -- unit scoping --------------------------------------------------------------------------------


def test_chief_of_another_unit_can_neither_read_nor_move(api: ApiHarness) -> None:
    _, sid = _high_risk_sheet(api, unit=UNIT_A)
    _drive(api, sid, "reviewed")
    h = api.headers["chief_b"]
    assert api.client.get(f"/task-sheets/{sid}", headers=h).status_code == 404
    assert api.client.get(f"/task-sheets/{sid}/pdf", headers=h).status_code == 404
    r = api.client.post(f"/task-sheets/{sid}/transitions", json=_body("issue"), headers=h)
    assert r.status_code == 404
    assert _state(api, sid) == "reviewed"
    listed = api.client.get("/task-sheets", params={"limit": 200}, headers=h).json()
    assert all(s["unit"] == UNIT_B for s in listed["data"])
    assert sid not in {s["id"] for s in listed["data"]}
    assert api.client.get("/task-sheets", params={"unit": UNIT_A}, headers=h).status_code == 403
    # the own unit's chief can
    assert _move(api, sid, "issue", "chief_a").status_code == 200
    own = api.client.get(
        "/task-sheets", params={"state": "issued", "limit": 200}, headers=api.headers["chief_a"]
    ).json()
    assert sid in {s["id"] for s in own["data"]} and own["total"] >= own["count"]


def test_ingest_account_cannot_read_sheets(api: ApiHarness) -> None:
    assert api.client.get("/task-sheets", headers=api.headers["ingest_key"]).status_code == 403
    assert api.client.get("/task-sheets").status_code == 401


# -- overdue -------------------------------------------------------------------------------------


def _gauge(text: str, name: str, unit: str) -> float:
    for line in text.splitlines():
        if line.startswith(f'{name}{{unit="{unit}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_overdue_detection_with_a_controlled_clock(api: ApiHarness) -> None:
    rid, sid = _high_risk_sheet(api, unit=UNIT_B)
    _drive(api, sid, "issued")
    with api.ctx.db.session() as s:
        sheet = s.get(TaskSheet, uuid.UUID(sid))
        assert sheet is not None
        deadline = sheet.deadline_at
    clock = {"now": deadline - timedelta(minutes=1)}
    monitor = OverdueMonitor(api.ctx, clock=lambda: clock["now"])
    monitor.run_once()
    assert (
        api.client.get(f"/task-sheets/{sid}", headers=api.headers["admin"]).json()["overdue"]
        is False
    )

    clock["now"] = deadline + timedelta(minutes=1)
    monitor.run_once()
    sheet = api.client.get(f"/task-sheets/{sid}", headers=api.headers["chief_b"]).json()
    assert sheet["overdue"] is True
    assert datetime.fromisoformat(sheet["overdue_since"]) == clock["now"]
    listed = api.client.get(
        "/task-sheets", params={"overdue": "true"}, headers=api.headers["chief_b"]
    ).json()
    assert sid in {s["id"] for s in listed["data"]}
    assert listed["data"][0]["overdue"] is True  # overdue sheets come first
    queue = api.client.get(
        "/incidents", params={"overdue": "true"}, headers=api.headers["chief_b"]
    ).json()
    row = next(i for i in queue["data"] if i["id"] == rid)
    assert row["task_sheet_overdue"] is True
    assert all(i["task_sheet_overdue"] for i in queue["data"])
    not_overdue = api.client.get(
        "/incidents", params={"overdue": "false", "unit": UNIT_B}, headers=api.headers["admin"]
    ).json()
    assert rid not in {i["id"] for i in not_overdue["data"]}
    metrics = api.client.get("/metrics").text
    with api.ctx.db.session() as s:
        n = len(
            s.scalars(
                select(TaskSheet.id).where(TaskSheet.unit == UNIT_B, TaskSheet.overdue.is_(True))
            ).all()
        )
        events = s.scalars(
            select(AuditEvent).where(
                AuditEvent.resource == f"task-sheets/{sid}",
                AuditEvent.action == "tasksheet.overdue",
            )
        ).all()
    assert n >= 1 and _gauge(metrics, "vigil_task_sheets_overdue", UNIT_B) == n
    assert len(events) == 1 and events[0].actor == "system"
    monitor.run_once()  # a second pass does not flag (or audit) it again
    with api.ctx.db.session() as s:
        again = s.scalars(
            select(AuditEvent.seq).where(
                AuditEvent.resource == f"task-sheets/{sid}",
                AuditEvent.action == "tasksheet.overdue",
            )
        ).all()
        assert len(again) == 1
    # finishing the work lifts the flag
    _drive_from(api, sid, ["acknowledge", "complete"])
    assert (
        api.client.get(f"/task-sheets/{sid}", headers=api.headers["admin"]).json()["overdue"]
        is False
    )


# -- reopening on a new recording -----------------------------------------------------------------


def _import(h: ApiHarness, incident_id: str, unit: str) -> None:
    r = h.client.post(
        "/incidents:import",
        json=[
            {
                "incident_id": incident_id,
                "unit": unit,
                "officer_id": "P1001",
                "recorded_category": "theft",
                "recorded_disposition": "advised",
                "recorded_at": "2026-03-02T09:30:00+00:00",
                "caller_id": f"C-{incident_id}",
            }
        ],
        headers=h.headers["ingest_key"],
    )
    assert r.status_code == 200, r.text


def test_new_recording_of_the_incident_reopens_a_finished_sheet(api: ApiHarness) -> None:
    inc = f"INC-REOPEN-{next(_names)}"
    _import(api, inc, UNIT_A)
    rid, sid = _high_risk_sheet(api, incident_id=inc)
    _drive(api, sid, "closed")
    second, _ = seed(api, name=f"second-{next(_names)}", unit=UNIT_A, incident_id=inc, risk="low")
    sheet = api.client.get(f"/task-sheets/{sid}", headers=api.headers["chief_a"]).json()
    assert sheet["state"] == "reopened" and sheet["reopen_count"] == 1
    assert set(sheet["recordings"]) == {rid, second}
    last = sheet["events"][-1]
    assert (last["action"], last["from_state"], last["actor"]) == ("reopen", "closed", "system")
    with api.ctx.db.session() as s:
        assert len(s.scalars(select(TaskSheet.id).where(TaskSheet.incident_id == inc)).all()) == 1
        audit_row = s.scalars(
            select(AuditEvent).where(
                AuditEvent.resource == f"task-sheets/{sid}", AuditEvent.action == "tasksheet.reopen"
            )
        ).one()
        assert second in audit_row.detail
    # the reopened sheet goes round again
    _drive_from(api, sid, ["review", "issue", "acknowledge", "complete", "verify", "close"])
    assert _state(api, sid) == "closed"


def test_new_recording_joins_an_open_sheet_without_reopening(api: ApiHarness) -> None:
    inc = f"INC-JOIN-{next(_names)}"
    _import(api, inc, UNIT_A)
    _, sid = _high_risk_sheet(api, incident_id=inc)
    _drive(api, sid, "issued")
    seed(api, name=f"join-{next(_names)}", unit=UNIT_A, incident_id=inc, risk="high")
    sheet = api.client.get(f"/task-sheets/{sid}", headers=api.headers["admin"]).json()
    assert sheet["state"] == "issued" and sheet["reopen_count"] == 0
    assert len(sheet["recordings"]) == 2 and sheet["events"][-1]["action"] == "add_recording"


def test_reprocessing_the_same_recording_does_not_reopen(api: ApiHarness) -> None:
    name = f"again-{next(_names)}"
    rid, _ = seed(api, name=name, unit=UNIT_A, risk="high", flags=[("SPEECH_THREAT", "high")])
    with api.ctx.db.session() as s:
        rec = s.get(Recording, uuid.UUID(rid))
        assert rec is not None and rec.task_sheet_id is not None
        sid = str(rec.task_sheet_id)
    _drive(api, sid, "closed")
    # the batch rewrites the same document (same recording, new content): not a new recording
    seed(
        api, name=name, unit=UNIT_A, risk="high", risk_score=0.95, flags=[("SPEECH_THREAT", "high")]
    )
    assert _state(api, sid) == "closed"


# -- the printable sheet -------------------------------------------------------------------------


def test_task_sheet_pdf_is_chinese_text_in_an_embedded_cjk_font(
    api: ApiHarness, tmp_path: Any
) -> None:
    _, sid = _high_risk_sheet(api)
    _drive(api, sid, "issued")
    r = api.client.get(f"/task-sheets/{sid}/pdf", headers=api.headers["chief_a"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in (
        "处置意见任务单",
        "一、警情基本信息",
        "二、警情摘要",
        "三、发现的问题",
        "处置措施",
        "流转记录",
    ):
        assert heading in text, heading
    assert UNIT_A in text and "威胁恐吓" in text and "电动车被盗" in text
    assert "社区警务队 张三" in text and "已下发" in text
    assert "对涉事民警进行谈话提醒、整改" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all("Noto" in f and "CJK" in f and " yes " in f for f in fonts), fonts


def test_every_sheet_transition_is_in_the_verified_audit_chain(api: ApiHarness) -> None:
    with api.ctx.db.session() as s:
        report = audit.verify_chain(s)
        assert report.ok, report
        n = s.scalars(select(AuditEvent.seq).where(AuditEvent.action.like("tasksheet.%"))).all()
        assert len(n) > 0
