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

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.models import Recording
from pipeline.store import S3Store
from tests.campaign.conftest import FORM, Tally, assert_refused, upload
from tests.utils.api_factories import UNIT_A, harness, wav_bytes
from tests.utils.postgres import PostgresServer
from tests.utils.s3_quota import fill_bucket, lift_quota, s3_store
from tests.utils.seaweed import READER_KEY, READER_SECRET, SeaweedServer

# What the API says when the object store refuses a write (api/errors.py).
UNAVAILABLE = "object store unavailable; retry later"


@pytest.fixture
def fresh_db(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``database_url``'s engine for one test (each test seeds its users)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.scratch_database() as url:
        yield url


def test_full_bucket_is_503_and_loses_nothing(
    fresh_db: str, full_bucket: tuple[SeaweedServer, S3Store], tmp_path: Path, tally: Tally
) -> None:
    seaweed, store = full_bucket
    with harness(fresh_db, tmp_path, store=store) as h:
        accepted: dict[str, bytes] = {}
        first = upload(h, 11)
        assert first.status_code == 201, first.text
        accepted[first.json()["media_key"]] = wav_bytes(0.3, seed=11)
        assert h.client.get("/readyz").status_code == 200

        fill_bucket(seaweed, store)
        assert_refused(upload(h, 12), tally, UNAVAILABLE)
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
        again = upload(h, 12)  # the client's retry, once the bucket has room
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
        assert_refused(
            upload(h, 22), tally, UNAVAILABLE
        )  # a new object needs a write: 503, not 500
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
