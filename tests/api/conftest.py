"""Fixtures for the review API: a real PostgreSQL server (initdb'd per session), both databases as a
module-scoped parameter, a local object store, users of every role with their credentials.

A missing PostgreSQL binary fails the tests; it never skips them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from api import create_app
from pipeline.store import LocalStore
from tests.utils.api_factories import PASSWORD, PERSONAS, ApiHarness, login, make_settings

PG_BIN = Path(os.environ.get("VIGIL_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    url: str  # postgresql+psycopg://user@host:port (no database)
    conninfo: str  # libpq form for admin commands
    data: Path
    run_as: list[str]

    def create_database(self) -> str:
        name = f"vigil_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.conninfo + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.conninfo + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL 15 cluster on a free 127.0.0.1 port, stopped and removed at the end."""
    for binary in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / binary).is_file():
            pytest.fail(f"PostgreSQL binary {PG_BIN / binary} is missing (install postgresql-15)")
    base = Path(tempfile.mkdtemp(prefix="vigil-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres (or nobody) user
        owner = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(base, owner)
        run_as = ["runuser", "-u", owner, "--"]
    data, sock = base / "data", base
    port = _free_port()
    try:
        subprocess.run(
            [
                *run_as,
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        opts = (
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [
                *run_as,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=90,
        )
    except subprocess.CalledProcessError as e:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {e.stderr.decode(errors='replace')} {log}")
    server = PostgresServer(
        url=f"postgresql+psycopg://postgres@127.0.0.1:{port}",
        conninfo=f"host=127.0.0.1 port={port} user=postgres",
        data=data,
        run_as=run_as,
    )
    try:
        yield server
    finally:
        subprocess.run(
            [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty database per test module, on each engine; removed afterwards."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "vigil.db"
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield f"{server.url}/{name}"
    finally:
        server.drop_database(name)


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHarness]:
    tmp = tmp_path_factory.mktemp("api")
    store = LocalStore(tmp / "store", fsync=False)
    settings = make_settings(database_url, tmp)
    app = create_app(settings, store=store)
    with TestClient(app) as client:
        h = ApiHarness(client=client, ctx=app.state.ctx, store=store)
        from api import crud

        with h.ctx.db.session() as session:
            for name, (role, unit) in PERSONAS.items():
                user = crud.create_user(
                    session=session, username=name, password=PASSWORD, role=role, unit=unit
                )
                h.ids[name] = str(user.id)
            session.commit()
        for name in PERSONAS:
            h.headers[name] = login(client, name)
        # the ingest service account authenticates with an API key, as in production
        r = client.post(
            f"/users/{h.ids['ingest']}/api-keys",
            json={"name": "intake"},
            headers=h.headers["admin"],
        )
        assert r.status_code == 201, r.text
        h.headers["ingest_key"] = {"X-API-Key": r.json()["key"]}
        yield h
