"""The indexer brings batch-written documents into the queue and re-indexes a document the batch
rewrote under the same key (keeping the review work on findings raised again); migrations go up and
down cleanly on both databases."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from api.db import Database, downgrade, migrate
from api.worker import Indexer
from pipeline.store import document_key
from tests.utils.api_factories import UNIT_B, ApiHarness, make_document, seed


def test_rewritten_document_is_reindexed(api: ApiHarness) -> None:
    rid, doc = seed(api, name="rerun", unit=UNIT_B, risk="low", flags=[("SPEECH_IMPATIENT", "low")])
    h = api.headers["reviewer"]
    first = api.client.get(f"/incidents/{rid}", headers=h).json()
    old_flag = first["flags"][0]["id"]
    assert (
        api.client.post(
            f"/flags/{old_flag}/decision", json={"verdict": "confirm"}, headers=h
        ).status_code
        == 201
    )
    assert Indexer(api.ctx).run_once() == 0  # nothing changed, nothing re-read

    # the batch re-runs with a new rule pack and rewrites the same document
    rerun = make_document(
        name="rerun",
        unit=UNIT_B,
        risk="high",
        risk_score=2.5,
        flags=[("SPEECH_THREAT", "high"), ("SPEECH_IMPATIENT", "low")],
    )
    assert rerun.recording_id == doc.recording_id
    api.store.put_bytes(document_key(rerun.recording_id), rerun.model_dump_json().encode())
    assert Indexer(api.ctx).run_once() == 1

    second = api.client.get(f"/incidents/{rid}", headers=h).json()
    assert second["risk"]["level"] == "high"
    assert [f["code"] for f in second["flags"]] == ["SPEECH_THREAT", "SPEECH_IMPATIENT"]
    assert old_flag not in {f["id"] for f in second["flags"]}
    # the confirmed finding is raised again (moved in the list): its decision follows it, the new
    # threat flag is undecided, so the incident is part-reviewed rather than reset
    impatient = second["flags"][1]
    assert impatient["latest_verdict"] == "confirm"
    assert [d["flag_id"] for d in impatient["decisions"]] == [old_flag]
    assert second["review_status"] == "in_review"
    r = api.client.post(f"/flags/{old_flag}/decision", json={"verdict": "confirm"}, headers=h)
    assert r.status_code == 409 and r.json()["detail"] == "flag superseded by a newer analysis"
    queue = api.client.get(
        "/incidents", params={"unit": UNIT_B, "risk_level": "high"}, headers=h
    ).json()["data"]
    assert rid in [row["id"] for row in queue]


def test_unreadable_document_is_skipped(api: ApiHarness) -> None:
    api.store.put_bytes("documents/rec-broken.json", b"{not a document")
    assert Indexer(api.ctx).run_once() == 0
    assert api.client.get("/readyz").status_code == 200


def test_migrations_down_and_up(database_url: str, tmp_path: Path) -> None:
    """On a separate database of the same engine as this module's."""
    cleanup = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'mig.db'}"
    else:
        u = make_url(database_url)
        cleanup = f"host={u.host} port={u.port} user={u.username} dbname=postgres"
        with psycopg.connect(cleanup, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "vigil_migrations"')
        url = database_url.rpartition("/")[0] + "/vigil_migrations"
    db = Database(url)
    try:
        migrate(db.engine)
        assert "document_etag" in {c["name"] for c in inspect(db.engine).get_columns("recordings")}
        downgrade(db.engine, "0001")
        assert "document_etag" not in {
            c["name"] for c in inspect(db.engine).get_columns("recordings")
        }
        downgrade(db.engine, "base")
        assert not {"recordings", "audit_events"} & set(inspect(db.engine).get_table_names())
        migrate(db.engine)
        assert {"recordings", "flags", "decisions", "audit_events", "audit_head"} <= set(
            inspect(db.engine).get_table_names()
        )
    finally:
        db.dispose()
        if cleanup:
            with psycopg.connect(cleanup, autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "vigil_migrations" WITH (FORCE)')
