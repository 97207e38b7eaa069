"""Outages: a dead object store or database gives 503 with Retry-After, readiness reports it, and
every upload that was acknowledged is still there afterwards. Real servers are stopped for real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api import create_app, crud
from api.models import Recording
from pipeline.config import load_config
from pipeline.store import LocalStore, store_from_config
from tests.utils.api_factories import UNIT_A, login, make_settings, wav_bytes
from tests.utils.postgres import PostgresServer
from tests.utils.seaweed import SeaweedServer

FORM = {"source": "bodycam", "unit": UNIT_A, "officer": "P1", "recorded_at": "2026-03-02T09:30:00Z"}


def _client(app: object) -> Iterator[TestClient]:
    with TestClient(app) as client:  # type: ignore[arg-type]
        yield client


def _admin(app: object, client: TestClient) -> dict[str, str]:
    ctx = app.state.ctx  # type: ignore[attr-defined]
    with ctx.db.session() as s:
        crud.create_user(
            session=s, username="admin", password="correct-horse-battery", role="admin"
        )
        s.commit()
    return login(client, "admin")


def _count(app: object) -> int:
    with app.state.ctx.db.session() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(Recording)) or 0)


def test_store_outage_is_503_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SeaweedServer()
    info = server.start()
    try:
        for k, v in info.env().items():
            monkeypatch.setenv(k, v)
        section = load_config().section("store")
        section.update(
            s3_endpoint=info.endpoint, retries=0, connect_timeout_s=1.0, read_timeout_s=2.0
        )
        store = store_from_config(section, "s3://vigil-outage")
        app = create_app(
            make_settings(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path), store=store
        )
        for client in _client(app):
            h = _admin(app, client)
            ok = client.post(
                "/recordings",
                data=FORM,
                files={"file": ("a.wav", wav_bytes(0.3, seed=1), "audio/wav")},
                headers=h,
            )
            assert ok.status_code == 201, ok.text
            url = client.get(f"/incidents/{ok.json()['id']}", headers=h).json()["media_url"]
            # served by the API for this user, never as a presigned (bearer) S3 URL
            assert url.startswith("/media/") and "X-Amz-Signature" not in url
            assert client.get(url, headers=h).content == wav_bytes(0.3, seed=1)
            assert client.get(url).status_code == 401

            server.stop()
            down = client.post(
                "/recordings",
                data=FORM,
                files={"file": ("b.wav", wav_bytes(0.3, seed=2), "audio/wav")},
                headers=h,
            )
            assert down.status_code == 503, down.text
            assert down.headers["retry-after"] == "30"
            assert down.headers["content-type"].startswith("application/problem+json")
            assert down.json()["detail"] == "object store unavailable; retry later"
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["store"].startswith("error")
            assert client.get("/healthz").status_code == 200
            # the acknowledged upload is intact, the refused one left no row behind
            assert _count(app) == 1
            got = client.get(f"/recordings/{ok.json()['id']}", headers=h).json()
            assert got["status"] == "queued" and got["sha256"] == ok.json()["sha256"]
            debris = [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]
            assert [p.name for p in debris] == [".lock"]  # the process's own lock, nothing else
    finally:
        server.stop()


def test_database_outage_is_503(postgres_server: PostgresServer, tmp_path: Path) -> None:
    import psycopg

    name = postgres_server.create_database()
    store = LocalStore(tmp_path / "store", fsync=False)
    app = create_app(make_settings(f"{postgres_server.url}/{name}", tmp_path), store=store)
    admin_conn = postgres_server.conninfo + " dbname=postgres"
    try:
        for client in _client(app):
            h = _admin(app, client)
            ok = client.post(
                "/recordings",
                data=FORM,
                files={"file": ("a.wav", wav_bytes(0.3, seed=3), "audio/wav")},
                headers=h,
            )
            assert ok.status_code == 201
            with psycopg.connect(admin_conn, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
            for method, path in [("GET", "/incidents"), ("GET", f"/recordings/{ok.json()['id']}")]:
                r = client.request(method, path, headers=h)
                assert r.status_code == 503, (path, r.text)
                assert r.headers["retry-after"] == "30"
                assert r.json()["detail"] == "database unavailable; retry later"
            down = client.post(
                "/recordings",
                data=FORM,
                files={"file": ("b.wav", wav_bytes(0.3, seed=4), "audio/wav")},
                headers=h,
            )
            assert down.status_code == 503
            ready = client.get("/readyz")
            assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith(
                "error"
            )
            metrics = client.get("/metrics")  # still served, with request counters
            assert metrics.status_code == 200 and "vigil_api_requests_total" in metrics.text

            with psycopg.connect(admin_conn, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            # the client retries the refused upload and it is accepted; the first is intact
            again = client.post(
                "/recordings",
                data=FORM,
                files={"file": ("b.wav", wav_bytes(0.3, seed=4), "audio/wav")},
                headers=h,
            )
            assert again.status_code == 201, again.text
            assert _count(app) == 2
            assert client.get("/readyz").status_code == 200
    finally:
        app.state.ctx.db.dispose()
        postgres_server.drop_database(name)
