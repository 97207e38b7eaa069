"""The whole flow over HTTP with the real pipeline and the real worker thread: upload a synthetic
Mandarin counter recording -> processed -> in the queue -> decision -> rule metrics. Plus the
worker's failure handling: a corrupt file fails permanently with its reason, a missing object too."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.worker import Worker
from evaluation.synthesis import synthesize_scenario, write_wav
from pipeline.analyzer import Pipeline
from pipeline.config import load_config
from pipeline.store import LocalStore
from tests.utils.api_factories import PERSONAS, UNIT_A, ApiHarness, login, make_settings

TURNS = [
    {"speaker": "S1", "role": "officer", "text": "您好，请坐，有什么需要帮助的？"},
    {"speaker": "S2", "role": "party", "text": "我的电动车在小区门口被偷了，我要报案。"},
    {"speaker": "S1", "role": "officer", "text": "这个不归我们管，你去别处报吧，明天再来。"},
]


@functools.cache
def shared_pipeline() -> Pipeline:
    """One real pipeline (models loaded once) for both database runs."""
    return Pipeline.from_config(load_config())


@pytest.fixture(scope="module")
def live(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHarness]:
    tmp = tmp_path_factory.mktemp("flow")
    store = LocalStore(tmp / "store", fsync=False)
    settings = make_settings(
        database_url, tmp, WORKER_ENABLED=True, WORKER_POLL_SECONDS=0.2, MAX_UPLOAD_BYTES=20 * 2**20
    )
    app = create_app(settings, store=store, pipeline_factory=shared_pipeline)
    with TestClient(app) as client:
        from api import crud

        h = ApiHarness(client=client, ctx=app.state.ctx, store=store)
        with h.ctx.db.session() as s:
            for name, (role, unit) in PERSONAS.items():
                h.ids[name] = str(
                    crud.create_user(
                        session=s,
                        username=name,
                        password="correct-horse-battery",
                        role=role,
                        unit=unit,
                    ).id
                )
            s.commit()
        for name in PERSONAS:
            h.headers[name] = login(client, name)
        yield h


@pytest.fixture(scope="module")
def mandarin_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rec = synthesize_scenario(TURNS, "counter", seed=7)
    return write_wav(tmp_path_factory.mktemp("wav") / "counter.wav", rec.audio, rec.sample_rate)


def _wait(h: ApiHarness, rid: str, timeout: float = 600.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rec = h.client.get(f"/recordings/{rid}", headers=h.headers["admin"]).json()
        if rec["status"] in ("done", "failed"):
            return dict(rec)
        time.sleep(0.5)
    raise AssertionError(f"recording {rid} not processed in {timeout} s")


def _upload(h: ApiHarness, name: str, body: bytes, **extra: str) -> dict[str, Any]:
    r = h.client.post(
        "/recordings",
        data={
            "source": "counter",
            "unit": UNIT_A,
            "officer": "P1003",
            "recorded_at": "2026-03-02T09:30:00+08:00",
            **extra,
        },
        files={"file": (name, body, "application/octet-stream")},
        headers=h.headers["ingest"],
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.slow
def test_upload_process_queue_decide_metrics(live: ApiHarness, mandarin_wav: Path) -> None:
    r = live.client.post(
        "/incidents:import",
        json=[
            {
                "incident_id": "FLOW-0001",
                "unit": UNIT_A,
                "officer_id": "P1003",
                "recorded_category": "theft",
                "recorded_disposition": "case_accepted",
                "recorded_at": "2026-03-02T09:31:00+08:00",
            }
        ],
        headers=live.headers["ingest"],
    )
    assert r.status_code == 200
    rec = _upload(live, "counter.wav", mandarin_wav.read_bytes())
    assert rec["incident_id"] == "FLOW-0001"
    done = _wait(live, rec["id"])
    assert done["status"] == "done", done["reason"]
    assert done["analysis_id"].startswith("rec-") and done["document_key"]

    queue = live.client.get("/incidents", headers=live.headers["chief_a"]).json()["data"]
    assert rec["id"] in [row["id"] for row in queue]

    d = live.client.get(f"/incidents/{rec['id']}", headers=live.headers["reviewer"]).json()
    assert d["case_record"]["incident_id"] == "FLOW-0001"
    assert d["transcript"] and all(seg["role"] for seg in d["transcript"])
    starts = [seg["start"] for seg in d["transcript"]]
    assert starts == sorted(starts)
    assert d["flags"], "the shirking turn should raise at least one flag"
    flag = d["flags"][0]
    assert flag["media_url"].endswith(f"#t={flag['start']:.3f}")

    r = live.client.post(
        f"/flags/{flag['id']}/decision",
        json={"verdict": "confirm"},
        headers=live.headers["reviewer"],
    )
    assert r.status_code == 201
    rows = live.client.get("/metrics/rules", headers=live.headers["reviewer"]).json()["data"]
    mine = [row for row in rows if row["rule_id"] == flag["rule_id"]]
    assert mine and mine[-1]["confirmed"] == 1 and mine[-1]["precision"] == 1.0

    status_before = live.client.get(
        f"/incidents/{rec['id']}", headers=live.headers["reviewer"]
    ).json()["review_status"]
    # reprocess on demand: back to the queue, processed again; the same findings come back and
    # the decision follows its finding to the new flag (same stable key), review status kept
    r = live.client.post(f"/recordings/{rec['id']}:reprocess", headers=live.headers["reviewer"])
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert _wait(live, rec["id"])["status"] == "done"
    d2 = live.client.get(f"/incidents/{rec['id']}", headers=live.headers["reviewer"]).json()
    assert {f["code"] for f in d2["flags"]} == {f["code"] for f in d["flags"]}
    again = next(f for f in d2["flags"] if f["stable_key"] == flag["stable_key"])
    assert again["id"] != flag["id"] and again["latest_verdict"] == "confirm"
    assert [x["flag_id"] for x in again["decisions"]] == [flag["id"]]
    assert d2["review_status"] == status_before and d2["superseded_flags"] == []
    old = live.client.post(
        f"/flags/{flag['id']}/decision",
        json={"verdict": "confirm"},
        headers=live.headers["reviewer"],
    )
    assert old.status_code == 409


CORRUPT_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8


def test_corrupt_upload_is_refused_at_intake(live: ApiHarness) -> None:
    r = live.client.post(
        "/recordings",
        data={
            "source": "counter",
            "unit": UNIT_A,
            "officer": "P1",
            "recorded_at": "2026-03-02T09:30:00+08:00",
        },
        files={"file": ("broken.mp4", CORRUPT_MP4, "video/mp4")},
        headers=live.headers["ingest"],
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("media cannot be decoded: ")
    assert "broken.mp4" in r.json()["detail"] and "spool" not in r.json()["detail"]


def test_corrupt_stored_media_fails_permanently_and_never_reads_clear(live: ApiHarness) -> None:
    live.store.put_bytes("raw/2026-03/broken.mp4", CORRUPT_MP4)
    rec = _upload_key(live, "raw/2026-03/broken.mp4")
    assert rec["status"] == "queued"
    done = _wait(live, rec["id"], timeout=120)
    assert done["status"] == "failed" and done["attempts"] == 1
    assert done["reason"]
    rows = live.client.get(
        "/incidents", params={"status": "failed"}, headers=live.headers["reviewer"]
    ).json()["data"]
    row = next(x for x in rows if x["id"] == rec["id"])
    assert row["review_status"] == "failed"  # not "clear": nothing was analysed


def test_missing_object_is_not_retried(live: ApiHarness) -> None:
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 600
    live.store.put_bytes("raw/2026-03/vanishing.wav", wav)
    rec = _upload_key(live, "raw/2026-03/vanishing.wav")
    live.store.delete("raw/2026-03/vanishing.wav")
    worker = next(s for s in live.ctx.services if isinstance(s, Worker))
    assert worker is not None
    done = _wait(live, rec["id"], timeout=120)
    assert done["status"] == "failed" and done["attempts"] == 1


def _upload_key(h: ApiHarness, key: str) -> dict[str, Any]:
    r = h.client.post(
        "/recordings",
        data={
            "source": "phone",
            "unit": UNIT_A,
            "officer": "P1004",
            "recorded_at": "2026-03-02T09:30:00+08:00",
            "media_key": key,
        },
        headers=h.headers["ingest"],
    )
    assert r.status_code == 201, r.text
    return dict(r.json())
