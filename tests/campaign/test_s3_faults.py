"""A full S3 bucket, on SQLite and PostgreSQL: SeaweedFS for real, no local disk involved.

SeaweedFS has no ENOSPC for a bucket: a bucket *quota* is how it is filled, and its operator (or the
master's maintenance script) runs ``s3.bucket.quota.enforce -apply``, which makes an over-quota
bucket read-only; from then on every write is refused by the S3 gateway ("read only ... bucket over
quota", HTTP 500). That is the state tested here: uploads are 503 problem+json with Retry-After, never
500; ``/readyz`` says the store is not writable; reads, media and database-only work carry on; once
the quota is raised (the operator's fix) the client's retry is accepted, and nothing acknowledged is
lost or duplicated. A read-only credential (the gateway answers AccessDenied, which the store does
not retry) is refused the same way. The unreachable store (server stopped) is ``tests/api/test_api_outage.py``; the
batch in a full bucket is ``test_s3_batch_faults.py``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.models import Recording
from pipeline.config import load_config
from pipeline.errors import StoreError
from pipeline.store import S3Store, store_from_config
from tests.campaign.conftest import Tally
from tests.utils.api_factories import UNIT_A, ApiHarness, harness, wav_bytes
from tests.utils.postgres import PostgresServer
from tests.utils.seaweed import READER_KEY, READER_SECRET, SeaweedServer

FORM = {"source": "counter", "unit": UNIT_A, "officer": "P1", "recorded_at": "2026-03-02T09:30:00Z"}


def s3_store(
    seaweed: SeaweedServer,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    keys: tuple[str, str] | None = None,
) -> S3Store:
    """A store on ``bucket`` (created when missing), configured as production would be but with
    short retries; ``keys`` other credentials than the session's read-write ones."""
    assert seaweed.info is not None
    access, secret = keys or (seaweed.info.access_key, seaweed.info.secret_key)
    monkeypatch.setenv("VIGIL_S3_ACCESS_KEY", access)
    monkeypatch.setenv("VIGIL_S3_SECRET_KEY", secret)
    section = load_config().section("store")
    section.update(
        s3_endpoint=seaweed.info.endpoint,
        s3_secure=False,
        retries=1,
        retry_backoff_s=0.1,
        connect_timeout_s=2.0,
        read_timeout_s=10.0,
    )
    store = store_from_config(section, f"s3://{bucket}")
    assert isinstance(store, S3Store)
    return store


def fill_bucket(seaweed: SeaweedServer, store: S3Store) -> None:
    """Put the bucket over a 1 MiB quota and have SeaweedFS enforce it (read-only), then wait until
    the gateway really refuses writes. Usage reaches the master with the volume servers' heartbeats,
    so enforcing is repeated until it sees the bucket over its quota."""
    store.put_bytes("ballast/earlier-recordings.bin", os.urandom(2 * 1024 * 1024))
    seaweed.shell(f"s3.bucket.quota -name={store.bucket} -op=set -sizeMB=1")
    deadline = time.monotonic() + 60
    while True:
        out = seaweed.shell("s3.bucket.quota.enforce -apply")
        if f"changing bucket {store.bucket} to read only" in out:
            break
        assert time.monotonic() < deadline, f"SeaweedFS never enforced the quota: {out}"
        time.sleep(1.0)
    _wait_writable(store, False)


def lift_quota(seaweed: SeaweedServer, store: S3Store) -> None:
    """The operator's fix: a larger quota, enforced again (the bucket becomes writable)."""
    seaweed.shell(
        f"s3.bucket.quota -name={store.bucket} -op=set -sizeMB=256",
        "s3.bucket.quota.enforce -apply",
    )
    _wait_writable(store, True)


def _wait_writable(store: S3Store, writable: bool) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:  # a write of our own, not the store's readiness check (that is under test)
            store.put_bytes("ballast/probe.bin", os.urandom(4096))
            now = True
        except StoreError:
            now = False
        if now == writable:
            return
        assert time.monotonic() < deadline, f"bucket never became writable={writable}"
        time.sleep(0.5)


def _upload(h: ApiHarness, seed: int) -> Any:
    return h.client.post(
        "/recordings",
        data=FORM,
        files={"file": (f"s{seed}.wav", wav_bytes(0.3, seed=seed), "audio/wav")},
        headers=h.headers["ingest"],
    )


def _refused(r: Any, tally: Tally) -> None:
    tally.inputs += 1
    if r.status_code == 503:
        tally.unavailable += 1
    elif r.status_code >= 500:
        tally.server_errors += 1
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "30"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "object store unavailable; retry later"


@pytest.fixture
def fresh_db(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``database_url``'s engine for one test (each test seeds its users)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield f"{server.url}/{name}"
    finally:
        server.drop_database(name)


@pytest.fixture
def full_store(
    seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SeaweedServer, S3Store]]:
    store = s3_store(seaweed, f"full-{uuid.uuid4().hex[:10]}", monkeypatch)
    try:
        yield seaweed, store
    finally:  # never leave a read-only bucket behind on the session's server
        seaweed.shell(f"s3.bucket.quota -name={store.bucket} -op=remove")


def test_full_bucket_is_503_and_loses_nothing(
    fresh_db: str, full_store: tuple[SeaweedServer, S3Store], tmp_path: Path, tally: Tally
) -> None:
    seaweed, store = full_store
    with harness(fresh_db, tmp_path, store=store) as h:
        accepted: dict[str, bytes] = {}
        first = _upload(h, 11)
        assert first.status_code == 201, first.text
        accepted[first.json()["media_key"]] = wav_bytes(0.3, seed=11)
        assert h.client.get("/readyz").status_code == 200

        fill_bucket(seaweed, store)
        _refused(_upload(h, 12), tally)
        ready = h.client.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["store"].startswith("error")
        assert h.client.get("/healthz").status_code == 200  # alive, just not ready
        # what needs no new object keeps working: reads, the media player, imports
        rid = first.json()["id"]
        detail = h.client.get(f"/incidents/{rid}", headers=h.headers["reviewer"])
        assert detail.status_code == 200, detail.text
        media = h.client.get(detail.json()["media_url"], headers=h.headers["reviewer"])
        assert media.status_code == 200 and media.content == wav_bytes(0.3, seed=11)
        imported = h.client.post(
            "/incidents:import",
            json=[{"incident_id": "S3-FULL-1", "unit": UNIT_A}],
            headers=h.headers["ingest"],
        )
        assert imported.status_code == 200, imported.text
        with h.ctx.db.session() as s:  # the refused upload left no row behind
            rows_before = int(s.scalar(select(func.count()).select_from(Recording)) or 0)

        lift_quota(seaweed, store)
        assert h.client.get("/readyz").status_code == 200
        again = _upload(h, 12)  # the client's retry, once the bucket has room
        assert again.status_code == 201, again.text
        accepted[again.json()["media_key"]] = wav_bytes(0.3, seed=12)

        with h.ctx.db.session() as s:
            keys = s.scalars(select(Recording.media_key)).all()
            rows = int(s.scalar(select(func.count()).select_from(Recording)) or 0)
        lost = sum(store.get_bytes(k) != body for k, body in accepted.items())
        duplicated = rows - len(set(keys))
        tally.lost += lost
        tally.duplicated += duplicated
        assert rows_before == 1
        assert sorted(keys) == sorted(accepted) and lost == 0 and duplicated == 0
        raw = sorted(o.key for o in store.list("raw/"))
        assert raw == sorted(accepted)  # the refused upload left no object behind
        debris = [p.name for p in h.ctx.scratch.path.iterdir()]
        assert debris == [".lock"]  # nor a spooled copy


def test_read_only_credentials_are_503_and_lose_nothing(
    fresh_db: str,
    seaweed: SeaweedServer,
    tmp_path: Path,
    tally: Tally,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bucket = f"ro-{uuid.uuid4().hex[:10]}"
    writer = s3_store(seaweed, bucket, monkeypatch)
    key = "raw/2026-03/desk-1.wav"
    writer.put_bytes(key, wav_bytes(0.3, seed=21), "audio/wav")
    reader = s3_store(seaweed, bucket, monkeypatch, keys=(READER_KEY, READER_SECRET))
    with harness(fresh_db, tmp_path, store=reader) as h:
        # registering a stored object needs only reads: accepted
        reg = h.client.post(
            "/recordings", data={**FORM, "media_key": key}, headers=h.headers["ingest"]
        )
        assert reg.status_code == 201, reg.text
        _refused(_upload(h, 22), tally)  # a new object needs a write: 503, not 500
        ready = h.client.get("/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["store"].startswith("error")
        detail = h.client.get(f"/incidents/{reg.json()['id']}", headers=h.headers["reviewer"])
        media = h.client.get(detail.json()["media_url"], headers=h.headers["reviewer"])
        assert media.status_code == 200 and media.content == wav_bytes(0.3, seed=21)
        with h.ctx.db.session() as s:
            keys = s.scalars(select(Recording.media_key)).all()
        lost = int(writer.get_bytes(key) != wav_bytes(0.3, seed=21))
        tally.lost += lost
        tally.duplicated += len(keys) - len(set(keys))
        assert keys == [key] and lost == 0
        assert sorted(o.key for o in writer.list("raw/")) == [key]
        assert [p.name for p in h.ctx.scratch.path.iterdir()] == [".lock"]
