"""Issue 14's findings, one test each: no forged credentials, no cross-unit leaks, no duplicated or
reset work, a keyed audit chain that catches edits, truncation and decision tampering, login lockout,
strict query parameters. Each fails on the code before the fix."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from api import Settings
from api.audit import GENESIS
from api.core.security import sign_media
from api.models import AuditEvent, Recording
from api.worker import Indexer, Worker
from pipeline.cli import app as cli_app
from pipeline.store import document_key
from tests.utils.api_factories import (
    UNIT_A,
    UNIT_B,
    ApiHarness,
    harness,
    make_document,
    seed,
    wav_bytes,
)
from tests.utils.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
WEAK = [
    "changethis",
    "changethis" * 4,  # a repetition of the placeholder, 40 characters
    "change-me-" * 4,
    "x" * 40,
    "test-secret-" + "x" * 40,
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "my-production-secret-key-2026-vigil!",
    "aB3$" * 10,
]


@pytest.fixture
def fresh(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server: PostgresServer
) -> Iterator[ApiHarness]:
    """A new app on a new database per test (these tests tamper with the database)."""
    engine = getattr(request, "param", "sqlite")
    if engine == "sqlite":
        with harness(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as h:
            yield h
        return
    name = postgres_server.create_database()
    try:
        with harness(f"{postgres_server.url}/{name}", tmp_path) as h:
            yield h
            h.ctx.db.dispose()
    finally:
        postgres_server.drop_database(name)


BOTH = pytest.mark.parametrize("fresh", ["sqlite", "postgresql"], indirect=True)


# -- 1. keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["development", "test", "production"])
@pytest.mark.parametrize("value", WEAK)
def test_weak_keys_are_refused_in_every_environment(env: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="VIGIL_API_SECRET_KEY"):
        Settings(ENVIRONMENT=env, SECRET_KEY=value, DATA_DIR=str(tmp_path))
    with pytest.raises(ValidationError, match="VIGIL_API_AUDIT_KEY"):
        Settings(ENVIRONMENT=env, AUDIT_KEY=value, DATA_DIR=str(tmp_path))


def test_random_keys_pass_and_unset_keys_are_generated_0600(tmp_path: Path) -> None:
    for _ in range(50):  # no false alarms on real random keys of the usual shapes
        Settings(SECRET_KEY=secrets.token_hex(16), AUDIT_KEY=secrets.token_urlsafe(32))
    data = tmp_path / "data"
    first = Settings(ENVIRONMENT="production", DATA_DIR=str(data))
    for name, value in (("secret.key", first.SECRET_KEY), ("audit.key", first.AUDIT_KEY)):
        path = data / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().strip() == value and len(value) >= 64
    assert first.SECRET_KEY != first.AUDIT_KEY
    again = Settings(DATA_DIR=str(data))
    assert (again.SECRET_KEY, again.AUDIT_KEY) == (first.SECRET_KEY, first.AUDIT_KEY)
    (data / "secret.key").chmod(0o644)
    with pytest.raises(ValidationError, match="accessible to other users"):
        Settings(DATA_DIR=str(data))


def test_serve_refuses_a_placeholder_secret(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "VIGIL_API_SECRET_KEY": "changethis" * 4,
        "VIGIL_API_DATA_DIR": str(tmp_path),
        "VIGIL_API_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    r = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "serve", "--port", "9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "VIGIL_API_SECRET_KEY contains the placeholder word 'changethis'" in r.stderr


@pytest.mark.parametrize("placeholder", ["changethis", "changethis" * 4])
def test_placeholder_signed_credentials_are_worthless(api: ApiHarness, placeholder: str) -> None:
    forged = jwt.encode({"sub": api.ids["admin"], "exp": 4102444800}, placeholder)
    r = api.client.get("/audit/verify", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    expires = int(time.time()) + 365 * 86400
    sig = sign_media("raw/2026-03/x.wav", expires, secret=placeholder, user="admin")
    url = f"/media/raw/2026-03/x.wav?expires={expires}&user=admin&signature={sig}"
    assert api.client.get(url).status_code == 401  # anonymous: no credentials at all
    assert api.client.get(url, headers=api.headers["admin"]).status_code == 403


def test_login_logs_no_key_length_warning(
    api: ApiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = api.client.post(
            "/login/access-token",
            data={"username": "reviewer", "password": "correct-horse-battery"},
        )
    assert r.status_code == 200
    assert not [w for w in caught if "key" in str(w.message).lower()]
    assert "key length" not in caplog.text.lower()


# -- 2. one recording per raw object -------------------------------------------------------------


def _register(api: ApiHarness, key: str, unit: str) -> Any:
    return api.client.post(
        "/recordings",
        data={
            "source": "phone",
            "unit": unit,
            "officer": "P7",
            "recorded_at": "2026-03-02T09:30:00+08:00",
            "media_key": key,
        },
        headers=api.headers["ingest"],
    )


def test_a_raw_object_is_registered_once(api: ApiHarness) -> None:
    key = f"raw/2026-03/once-{uuid.uuid4().hex[:8]}.wav"
    api.store.put_bytes(key, wav_bytes(0.3, seed=41), content_type="audio/wav")
    first = _register(api, key, UNIT_A)
    assert first.status_code == 201, first.text
    for unit in (UNIT_B, UNIT_A):
        again = _register(api, key, unit)
        assert (
            again.status_code == 409 and again.json()["detail"] == "media_key is already registered"
        )
        assert first.json()["id"] not in again.text and UNIT_A not in again.text
    with api.ctx.db.session() as s:
        assert s.scalar(select(func.count()).where(Recording.media_key == key)) == 1
    # the same bytes uploaded for another unit: refused, nothing about the first recording
    body = wav_bytes(0.3, seed=42)
    form = {"source": "phone", "officer": "P7", "recorded_at": "2026-03-02T09:30:00+08:00"}
    ok = api.client.post(
        "/recordings",
        data={**form, "unit": UNIT_A},
        files={"file": ("a.wav", body, "audio/wav")},
        headers=api.headers["ingest"],
    )
    assert ok.status_code == 201
    other = api.client.post(
        "/recordings",
        data={**form, "unit": UNIT_B},
        files={"file": ("a.wav", body, "audio/wav")},
        headers=api.headers["ingest"],
    )
    assert other.status_code == 409 and ok.json()["id"] not in other.text
    assert UNIT_A not in other.text


@pytest.mark.parametrize(
    "key", [".vigil/meta/raw/x.wav", "documents/rec-1.json", "index/raw/a.json"]
)
def test_store_internal_keys_cannot_be_registered(api: ApiHarness, key: str) -> None:
    r = _register(api, key, UNIT_A)
    assert r.status_code == 422 and "reserves" in r.json()["detail"]


# -- 3. idempotent indexing ----------------------------------------------------------------------


@BOTH
def test_document_of_a_dead_worker_is_indexed_into_its_recording(fresh: ApiHarness) -> None:
    """The state a kill -9 between document write and commit leaves: a queued recording whose
    document is already in the store. Indexing it must not add a second recording."""
    key = "raw/2026-03/crash.wav"
    fresh.store.put_bytes(key, wav_bytes(0.3, seed=43), content_type="audio/wav")
    rec = _register(fresh, key, UNIT_A).json()
    doc = make_document(name="crash", unit=UNIT_A, media_key=key, flags=[("SPEECH_THREAT", "high")])
    fresh.store.put_bytes(document_key(doc.recording_id), doc.model_dump_json().encode())
    with fresh.ctx.db.session() as s:  # the claim had been committed before the kill
        s.execute(text("UPDATE recordings SET status = 'running', attempts = 1"))
        s.commit()
    assert Indexer(fresh.ctx).run_once() == 1
    assert Indexer(fresh.ctx).run_once() == 0
    Worker(fresh.ctx).recover()
    with fresh.ctx.db.session() as s:
        rows = s.scalars(select(Recording)).all()
    assert len(rows) == 1 and str(rows[0].id) == rec["id"]
    assert rows[0].status == "done" and rows[0].unit == UNIT_A
    queue = fresh.client.get("/incidents", headers=fresh.headers["reviewer"]).json()
    assert [r["id"] for r in queue["data"]] == [rec["id"]]


@BOTH
def test_two_analyses_of_one_raw_object_do_not_flip_the_recording(fresh: ApiHarness) -> None:
    """A raw object overwritten in place is analysed again under a new recording id, and the older
    document stays in the store. Both lead to the same recording: the newer analysis must stay
    attached, not alternate with the older one on every indexer pass (each pass added flag rows
    and an audit event, and the queue showed whichever came last)."""
    key = "raw/2026-03/replaced.wav"
    fresh.store.put_bytes(key, wav_bytes(0.3, seed=45), content_type="audio/wav")
    old = make_document(
        name="replaced-v1", unit=UNIT_A, media_key=key, flags=[("SPEECH_THREAT", "high")]
    )
    new = make_document(name="replaced-v2", unit=UNIT_A, media_key=key)
    assert old.created_at < new.created_at
    for doc in (new, old):  # listing order must not matter either
        fresh.store.put_bytes(document_key(doc.recording_id), doc.model_dump_json().encode())
    assert Indexer(fresh.ctx).run_once() >= 1

    def state() -> tuple[int, str | None, int]:
        with fresh.ctx.db.session() as s:
            rows = s.scalars(select(Recording)).all()
            analysed = select(func.count()).where(AuditEvent.action == "recording.analysed")
            return len(rows), rows[0].document_key, int(s.scalar(analysed) or 0)

    after_first = state()
    assert after_first[:2] == (1, document_key(new.recording_id))
    assert [Indexer(fresh.ctx).run_once() for _ in range(3)] == [0, 0, 0]
    assert state() == after_first  # no flip back, no new flag rows or audit events


# -- 4. decisions survive re-analysis ------------------------------------------------------------


def _decide(h: ApiHarness, flag: str, verdict: str, **extra: str) -> None:
    r = h.client.post(
        f"/flags/{flag}/decision", json={"verdict": verdict, **extra}, headers=h.headers["reviewer"]
    )
    assert r.status_code == 201, r.text


def test_reanalysis_keeps_decisions_and_shows_superseded_flags(api: ApiHarness) -> None:
    name = f"reanalyse-{uuid.uuid4().hex[:6]}"
    flags = [("SPEECH_THREAT", "high"), ("MISSING_SELF_ID", "medium"), ("SPEECH_PROFANITY", "low")]
    rid, doc = seed(api, name=name, unit=UNIT_A, risk="high", flags=flags)
    h = api.headers["reviewer"]
    first = api.client.get(f"/incidents/{rid}", headers=h).json()
    threat, self_id, profanity = (f["id"] for f in first["flags"])
    _decide(api, threat, "confirm")
    _decide(api, self_id, "escalate")
    _decide(api, profanity, "dismiss", reason_code="asr_error")
    assert api.client.get(f"/incidents/{rid}", headers=h).json()["review_status"] == "escalated"

    # re-analysis: the profanity finding moved to the top of the list, the self-id finding is gone
    redo = make_document(
        name=name, unit=UNIT_A, risk="high", flags=[("SPEECH_PROFANITY", "low"), flags[0]]
    )
    api.store.put_bytes(document_key(redo.recording_id), redo.model_dump_json().encode())
    assert Indexer(api.ctx).run_once() == 1
    after = api.client.get(f"/incidents/{rid}", headers=h).json()
    by_code = {f["code"]: f for f in after["flags"]}
    assert by_code["SPEECH_PROFANITY"]["latest_verdict"] == "dismiss"
    assert by_code["SPEECH_THREAT"]["latest_verdict"] == "confirm"
    assert [d["flag_id"] for d in by_code["SPEECH_THREAT"]["decisions"]] == [threat]
    gone = after["superseded_flags"]
    assert [(f["id"], f["code"], f["superseded"]) for f in gone] == [
        (self_id, "MISSING_SELF_ID", True)
    ]
    assert gone[0]["decisions"][0]["verdict"] == "escalate"
    assert after["review_status"] == "escalated"  # not reset to "unreviewed"
    # the reviewer can keep working on the carried flag; the superseded one is closed
    _decide(api, by_code["SPEECH_THREAT"]["id"], "dismiss", reason_code="context_lawful")
    r = api.client.post(f"/flags/{self_id}/decision", json={"verdict": "confirm"}, headers=h)
    assert r.status_code == 409


# -- 5. the audit chain --------------------------------------------------------------------------


def _tamper(h: ApiHarness, *sql: str) -> None:
    """What someone with database write access and DDL rights can do."""
    with h.ctx.db.engine.begin() as conn:
        if h.dialect == "sqlite":
            for trig in ("audit_events_no_update", "audit_events_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trig}"))
            for trig in ("decisions_no_update", "decisions_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trig}"))
        else:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            conn.execute(text("ALTER TABLE decisions DISABLE TRIGGER decisions_append_only"))
        for stmt in sql:
            conn.execute(text(stmt))


def _verify(h: ApiHarness) -> dict[str, Any]:
    r = h.client.get("/audit/verify", headers=h.headers["admin"])
    assert r.status_code == 200
    return dict(r.json())


def _rechain_unkeyed(h: ApiHarness, from_seq: int) -> None:
    """Recompute every hash from ``from_seq`` on as the unkeyed chain did (SHA-256)."""
    from api.audit import _body

    with h.ctx.db.session() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        prev = GENESIS
        updates = []
        for ev in rows:
            if ev.seq >= from_seq:
                digest = hashlib.sha256(f"{prev}\n{_body(ev)}".encode()).hexdigest()
                updates.append((ev.seq, prev, digest))
                prev = digest
            else:
                prev = ev.hash
    _tamper(
        h,
        *[
            f"UPDATE audit_events SET prev_hash = '{p}', hash = '{d}' WHERE seq = {q}"
            for q, p, d in updates
        ],
        f"UPDATE audit_head SET last_hash = '{prev}'",
    )


@BOTH
def test_edited_event_with_recomputed_hashes_is_caught(fresh: ApiHarness) -> None:
    seed(fresh, name="audit-edit", unit=UNIT_A, flags=[("SPEECH_THREAT", "high")])
    assert _verify(fresh)["ok"] is True
    _tamper(fresh, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    _rechain_unkeyed(fresh, 3)
    r = _verify(fresh)
    assert r["ok"] is False and r["first_bad_seq"] == 3


@BOTH
def test_deleted_newest_events_are_caught(fresh: ApiHarness) -> None:
    for _ in range(3):
        fresh.client.get("/incidents", headers=fresh.headers["reviewer"])
    with fresh.ctx.db.session() as s:
        last = int(s.scalar(select(func.max(AuditEvent.seq))) or 0)
        keep_hash = s.scalar(select(AuditEvent.hash).where(AuditEvent.seq == last - 2))
    _tamper(
        fresh,
        f"DELETE FROM audit_events WHERE seq > {last - 2}",
        f"UPDATE audit_head SET last_seq = {last - 2}, last_hash = '{keep_hash}'",
    )
    r = _verify(fresh)
    assert r["ok"] is False and "were removed" in r["reason"]


@BOTH
def test_decision_edits_deletions_and_insertions_are_caught(fresh: ApiHarness) -> None:
    rid, _ = seed(fresh, name="audit-dec", unit=UNIT_A, flags=[("SPEECH_THREAT", "high")])
    flag = fresh.client.get(f"/incidents/{rid}", headers=fresh.headers["admin"]).json()["flags"][0]
    _decide(fresh, flag["id"], "dismiss", reason_code="asr_error")
    assert _verify(fresh)["decisions"] == 1
    _tamper(fresh, "UPDATE decisions SET verdict = 'confirm', reason_code = NULL")
    r = _verify(fresh)
    assert r["ok"] is False and "differs from its audit seal" in r["reason"]

    _tamper(fresh, "DELETE FROM decisions")
    r = _verify(fresh)
    assert r["ok"] is False and "is missing" in r["reason"]


@BOTH
def test_decision_inserted_behind_the_api_is_caught(fresh: ApiHarness) -> None:
    rid, _ = seed(fresh, name="audit-ins", unit=UNIT_A, flags=[("SPEECH_THREAT", "high")])
    flag = fresh.client.get(f"/incidents/{rid}", headers=fresh.headers["admin"]).json()["flags"][0]
    _decide(fresh, flag["id"], "confirm")
    with fresh.ctx.db.engine.begin() as conn:
        cols = (
            "id, flag_id, recording_id, rule_id, code, unit, verdict, user_id, username, created_at"
        )
        new_id = uuid.uuid4()
        value = new_id.hex if fresh.dialect == "sqlite" else str(new_id)
        conn.execute(
            text(
                f"INSERT INTO decisions ({cols}) SELECT :i, flag_id, recording_id, rule_id, code, "
                "unit, 'dismiss', user_id, username, created_at FROM decisions"
            ),
            {"i": value},
        )
    r = _verify(fresh)
    assert r["ok"] is False and "has no audit event" in r["reason"]


def test_cli_verifies_the_audit_log(fresh: ApiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    s = fresh.ctx.settings
    for name in ("DATABASE_URL", "SECRET_KEY", "AUDIT_KEY", "AUDIT_ANCHOR_FILE", "DATA_DIR"):
        monkeypatch.setenv(f"VIGIL_API_{name}", str(getattr(s, name)))
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True
    _tamper(fresh, "UPDATE audit_events SET ip = '10.6.6.6' WHERE seq = 2")
    bad = runner.invoke(cli_app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["first_bad_seq"] == 2


# -- 8. login throttling -------------------------------------------------------------------------


def test_login_lockout_per_account_and_bounded_audit(fresh: ApiHarness) -> None:
    c = fresh.client

    def attempt(user: str, pw: str) -> Any:
        return c.post("/login/access-token", data={"username": user, "password": pw})

    for _ in range(5):
        assert attempt("reviewer", "wrong-password").status_code == 401
    locked = attempt("reviewer", "correct-horse-battery")  # even the right password waits
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    for _ in range(30):
        assert attempt("reviewer", "another-guess").status_code == 429
    with fresh.ctx.db.session() as s:
        rows = s.execute(
            select(AuditEvent.action, func.count())
            .where(AuditEvent.actor == "reviewer", AuditEvent.action.like("login.%"))
            .group_by(AuditEvent.action)
        ).all()
    assert dict(rows) == {"login.failed": 4, "login.locked": 1}  # 36 refusals, 5 rows
    assert attempt("admin", "correct-horse-battery").status_code == 200  # other accounts unaffected


def test_login_lockout_per_client_and_expiry(
    tmp_path: Path,
) -> None:
    with harness(
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path,
        LOGIN_MAX_FAILURES_PER_CLIENT=8,
        LOGIN_LOCKOUT_SECONDS=1.0,
    ) as h:
        for i in range(8):  # a different (unknown) user name each time: the address still counts
            r = h.client.post("/login/access-token", data={"username": f"u{i}", "password": "x"})
            assert r.status_code == 401
        r = h.client.post(
            "/login/access-token", data={"username": "admin", "password": "correct-horse-battery"}
        )
        assert r.status_code == 429
        time.sleep(1.2)
        r = h.client.post(
            "/login/access-token", data={"username": "admin", "password": "correct-horse-battery"}
        )
        assert r.status_code == 200
        with h.ctx.db.session() as s:
            ended = s.scalars(
                select(AuditEvent.detail).where(AuditEvent.action == "login.lockout_ended")
            ).all()
        assert [json.loads(d)["refused"] for d in ended] == [1]


# -- 10. friction --------------------------------------------------------------------------------


def test_login_explains_that_json_is_not_accepted(api: ApiHarness) -> None:
    r = api.client.post(
        "/login/access-token", json={"username": "admin", "password": "correct-horse-battery"}
    )
    assert r.status_code == 415
    assert "application/x-www-form-urlencoded" in r.json()["detail"]


@pytest.mark.parametrize(
    "path, params",
    [
        ("/incidents", {"flag_code": "SPEECH_THREAT"}),
        ("/incidents", {"unit": UNIT_A, "untis": UNIT_B}),
        ("/incidents", [("status", "done"), ("status", "failed")]),
        ("/metrics/rules", {"windows": "day"}),
        ("/users/me", {"debug": "1"}),
    ],
)
def test_unknown_or_repeated_query_parameters_are_refused(
    api: ApiHarness, path: str, params: Any
) -> None:
    r = api.client.get(path, params=params, headers=api.headers["admin"])
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"][0] == "query"


def test_schema_lists_dismiss_reasons_and_statuses() -> None:
    from api import openapi_schema

    schemas = openapi_schema()["components"]["schemas"]
    reason = schemas["DecisionCreate"]["properties"]["reason_code"]["anyOf"][0]
    assert reason["enum"] == [
        "asr_error",
        "wrong_speaker",
        "context_lawful",
        "quoting_party",
        "duplicate",
        "other",
    ]
    assert schemas["IncidentSummary"]["properties"]["review_status"]["enum"][:2] == [
        "pending",
        "failed",
    ]
    assert schemas["RecordingPublic"]["properties"]["status"]["enum"] == [
        "queued",
        "running",
        "done",
        "failed",
    ]


@pytest.mark.parametrize("command", ["analyze", "batch", "serve", "audit", "audit verify"])
def test_every_help_page_renders(command: str) -> None:
    r = CliRunner().invoke(cli_app, [*command.split(), "--help"])
    assert r.exit_code == 0, r.output
    assert "Usage" in r.output
