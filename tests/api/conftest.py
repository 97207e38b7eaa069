"""Fixtures for the review API: a real PostgreSQL server (initdb'd per session), both databases as a
module-scoped parameter, a local object store, users of every role with their credentials.

A missing PostgreSQL binary fails the tests; it never skips them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from pipeline.store import LocalStore
from tests.utils.api_factories import PASSWORD, PERSONAS, ApiHarness, login, make_settings
from tests.utils.postgres import PostgresServer, PostgresUnavailable, postgres_cluster


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL 15 cluster on a free 127.0.0.1 port, stopped and removed at the end.

    Durability is off (fsync, synchronous commit): the tests check behaviour, not crash safety.
    """
    settings = {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    try:
        with postgres_cluster(settings) as server:
            yield server
    except PostgresUnavailable as e:
        pytest.fail(str(e))


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
